/**
 * Jest configuration for the model-deploy seed.
 *
 * The repository root also runs these tests as a jest "project" (with the root's node_modules),
 * so everything here is relative to this folder and the transform is @swc/jest: it strips types
 * without type-checking (`npm test` runs `tsc --noEmit` first), which keeps a run fast.
 */
module.exports = {
  displayName: 'model-deploy-seed',
  rootDir: __dirname,
  testEnvironment: 'node',
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } }],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  // Only the *.moto.test.ts suites need moto_server; they start it themselves (test/support/moto-server.ts).
  // synth-env.ts turns aws-cdk-lib's template validation off in-process; test/cdk-cli.test.ts keeps it on.
  setupFiles: ['<rootDir>/test/support/quiet-sdk.ts', '<rootDir>/test/support/synth-env.ts'],
  // Synthesis, moto_server and the CDK CLI are CPU-bound and take minutes on small, busy CI
  // machines; no test asserts on time, this only catches a hang.
  testTimeout: 300000,
};
