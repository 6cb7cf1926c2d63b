// A minimal require hook transpiling .ts files with the root's esbuild (no type-check),
// used by the benchmark to compare TypeScript loaders for the synth path. Not used by the product.
const fs = require('node:fs');
const esbuild = require('esbuild');

require.extensions['.ts'] = function (module, filename) {
  const source = fs.readFileSync(filename, 'utf8');
  const { code } = esbuild.transformSync(source, {
    loader: 'ts', format: 'cjs', target: 'node20', sourcefile: filename, sourcemap: 'inline',
  });
  module._compile(code, filename);
};
