// ESLint (typed rules) for the app: bin, lib, lambda, test. The seed repositories lint themselves
// with `tsc` strictness; their code is type-checked from the root's `npm test` too.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['cdk.out/**', 'dist/**', 'node_modules/**', 'seed-code/**', 'bench/**', 'scratch/**', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      // One TypeScript program from tsconfig.json for every linted file (all of them are in its
      // `include`). The project service (`projectService: true`) answers per file like an editor
      // does and costs about twice the CPU on this repository (measured: 61 s against 34 s).
      // `npm run checks` (scripts/checks.mjs) swaps this for the program its type check built.
      parserOptions: { project: './tsconfig.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-restricted-syntax': ['error', {
        // Same intent as @cdklabs/eslint-plugin's no-literal-partition (which needs ESLint < 9):
        // ARNs are built with Stack.formatArn or Aws.PARTITION, never a literal partition.
        selector: 'Literal[value=/^arn:aws[a-z-]*:/]',
        message: 'No literal partition in ARNs: use Stack.of(this).formatArn(...) or Aws.PARTITION',
      }, {
        selector: 'TemplateElement[value.raw=/arn:aws[a-z-]*:/]',
        message: 'No literal partition in ARNs: use Stack.of(this).formatArn(...) or Aws.PARTITION',
      }],
    },
  },
  {
    // The package build type-checks lib/ alone: importing aws-cdk-lib's root makes it read the
    // declarations of every service module (measured: 4,007 files and about 16 CPU s, against
    // 2,713 files and about 12 CPU s with aws-cdk-lib/core, which the root re-exports).
    files: ['lib/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'aws-cdk-lib', message: "Import aws-cdk-lib's core from 'aws-cdk-lib/core' in lib/ (docs/contributing.md, Speed)" }] }],
    },
  },
  {
    // Tests and Lambda handlers legitimately hold sample ARNs of events and API answers.
    files: ['test/**/*.ts', 'lambda/**/*.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
);
