'use strict';
/**
 * Lets the bin shims run the TypeScript sources directly: ts-node in transpile-only mode with swc
 * (no type-checking at run time, which would cost seconds per call; `npm test` type-checks).
 * Running the sources, not a build output, means an edited pipeline is never stale.
 */
const path = require('node:path');

// The AWS SDK warns on every call under Node 20 (CodeBuild standard:7.0's newest); keep CLI output
// to what the user asked for and let every other warning through.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = (warning, ...rest) => {
  const type = typeof rest[0] === 'string' ? rest[0] : rest[0] && rest[0].type;
  if (type === 'NodeVersionSupportWarning' || (warning && warning.name === 'NodeVersionSupportWarning')) {
    return;
  }
  emitWarning(warning, ...rest);
};

require('ts-node').register({
  project: path.join(__dirname, '..', 'tsconfig.json'),
  transpileOnly: true,
  swc: true,
});
