import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as iam from 'aws-cdk-lib/aws-iam';
import { projectApp } from './support/app';
import { cfnLint, nagFindings, templatesIn } from './support/compliance';
import { CONNECTION_CONFIG } from './support/connection';
import { MULTI_ACCOUNT_CONFIG, PROD_ACCOUNT } from './support/multi-account';

describe('compliance of the synthesized project', () => {
  test.each([
    ['default configuration', {}],
    ['no data retention, no approval, extra data locations', { retainData: 'false', manualApproval: 'false', dataLocations: 'my-lake/churn,shared-features' }],
    ['no teardown, with a configured id', { teardown: 'false', projectId: 'p-abc123def456' }],
    ['CodeConnections source', CONNECTION_CONFIG],
    ['multi-account: project and both target stacks', MULTI_ACCOUNT_CONFIG],
    ['multi-account: staging only, no teardown', { ...MULTI_ACCOUNT_CONFIG, prodAccount: undefined, teardown: 'false' }],
    ['multi-account: no data retention', { ...MULTI_ACCOUNT_CONFIG, retainData: 'false' }],
  ])('cdk-nag AwsSolutions finds nothing unacknowledged (%s)', (_what, config) => {
    // GIVEN
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'nag-'));
    const { app } = projectApp({ config, outdir });
    // WHEN
    const { findings, error } = nagFindings(app, outdir);
    // THEN
    expect(findings).toEqual([]);
    expect(error).toBeUndefined();
  });

  test('cdk-nag does report an unacknowledged wildcard (the check can fail)', () => {
    // GIVEN: a role with a wildcard resource nobody gave a reason for
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'nag-'));
    const { app, stack } = projectApp({ outdir });
    stack.project.modelBuild.pipelineExecutionRole.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['s3:GetObject'], resources: ['arn:aws:s3:::someone-elses-bucket/*'],
    }));
    // WHEN
    const { findings } = nagFindings(app, outdir);
    // THEN
    expect(findings.map((f) => f.rule)).toEqual(['AwsSolutions-IAM5[Resource::arn:aws:s3:::someone-elses-bucket/*]']);
  });

  test('cfn-lint reports nothing on the template of a CodeConnections source', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'lint-'));
    projectApp({ outdir, config: CONNECTION_CONFIG }).app.synth();
    expect(cfnLint(templatesIn(outdir))).toBe('');
  });

  test('cfn-lint reports nothing on the multi-account templates (project and target stacks)', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'lint-'));
    projectApp({ outdir, config: { ...MULTI_ACCOUNT_CONFIG, prodAccount: PROD_ACCOUNT } }).app.synth();
    const templates = templatesIn(outdir);
    expect(templates).toHaveLength(3);
    expect(cfnLint(templates)).toBe('');
  });

  test('cfn-lint reports nothing on any synthesized template', () => {
    // GIVEN: the app as `cdk synth` builds it, Lambda bundles included
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'lint-'));
    projectApp({ outdir, bundle: true }).app.synth();
    const templates = templatesIn(outdir);
    expect(templates).toHaveLength(1);
    // WHEN / THEN
    expect(cfnLint(templates)).toBe('');
  });
});
