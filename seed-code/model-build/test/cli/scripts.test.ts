import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { codeLocations, scriptLocations, sha256Hex } from '../../src/cli/scripts';

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'code-'));
  for (const [name, body] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), body);
  }
  return dir;
}

describe('content-addressed code locations', () => {
  test('a single file is addressed by the hash of its content', () => {
    const dir = folder({ 'prep.py': 'print(1)\n' });
    const [location] = scriptLocations({ prep: path.join(dir, 'prep.py') }, 'bucket', 'pipe');
    expect(location.s3Uri).toBe(`s3://bucket/pipe/code/${sha256Hex('print(1)\n')}/prep.py`);
    expect(location.files.map((f) => f.relativePath)).toEqual(['prep.py']);
  });

  test('a folder is uploaded file by file under one prefix, caches and hidden files left out', () => {
    // GIVEN
    const dir = folder({
      'run.py': 'import lib.util\n',
      'lib/util.py': 'X = 1\n',
      'requirements.txt': 'scipy\n',
      'lib/__pycache__/util.cpython-311.pyc': 'x',
      '.env': 'secret',
    });

    // WHEN
    const [location] = scriptLocations({ prep: dir }, 'bucket', 'pipe');

    // THEN
    expect(location.s3Uri).toMatch(/^s3:\/\/bucket\/pipe\/code\/[0-9a-f]{64}\/$/);
    expect(location.files.map((f) => [f.relativePath, f.key])).toEqual(
      ['lib/util.py', 'requirements.txt', 'run.py'].map((rel) => [rel, `pipe/code/${location.sha256}/${rel}`]),
    );
    expect(codeLocations([location])).toEqual({ prep: { s3Uri: location.s3Uri, files: ['lib/util.py', 'requirements.txt', 'run.py'] } });
  });

  test('the folder hash is stable, and changes with any content or file name', () => {
    const hash = (files: Record<string, string>) => scriptLocations({ c: folder(files) }, 'b', 'p')[0].sha256;
    const base = { 'run.py': 'a\n', 'lib/u.py': 'b\n' };
    expect(hash(base)).toBe(hash({ ...base }));
    expect(hash({ ...base, 'lib/u.py': 'c\n' })).not.toBe(hash(base));
    expect(hash({ 'run.py': 'a\n', 'lib/v.py': 'b\n' })).not.toBe(hash(base));
  });
});
