/**
 * aws-cdk-lib's template validation (the CloudFormation schema check that cdk.json makes an error
 * with validateAgainstDefaultRules) is read from CDK_VALIDATION at each synthesis.
 * test/support/setup-env.js turns it off for the 'app' Jest project; the compliance gate turns it on
 * for its syntheses (nagFindings), so every configuration the repository ships is validated once.
 */

/** Runs `fn` (a synthesis) with template validation on, restoring the previous setting after. */
export function withTemplateValidation<T>(fn: () => T): T {
  const before = process.env.CDK_VALIDATION;
  process.env.CDK_VALIDATION = 'true';
  try {
    return fn();
  } finally {
    if (before === undefined) delete process.env.CDK_VALIDATION;
    else process.env.CDK_VALIDATION = before;
  }
}
