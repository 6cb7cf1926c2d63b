// Jest's runtime for the test projects (jest.config.js, `runtime`): jest-runtime itself, except
// that it compiles each module so that V8 can reuse the compiled code in the next test file.
//
// Why: Jest gives every test file a fresh module registry and context, so each file loads
// aws-cdk-lib and lib/ anew. That is intended (no state leaks from one file to the next) and
// stays so. But jest-runtime compiles each module with `vm.compileFunction` and a dynamic-import
// callback, which V8's compilation cache cannot serve: every file parses every module again and
// compiles again each function it calls. Compiled as a script without that callback (below),
// the same source is found in the cache of the worker's V8 isolate, with the functions earlier
// files compiled lazily: on the construct tests, a fifth less CPU (BENCHMARKS.md, "Stop 33").
// Module instances are not shared: each file still runs every module's code in its own context.
//
// What differs from jest-runtime: a module's `import()` fails with Node.js's
// ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING instead of Jest's error. Both fail: Jest only supports
// `import()` with --experimental-vm-modules, which this repository does not use (TypeScript is
// compiled to CommonJS, where swc turns `import()` into `require`). Line and column numbers, and
// so stack traces and source maps, are those of jest-runtime. A module that does not compile
// goes to jest-runtime's own compile, which reports the error as Jest does; so does every module
// of a run with V8 coverage (`--coverageProvider=v8`), whose offsets the wrapper would move.
//
// jest-runtime is pinned (package.json, `jest`); this file relies on its module executor's
// `compile(source, filename)` and fails loudly if that is gone.
const vm = require('node:vm');
const Runtime = require('jest-runtime').default;

class CodeCacheRuntime extends Runtime {
  constructor(...args) {
    super(...args);
    const executor = this.executor;
    if (typeof executor?.compile !== 'function' || !Array.isArray(executor.injectedModuleParameters)) {
      throw new Error('test/support/code-cache-runtime.js: this jest-runtime has no executor.compile(source, filename); the file was written for jest-runtime 30.5 (package.json). Remove `runtime` from jest.config.js or adapt the file.');
    }
    // V8 coverage counts character offsets in the compiled source, which the wrapper would move:
    // with `--coverage --coverageProvider=v8`, Jest compiles as it always does.
    const { collectCoverage, coverageProvider } = this._coverageOptions ?? {};
    if (collectCoverage && coverageProvider === 'v8') return;
    const jestCompile = executor.compile.bind(executor);
    executor.compile = (source, filename) => {
      // Node's own modules, when a test requires them through Jest, keep Jest's naming.
      if (executor.resolution.isCoreModule(filename)) return jestCompile(source, filename);
      const context = executor.environment.getVmContext();
      if (context == null) return null;
      // The function jest-runtime would compile, its body from the wrapper's next line on
      // (lineOffset -1), so that positions in the module are unchanged.
      const wrapped = `(function (${executor.injectedModuleParameters.join(', ')}) {\n${source}\n})`;
      let script;
      try {
        script = new vm.Script(wrapped, { filename, lineOffset: -1 });
      } catch {
        return jestCompile(source, filename);
      }
      return script.runInContext(context);
    };
  }
}

module.exports = CodeCacheRuntime;
