/**
 * The tests' Jest runtime (test/support/code-cache-runtime.js): modules are compiled so that V8
 * reuses their code in the worker's next test file, at the same positions as jest-runtime, and
 * what does not compile is reported as Jest reports it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** The first frame of a stack trace taken here. */
function whereAmI(): string {
  return new Error('here').stack!.split('\n')[1];
}

test('stack traces keep the line and column of the source (the wrapper moves nothing)', () => {
  // `new Error` in whereAmI is on line 12, column 10 of this file.
  expect(whereAmI()).toContain(`${__filename}:12:10`);
  let thrown: Error | undefined;
  try { JSON.parse('{'); } catch (e) { thrown = e as Error; }
  expect(thrown?.stack).toContain(`${__filename}:19:`);
});

test("a module that does not compile fails with Jest's own message", () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'runtime-')), 'broken.js');
  fs.writeFileSync(file, 'module.exports = {{;\n');
  let error: Error | undefined;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- Jest's require is what is tested
    require(file);
  } catch (e) {
    error = e as Error;
  }
  expect(error?.name).toBe('SyntaxError');
  expect(error?.stack).toContain('Jest encountered an unexpected token');
});

test('the app project and both seed projects run with it', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- jest.config.js is CommonJS without types
  const config = require('../jest.config.js') as { projects: Array<{ displayName: string; runtime?: string }> };
  const runtime = path.join(__dirname, 'support', 'code-cache-runtime.js');
  expect(config.projects.map((p) => [p.displayName, p.runtime])).toEqual([
    ['app', runtime], ['model-build-seed', runtime], ['model-deploy-seed', runtime],
  ]);
});
