import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Aspects, Stack } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import {
  AcknowledgeCompliancePacks, COMPLIANCE_PACK_ACKNOWLEDGEMENTS, COMPLIANCE_PACKS,
} from '../../lib/private/compliance-pack-acknowledgements';
import { CONTROL_TOWER_ACKNOWLEDGEMENTS } from '../../lib/private/control-tower-acknowledgements';
import { nagFindings } from '../support/compliance';

/**
 * Each acknowledgement is given only where its reason is true: the kind of resource, its logical id
 * and, where the reason says so, its properties. One bare stack with the HIPAA Security and NIST
 * 800-53 R5 packs (AwsSolutions runs too; its findings are not looked at), no template validation.
 */
const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'packs-'));
const app = new App({ outdir });
const stack = new Stack(app, 'Packs');
const fn = (id: string) => new lambda.Function(stack, id, {
  runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => {};'),
});
// Functions: a teardown handler (invoked synchronously) is acknowledged, a function of another name is not.
fn('TeardownOnEvent');
fn('SomeoneElsesFunction');
// Inline policies: on one role (acknowledged), on two roles (not).
const roles = ['One', 'Two'].map((id) => new iam.Role(stack, id, { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') }));
new iam.Policy(stack, 'OneRolePolicy', { roles: [roles[0]], statements: [new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::b/k'] })] });
new iam.Policy(stack, 'SharedPolicy', { roles, statements: [new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::b/k'] })] });
// CodeBuild: a CODEPIPELINE source (acknowledged), a GitHub source (not).
new codebuild.CfnProject(stack, 'PipelineProject', {
  source: { type: 'CODEPIPELINE', buildSpec: 'version: 0.2' },
  artifacts: { type: 'CODEPIPELINE' }, environment: { type: 'LINUX_CONTAINER', image: 'aws/codebuild/standard:7.0', computeType: 'BUILD_GENERAL1_SMALL' },
  serviceRole: roles[0].roleArn,
});
new codebuild.CfnProject(stack, 'GitHubProject', {
  source: { type: 'GITHUB', location: 'https://github.com/someone/repo' },
  artifacts: { type: 'NO_ARTIFACTS' }, environment: { type: 'LINUX_CONTAINER', image: 'aws/codebuild/standard:7.0', computeType: 'BUILD_GENERAL1_SMALL' },
  serviceRole: roles[0].roleArn,
});
// Buckets: an SSE-S3 access-log bucket (acknowledged), an SSE-S3 bucket of another name (not).
new s3.Bucket(stack, 'AccessLogs', { encryption: s3.BucketEncryption.S3_MANAGED });
new s3.Bucket(stack, 'Scratch', { encryption: s3.BucketEncryption.S3_MANAGED });
Aspects.of(stack).add(new AcknowledgeCompliancePacks());
const { findings } = nagFindings(app, outdir, { validate: false, packs: true });

/** The unacknowledged findings of one pack rule, by the construct each names. */
function unacknowledged(rule: string): string[] {
  return findings.filter((f) => f.rule === rule).flatMap((f) => f.paths).map((p) => p.split('/')[1]).sort();
}

describe.each(COMPLIANCE_PACKS)('the %s pack', (pack) => {
  test('functions: only those of the project (and of aws-cdk-lib) are acknowledged', () => {
    expect(unacknowledged(`${pack}-LambdaInsideVPC`)).toEqual(['SomeoneElsesFunction']);
    expect(unacknowledged(`${pack}-LambdaConcurrency`)).toEqual(['SomeoneElsesFunction']);
    expect(unacknowledged(`${pack}-LambdaDLQ`)).toEqual(['SomeoneElsesFunction']);
  });

  test('inline policies: only one attached to a single role is acknowledged', () => {
    // The roles' DefaultPolicy does not exist (no grant): only the two policies are findings.
    expect(unacknowledged(`${pack}-IAMNoInlinePolicy`)).toEqual(['SharedPolicy']);
  });

  test('SSE-S3: only the access-log buckets are acknowledged', () => {
    expect(unacknowledged(`${pack}-S3DefaultEncryptionKMS`)).toEqual(['Scratch']);
  });
});

test('CodeBuild (a HIPAA Security rule only): only a CODEPIPELINE source is acknowledged', () => {
  expect(unacknowledged('HIPAA.Security-CodeBuildProjectSourceRepoUrl')).toEqual(['GitHubProject']);
});

test('every reason is written out (none is empty), and those taken from Control Tower are its reasons', () => {
  for (const ack of COMPLIANCE_PACK_ACKNOWLEDGEMENTS) expect(ack.reason.length).toBeGreaterThan(40);
  const controlTower = new Set(CONTROL_TOWER_ACKNOWLEDGEMENTS.map((a) => a.reason));
  for (const rule of ['LambdaInsideVPC', 'S3DefaultEncryptionKMS', 'CloudWatchLogGroupEncrypted']) {
    for (const ack of COMPLIANCE_PACK_ACKNOWLEDGEMENTS.filter((a) => a.rule === rule)) expect(controlTower.has(ack.reason)).toBe(true);
  }
});
