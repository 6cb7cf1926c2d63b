/**
 * Jest setup file. aws-cdk-lib validates every template it synthesizes (CloudFormation schema
 * checks), which costs seconds of CPU per synthesis on a small machine; the in-process tests
 * here synthesize dozens of times and assert on the templates themselves. The validated synth is
 * the gate in test/cdk-cli.test.ts: the real `cdk synth` of the shipped configuration (its child
 * environment drops every CDK_* variable), whose templates cfn-lint also checks, as it does the
 * variants there. `CDK_VALIDATION=true npx jest` validates everywhere.
 */
process.env.CDK_VALIDATION ??= 'false';
