import { App, CfnParameter, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { MlopsProjectStack } from '../../lib/stacks/mlops-project-stack';
import { parseProjectConfig, projectStackProps } from '../../lib/config/project-config';
import { NAME_LIMITS, ProjectNames } from '../../lib/contract/names';
import { SageMakerProject } from '../../lib/project/sagemaker-project';
import { SageMakerProjectProductStack } from '../../lib/studio/product-stack';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { projectApp, testApp } from '../support/app';
import { ConfigError } from '../../lib/contract/errors';
import type { ProjectSettings } from '../../lib/contract/options';

/** An app with cdk.json's feature flags, without Lambda bundling (these tests read no code) nor what only the assembly holds. */
const bareApp = (): App => testApp({ templateOnly: true });

/** Evaluates the intrinsic functions of a stack-derived value the way CloudFormation would. */
function evaluate(value: unknown, stackId: string): string {
  if (typeof value === 'string') return value;
  const v = value as Record<string, unknown>;
  if (v.Ref === 'AWS::StackId') return stackId;
  if (v['Fn::Join']) {
    const [sep, parts] = v['Fn::Join'] as [string, unknown[]];
    return parts.map((p) => evaluate(p, stackId)).join(sep);
  }
  if (v['Fn::Select']) {
    const [index, list] = v['Fn::Select'] as [string | number, unknown];
    const l = list as Record<string, unknown>;
    const [sep, source] = l['Fn::Split'] as [string, unknown];
    return evaluate(source, stackId).split(sep)[Number(index)];
  }
  throw new Error(`cannot evaluate ${JSON.stringify(value)}`);
}

/** The default project's template, synthesized once for the file. */
let defaultTemplate: Record<string, Record<string, Record<string, unknown>>> | undefined;
const defaultProjectTemplate = () => (defaultTemplate ??= Template.fromStack(projectApp({ templateOnly: true }).stack).toJSON());

/** The default project's id and bucket name as CloudFormation resolves them for a stack id. */
function deployedNames(stackId: string): { id: string; bucket: string } {
  const template = defaultProjectTemplate();
  const [idParameter] = Object.values(template.Resources as Record<string, { Type: string; Properties: { Value: unknown } }>)
    .filter((r) => r.Type === 'AWS::SSM::Parameter');
  const id = evaluate(idParameter.Properties.Value, stackId);
  const bucketName = (template.Outputs.ArtifactBucketName.Value as Record<string, unknown>);
  expect(bucketName).toHaveProperty('Ref');
  return { id, bucket: `sagemaker-project-${id}` };
}

describe('project ids', () => {
  const stackIdIn = (account: string, region: string, uuid: string) =>
    `arn:aws:cloudformation:${region}:${account}:stack/sagemaker-mlops-demo/${uuid}`;

  test('are derived by CloudFormation: the same template gives each stack its own id, in Studio\'s form', () => {
    // GIVEN two deployments of the same project name, with no setting, in two accounts
    const a = deployedNames(stackIdIn('111111111111', 'eu-west-1', '51af3dc0-da77-11e4-872e-1234567db123'));
    const b = deployedNames(stackIdIn('222222222222', 'eu-west-1', 'a4c2e1b0-0f3e-11ef-9a1b-0affe1234567'));
    // THEN
    expect(a.id).toBe('p-51af3dc0872e');
    expect(b.id).toBe('p-a4c2e1b09a1b');
    expect(a.id).toMatch(/^p-[a-z0-9]{12}$/);
    expect(a.bucket).not.toBe(b.bucket);
  });

  test('differ between stacks whose time-based UUIDs share the node part', () => {
    const a = deployedNames(stackIdIn('111111111111', 'us-east-1', '51af3dc0-da77-11e4-872e-1234567db123'));
    const b = deployedNames(stackIdIn('111111111111', 'us-west-2', '51af3dc1-da77-11e4-872f-1234567db123'));
    expect(a.id).not.toBe(b.id);
  });

  test('do not depend on credentials: synth with and without an environment gives the same project template', () => {
    const plain = defaultProjectTemplate();
    const app = bareApp();
    const withEnv = new MlopsProjectStack(app, 'sagemaker-mlops-demo', {
      ...projectStackProps(parseProjectConfig({})), env: { account: '123456789012', region: 'eu-west-1' },
    });
    const envTemplate = Template.fromStack(withEnv).toJSON();
    // THEN the id and every name built from it are the same expressions
    const idAndBucket = (t: Record<string, unknown>) =>
      Object.values(t.Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>).filter((r) => r.Type === 'AWS::SSM::Parameter' || r.Type === 'AWS::S3::Bucket')
        .map((r) => r.Properties.Value ?? r.Properties.BucketName);
    expect(idAndBucket(envTemplate)).toEqual(idAndBucket(plain));
    expect(idAndBucket(plain)).toHaveLength(5); // the id, and the four buckets named from it (project, access logs, both pipelines' artifacts)
  });

  test('are used as configured when set', () => {
    const { stack } = projectApp({ config: { projectId: 'p-abc123def456' }, templateOnly: true });
    expect(stack.project.names.artifactBucketName).toBe('sagemaker-project-p-abc123def456');
    Template.fromStack(stack).resourceCountIs('AWS::SSM::Parameter', 0);
  });
});

describe('the naming contract', () => {
  test('lists every name of ProjectNames with a limit', () => {
    // GIVEN a contract with recognisable parts
    const names = new ProjectNames('name', 'p-id');
    const listed = new Set(NAME_LIMITS.map((l) => l.name(names)));
    const composed = [
      ...Object.values(names).filter((v) => typeof v === 'string' && v !== 'name' && v !== 'p-id'),
      names.deployStackName('staging'), names.deployStackName('prod'), names.endpointName('staging'), names.endpointName('prod'),
    ];
    expect(composed.filter((n) => !listed.has(n))).toEqual([]);
  });

  test('the construct, used directly, refuses a name over a limit', () => {
    const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'S');
    expect(() => new SageMakerProject(stack, 'Project', { projectName: 'a'.repeat(32), projectId: 'p-' + 'b'.repeat(14) }))
      .toThrow(/the EventBridge rule name 'sagemaker-a{32}-p-b{14}-build' has 65 characters; AWS allows at most 64/);
  });

  test('the construct, used directly, refuses data deletion without teardown', () => {
    const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'S');
    expect(() => new SageMakerProject(stack, 'Project', { projectName: 'churn', retainData: false, teardown: false }))
      .toThrow(ConfigError);
  });
});

describe('two projects in one app', () => {
  const app = bareApp;

  test('are refused when they would use the same bucket name, naming both', () => {
    const a = app();
    new MlopsProjectStack(a, 'first', projectStackProps(parseProjectConfig({ projectName: 'churn', projectId: 'p-same12345678' })));
    expect(() => new MlopsProjectStack(a, 'second', {
      ...projectStackProps(parseProjectConfig({ projectName: 'fraud', projectId: 'p-same12345678' })),
      env: { account: '222222222222', region: 'us-east-1' },
    })).toThrow("projects 'first/Project' and 'second/Project' would both use the S3 bucket name 'sagemaker-project-p-same12345678'");
  });

  test('are refused with the same name in the same account and region (endpoints would collide)', () => {
    const a = app();
    new MlopsProjectStack(a, 'first', projectStackProps(parseProjectConfig({ projectName: 'churn' })));
    expect(() => new MlopsProjectStack(a, 'second', projectStackProps(parseProjectConfig({ projectName: 'churn' }))))
      .toThrow(/projects 'first\/Project' and 'second\/Project' would both use the endpoint name 'churn-staging' in an unspecified account and region/);
  });

  test('are accepted with different names, or the same name in different accounts', () => {
    const a = app();
    new MlopsProjectStack(a, 'churn', projectStackProps(parseProjectConfig({ projectName: 'churn' })));
    new MlopsProjectStack(a, 'fraud', projectStackProps(parseProjectConfig({ projectName: 'fraud' })));
    new MlopsProjectStack(a, 'churn-dev', { ...projectStackProps(parseProjectConfig({ projectName: 'churn' })), env: { account: '111111111111', region: 'eu-west-1' } });
    new MlopsProjectStack(a, 'churn-prod', { ...projectStackProps(parseProjectConfig({ projectName: 'churn' })), env: { account: '222222222222', region: 'eu-west-1' } });
    expect(a.synth().stacks).toHaveLength(4);
  });
});

/** The construct's view of parsed settings: the source as its provider, the retention as CDK's type. */
function constructSettings(settings: ProjectSettings): Record<string, unknown> {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars -- the settings the construct does not take, dropped by name
  const { sourceProvider, logRetentionDays, connectionArn: _a, buildRepository: _b, deployRepository: _c, ...plain } = settings;
  return { ...plain, logRetention: logRetentionDays, source: expect.objectContaining({ name: sourceProvider }) };
}

describe('project settings', () => {
  // Every setting with a value other than its default.
  const config = parseProjectConfig({
    branch: 'develop', manualApproval: false, retainData: false, teardown: true, tags: { team: 'ml' }, autoApproveModels: true, dataLocations: ['my-lake/churn'], serviceCatalog: true,
    alarmEmail: 'ml-team@example.com',
  });

  test('reach the project construct whole, on the cdk deploy path', () => {
    const { stack } = projectApp({ config: { branch: 'develop', manualApproval: false, retainData: false, tags: { team: 'ml' }, autoApproveModels: true, dataLocations: ['my-lake/churn'], alarmEmail: 'ml-team@example.com' } });
    expect(stack.project.settings).toEqual(constructSettings(config.project));
  });

  test('reach the project construct whole, in the Service Catalog product', () => {
    const stack = new Stack(bareApp(), 'Catalog');
    const product = new SageMakerProjectProductStack(stack, 'Product', {
      assetBucket: s3.Bucket.fromBucketName(stack, 'Assets', 'assets'), project: config.project,
    });
    // Every setting as configured, but the e-mail address: the template's AlarmEmail parameter,
    // which the configured address only pre-fills.
    expect({ ...product.project.settings, alarmEmail: undefined }).toEqual({ ...constructSettings(config.project), alarmEmail: undefined });
    expect(product.resolve(product.project.settings.alarmEmail)).toEqual({ Ref: 'AlarmEmail' });
    expect(product.resolve((product.node.findChild('AlarmEmail') as CfnParameter).default)).toBe('ml-team@example.com');
  });

  test('ignored ones are reported as warnings on the project stack', () => {
    // CDK prints the warnings of a synthesis to stderr (the CLI shows them to the user): captured here.
    const printed = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const { stack } = projectApp({ config: { productVersion: 'v2' }, templateOnly: true });
      Annotations.fromStack(stack).hasWarning('*', Match.stringLikeRegexp('`productVersion` is ignored'));
      expect(printed.mock.calls.flat().join('\n')).toContain('`productVersion` is ignored');
    } finally {
      printed.mockRestore();
    }
  });
});
