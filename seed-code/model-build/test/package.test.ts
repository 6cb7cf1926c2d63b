/**
 * The seed pins exact versions, the same ones the parent repository uses, so `npm ci` here and the
 * parent's test run resolve identical code.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

const pkg = JSON.parse(readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8'));

const PINNED: Record<string, string> = {
  '@aws-sdk/client-s3': '3.1173.0',
  '@aws-sdk/client-sagemaker': '3.1142.0',
  '@swc/core': '1.16.18',
  '@swc/jest': '0.2.39',
  '@types/jest': '30.0.0',
  '@types/node': '22.20.5',
  'aws-sdk-client-mock': '4.1.0',
  jest: '30.5.2',
  'ts-node': '10.9.2',
  typescript: '5.9.3',
};

describe('package.json', () => {
  const all: Record<string, string> = { ...pkg.dependencies, ...pkg.devDependencies };

  test('uses exactly the pinned versions and nothing else', () => {
    expect(all).toEqual(PINNED);
  });

  test('exposes the three CLIs as bin entries that exist', () => {
    expect(pkg.bin).toEqual({
      'build-images': 'bin/build-images.js',
      'get-pipeline-definition': 'bin/get-pipeline-definition.js',
      'run-pipeline': 'bin/run-pipeline.js',
    });
    for (const file of Object.values<string>(pkg.bin)) {
      expect(readFileSync(path.join(__dirname, '..', file), 'utf8')).toMatch(/^#!\/usr\/bin\/env node\n/);
    }
  });
});
