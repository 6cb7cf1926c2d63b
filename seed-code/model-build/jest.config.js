/**
 * Jest configuration of the model-build seed.
 *
 * Kept free of paths into this folder's node_modules: the parent repository runs these tests as a
 * jest "project" with its own node_modules, so modules must resolve from wherever jest runs.
 * Transpiling with swc (no type-checking) keeps the run fast; `npm test` runs `tsc --noEmit` first.
 */
module.exports = {
  displayName: 'model-build-seed',
  rootDir: __dirname,
  testEnvironment: 'node',
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  modulePathIgnorePatterns: ['<rootDir>/dist/', '<rootDir>/cdk.out/'],
  transform: {
    '^.+\\.tsx?$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  // moto_server is started by the suites that need it (test/helpers/moto.ts), not globally.
  setupFiles: ['<rootDir>/test/setup-env.js'],
};
