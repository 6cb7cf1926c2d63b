'use strict';
/**
 * Lets the bin shims run the TypeScript sources directly: ts-node in transpile-only mode with swc
 * (no type-checking at run time, which would cost seconds per call; `npm test` type-checks).
 * Running the sources, not a build output, means an edited pipeline is never stale.
 */
const path = require('node:path');

// The AWS SDK warns on every run under Node 20 (the newest CodeBuild standard:7.0 has); keep CLI
// output to what the user asked for. Its own switch, so every other warning still shows.
if (process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED === undefined) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
}

require('ts-node').register({
  project: path.join(__dirname, '..', 'tsconfig.json'),
  transpileOnly: true,
  swc: true,
});
