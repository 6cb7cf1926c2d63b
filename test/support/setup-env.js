// Environment of every test file of the 'app' Jest project (setupFiles).
//
// aws-cdk-lib validates every synthesized template against the CloudFormation schema
// (cdk.json turns validateAgainstDefaultRules on) unless CDK_VALIDATION=false; that validation
// is most of the time of a synthesis. Fine-grained tests look at the template and do not need
// it; the compliance gate turns it back on (test/support/validation.ts: nagFindings(), every
// cdk-nag synthesis), once per shipped configuration. The tests that run the real CDK CLI or
// bin/app.ts in a child process set CDK_VALIDATION=false there too.
process.env.CDK_VALIDATION = 'false';
// Node's own stack depth instead of the 100 frames Jest's environment sets. aws-cdk-lib captures a
// stack trace for every construct it creates and every rule a construct acknowledges (metadata
// for cdk.out, never in a template), and under Jest each frame is mapped through the test files'
// source maps: with 100 frames that was 10% of the CPU of the construct and Studio tests
// (BENCHMARKS.md, "Stop 32"). A failing test still shows its own frames, which are the first ones.
Error.stackTraceLimit = 10;
// The AWS SDK warns once per process that its 2027 releases need Node.js 22; Node.js 20 is what
// this machine and the engines field allow today. Its own switch keeps test output readable.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
