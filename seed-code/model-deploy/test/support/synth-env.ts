/**
 * Jest setup file. aws-cdk-lib validates every template it synthesizes (CloudFormation schema
 * checks), which costs seconds of CPU per synthesis on a small machine; the in-process tests
 * here synthesize dozens of times and assert on the templates themselves. The validated synth is
 * the gate in test/cdk-cli.test.ts: the real `cdk synth` of the shipped configuration (its child
 * environment drops every CDK_* variable), whose templates cfn-lint also checks, as it does the
 * variants there. `CDK_VALIDATION=true npx jest` validates everywhere.
 */
process.env.CDK_VALIDATION ??= 'false';
/**
 * Node's own stack depth instead of the 100 frames Jest sets: aws-cdk-lib captures a stack trace
 * (cdk.out metadata, not the template) for every construct it creates and every rule it is told to
 * acknowledge, and Jest maps each frame through source maps, which made deep traces a tenth of the
 * CPU of synthesis-heavy tests. A failing test still shows its own frames, which come first.
 */
Error.stackTraceLimit = 10;
