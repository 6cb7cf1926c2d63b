/**
 * One Jest run for everything: the CDK app's tests and both seed repositories' own test suites
 * (each seed keeps its jest.config.js so it also runs standalone once pushed to its repository).
 * moto_server is started once for the whole run by the global setup; the seeds' own global setups
 * see MOTO_ENDPOINT and reuse it.
 */
const swc = ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }];

/** @type {import('jest').Config} */
module.exports = {
  globalSetup: '<rootDir>/test/support/moto-global-setup.js',
  globalTeardown: '<rootDir>/test/support/moto-global-teardown.js',
  // CI runs on two loaded cores: synthesis and moto_server round trips take seconds there. No test
  // asserts on time; this only keeps Jest's 5 s default from failing slow-but-correct tests.
  testTimeout: 120_000,
  projects: [
    {
      displayName: 'app',
      testEnvironment: 'node',
      roots: ['<rootDir>/test', '<rootDir>/lambda'],
      testMatch: ['**/*.test.ts'],
      transform: { '^.+\\.ts$': swc },
      // The endpoint stack lives in the deploy seed; when that folder has its own node_modules
      // (a developer ran npm install there), make sure both sides share one aws-cdk-lib.
      moduleNameMapper: {
        '^aws-cdk-lib$': '<rootDir>/node_modules/aws-cdk-lib',
        '^aws-cdk-lib/(.*)$': '<rootDir>/node_modules/aws-cdk-lib/$1',
        '^constructs$': '<rootDir>/node_modules/constructs',
      },
    },
    '<rootDir>/seed-code/model-build',
    '<rootDir>/seed-code/model-deploy',
  ],
};
