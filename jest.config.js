/**
 * One Jest run for everything: the CDK app's tests and both seed repositories' own test suites
 * (each seed keeps its jest.config.js so it also runs standalone once pushed to its repository).
 * moto_server is started by the suites that talk to it (test/support/moto.ts, and the seeds' own
 * helpers), each reusing MOTO_ENDPOINT when it is already set. The one global setup gives the run
 * its own temporary folder, removed at the end (test/support/temp-dir.js).
 */
const path = require('node:path');

const swc = ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }];
// jest-runtime, compiling modules so that the next test file of a worker reuses the compiled code
// (the file says why and what differs). For every project: the seeds' own configurations are
// taken as they are, with this runtime added (run alone in a seed's repository, they use Jest's).
const runtime = path.join(__dirname, 'test', 'support', 'code-cache-runtime.js');
const seed = (folder) => ({ ...require(`./seed-code/${folder}/jest.config.js`), runtime });

/** @type {import('jest').Config} */
module.exports = {
  // CI runs on two loaded cores: synthesis, packing and moto_server round trips take seconds to
  // minutes there. No test asserts on time; this only catches a hang, never a slow-but-correct test.
  testTimeout: 600_000,
  // Both cores: Jest's default (cores - 1) leaves one of two idle; the tests are CPU-bound synths
  // and child processes (measured: 298 s with two workers against about 490 s in band).
  maxWorkers: 2,
  // The long files first (test/support/sequencer.js says why).
  testSequencer: '<rootDir>/test/support/sequencer.js',
  globalSetup: '<rootDir>/test/support/global-setup.js',
  globalTeardown: '<rootDir>/test/support/global-teardown.js',
  projects: [
    {
      displayName: 'app',
      testEnvironment: 'node',
      roots: ['<rootDir>/test', '<rootDir>/lambda'],
      testMatch: ['**/*.test.ts'],
      // CDK_VALIDATION=false outside the gate tests (the file says why and which turn it back on).
      setupFiles: ['<rootDir>/test/support/setup-env.js'],
      runtime,
      transform: { '^.+\\.ts$': swc },
      // The endpoint stack lives in the deploy seed; when that folder has its own node_modules
      // (a developer ran npm install there), make sure both sides share one aws-cdk-lib.
      moduleNameMapper: {
        '^aws-cdk-lib$': '<rootDir>/node_modules/aws-cdk-lib',
        '^aws-cdk-lib/(.*)$': '<rootDir>/node_modules/aws-cdk-lib/$1',
        '^constructs$': '<rootDir>/node_modules/constructs',
      },
    },
    seed('model-build'),
    seed('model-deploy'),
  ],
};
