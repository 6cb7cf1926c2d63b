// Environment of every test file of the 'app' Jest project (setupFiles).
//
// aws-cdk-lib validates every synthesized template against the CloudFormation schema
// (cdk.json turns validateAgainstDefaultRules on) unless CDK_VALIDATION=false; that validation
// is most of the time of a synthesis. Fine-grained tests look at the template and do not need
// it; the compliance gate turns it back on (test/support/validation.ts: nagFindings(), every
// cdk-nag synthesis), once per shipped configuration. The tests that run the real CDK CLI or
// bin/app.ts in a child process set CDK_VALIDATION=false there too.
process.env.CDK_VALIDATION = 'false';
// The AWS SDK warns once per process that its 2027 releases need Node.js 22; Node.js 20 is what
// this machine and the engines field allow today. Its own switch keeps test output readable.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
