import { PROJECT_NAME_PATTERN, STUDIO_PROJECT_ID_MAX_LENGTH, STUDIO_PROJECT_ID_PATTERN, STUDIO_PROJECT_NAME_MAX_LENGTH } from '../../lib/contract/rules';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { LAUNCH_PERMISSIONS, launchPermissions, PASS_ROLE_SERVICES, Provisioner } from '../../lib/studio/launch-role';
import { parseProjectConfig } from '../../lib/config/project-config';
import { StudioTemplateLocation, studioTemplateApp } from '../../lib/studio/studio-template-stack';
import { testApp } from '../support/app';
import { ConfigError } from '../../lib/contract/errors';

const BUCKET = 'platform-sagemaker-templates';
const PREFIX = 'ml/templates/';

interface Published {
  readonly app: App;
  readonly outdir: string;
  readonly stacks: ReturnType<typeof studioTemplateApp>;
}

/** The publisher's app, as `npm run publish-template` builds it. */
function publishedApp(options: { config?: Record<string, unknown>; bundle?: boolean; prefix?: string } = {}): Published {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'studio-template-'));
  const config = parseProjectConfig(options.config ?? {});
  const app = testApp({ outdir, bundle: options.bundle });
  const location = new StudioTemplateLocation(BUCKET, options.prefix ?? PREFIX, config.productVersion);
  return { app, outdir, stacks: studioTemplateApp(app, config, location) };
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The publisher's default app, synthesized once for this file (the tests only read it). */
let defaultAssembly: { assembly: ReturnType<App['synth']>; stacks: Published['stacks'] } | undefined;
function synthDefault(): NonNullable<typeof defaultAssembly> {
  if (!defaultAssembly) {
    const { app, stacks } = publishedApp();
    defaultAssembly = { assembly: app.synth(), stacks };
  }
  return defaultAssembly;
}

describe('StudioTemplateStack, default configuration', () => {
  // GIVEN the template as the publisher synthesizes it
  const { assembly, stacks } = synthDefault();
  const json: Json = assembly.getStackByName(stacks.template.stackName).template;
  const template = Template.fromJSON(json);

  test('has the two parameters Studio passes, with their constraints, and the optional alarm e-mail address', () => {
    expect(Object.keys(json.Parameters)).toEqual(['SageMakerProjectName', 'SageMakerProjectId', 'AlarmEmail']);
    template.hasParameter('SageMakerProjectName', { Type: 'String', AllowedPattern: PROJECT_NAME_PATTERN, MaxLength: STUDIO_PROJECT_NAME_MAX_LENGTH });
    template.hasParameter('SageMakerProjectId', { Type: 'String', AllowedPattern: STUDIO_PROJECT_ID_PATTERN, MaxLength: STUDIO_PROJECT_ID_MAX_LENGTH });
    expect(json.Metadata.SagemakerTemplateParameterRules).toEqual({ AlarmEmail: { Optional: true } });
  });

  test('carries the metadata Studio reads: description, parameter labels and groups', () => {
    expect(json.Description).toMatch(/SageMaker MLOps project/);
    expect(json.Metadata['AWS::CloudFormation::Interface']).toEqual({
      ParameterGroups: [
        { Label: { default: expect.any(String) }, Parameters: ['SageMakerProjectName', 'SageMakerProjectId'] },
        { Label: { default: 'Notifications' }, Parameters: ['AlarmEmail'] },
      ],
      ParameterLabels: {
        SageMakerProjectName: { default: 'Project name' },
        SageMakerProjectId: { default: 'Project id' },
        AlarmEmail: { default: 'Alarm e-mail address' },
      },
    });
  });

  test('needs no CDK bootstrap: no version parameter or rule, no CDK metadata, no staging bucket, no machine paths', () => {
    expect(json.Rules).toBeUndefined();
    expect(Object.values(json.Resources as Json).map((r) => r.Type)).not.toContain('AWS::CDK::Metadata');
    const text = JSON.stringify(json);
    expect(text).not.toMatch(/cdk-[a-z0-9]+-assets|BootstrapVersion|aws:cdk:path|aws:asset:path/);
    expect(text).not.toContain(process.cwd());
  });

  test('every asset reference points at the published location, and every published asset is referenced', () => {
    const keys = stacks.template.templateSynthesizer.assets.map((a) => a.key).sort();
    expect(keys.length).toBeGreaterThanOrEqual(4); // two seeds, the approval trigger, the teardown
    for (const key of keys) expect(key).toMatch(/^ml\/templates\/assets\/[0-9a-f]{64}\.zip$/);
    const functions = Object.values(template.findResources('AWS::Lambda::Function'));
    const repositories = Object.values(template.findResources('AWS::CodeCommit::Repository'));
    const referenced = [
      ...functions.map((f) => f.Properties.Code),
      ...repositories.map((r) => ({ S3Bucket: r.Properties.Code.S3.Bucket, S3Key: r.Properties.Code.S3.Key })),
    ];
    expect(referenced.length).toBe(functions.length + 2);
    for (const ref of referenced) {
      expect(ref.S3Bucket).toBe(BUCKET);
      expect(keys).toContain(ref.S3Key);
    }
    expect([...new Set(referenced.map((r) => r.S3Key))].sort()).toEqual(keys);
  });

  test('is the same construct tree as the Service Catalog product: the project with the same logical ids', () => {
    // The product's construct ids are fixed by the first product stack; both paths share them.
    template.hasResourceProperties('AWS::SageMaker::ModelPackageGroup', {
      ModelPackageGroupName: { 'Fn::Join': ['', [{ Ref: 'SageMakerProjectName' }, '-', { Ref: 'SageMakerProjectId' }]] },
    });
    expect(Object.keys(json.Resources)).toEqual(expect.arrayContaining([
      expect.stringMatching(/^ProjectArtifactStoreBucket/), expect.stringMatching(/^ProjectModelBuildRepository/),
    ]));
  });
});

describe('StudioTemplateLaunchRoleStack', () => {
  const { assembly, stacks } = synthDefault();
  const productJson: Json = assembly.getStackByName(stacks.template.stackName).template;
  const roleJson: Json = assembly.getStackByName(stacks.launchRole.stackName).template;
  const role = Template.fromJSON(roleJson);
  const statements = () => Object.values(role.findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement as Json[]);

  test('is assumed by CloudFormation, which SageMaker gives it as the stack role, and has a fixed name', () => {
    role.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'SageMakerMlopsProjectLaunchRole',
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'cloudformation.amazonaws.com' } })] },
      ManagedPolicyArns: Match.absent(),
    });
  });

  test('covers every resource type of the template, scoped to SP-* stacks, without Service Catalog entries', () => {
    const types = [...new Set(Object.values(productJson.Resources as Json).map((r) => r.Type as string))];
    const covered = new Set(LAUNCH_PERMISSIONS.flatMap((p) => p.resourceTypes));
    expect(types.filter((t) => !covered.has(t))).toEqual([]);
    const sids = statements().map((s) => s.Sid);
    expect(sids).not.toContain('ReadProvisioningTemplates');
    const text = JSON.stringify(statements());
    expect(text).toContain(':stack/SP-*/*');
    expect(text).toContain(':role/sagemaker-mlops-project/SP-*');
    expect(text).not.toContain('SC-');
    const passRole = statements().find((s) => s.Sid === 'PassProjectRoles')!;
    expect(passRole.Condition.StringEquals['iam:PassedToService']).toEqual([...new Set(Object.values(PASS_ROLE_SERVICES))].sort());
  });

  test('names every bucket of the template inside the launch role\'s sagemaker-project-* bucket scope (a generated name could not be created)', () => {
    // Refs and other intrinsics in a name stand for the project id: rendered as a placeholder.
    const render = (v: unknown): string => (typeof v === 'string' ? v
      : Array.isArray((v as Json)?.['Fn::Join']) ? (v as Json)['Fn::Join'][1].map(render).join((v as Json)['Fn::Join'][0]) : 'X');
    const buckets = Object.entries(productJson.Resources as Json).filter(([, r]) => r.Type === 'AWS::S3::Bucket');
    expect(buckets.length).toBeGreaterThanOrEqual(3);
    const scope = JSON.stringify(statements().find((s) => s.Sid === 'Buckets')!.Resource);
    expect(scope).toContain(':s3:::sagemaker-project-*');
    expect(buckets.filter(([, r]) => !render(r.Properties?.BucketName ?? '').startsWith('sagemaker-project-')).map(([id]) => id)).toEqual([]);
  });

  test('reads the published assets and nothing else of the bucket', () => {
    const reads = statements().filter((s) => s.Sid === 'ReadTemplateAssets');
    expect(reads).toHaveLength(1);
    expect(reads[0].Action).toBe('s3:GetObject');
    expect(JSON.stringify(reads[0].Resource)).toContain(`:s3:::${BUCKET}/${PREFIX}assets/*`);
  });

  test('needs no CDK bootstrap either', () => {
    expect(roleJson.Parameters).toBeUndefined();
    expect(roleJson.Rules).toBeUndefined();
    expect(Object.values(roleJson.Resources as Json).map((r) => r.Type)).not.toContain('AWS::CDK::Metadata');
  });
});

describe('StudioTemplateStack, overrides', () => {
  test('forwards the project settings and the permissions boundary', () => {
    // WHEN
    const { app, stacks } = publishedApp({ config: { permissionsBoundary: 'ProjectBoundary', branch: 'develop' } });
    const json: Json = app.synth().getStackByName(stacks.template.stackName).template;
    // THEN
    const roles = Object.values(Template.fromJSON(json).findResources('AWS::IAM::Role'));
    expect(roles.length).toBeGreaterThan(0);
    for (const r of roles) expect(JSON.stringify(r.Properties.PermissionsBoundary)).toContain(':policy/ProjectBoundary');
    Template.fromJSON(json).hasResourceProperties('AWS::CodeCommit::Repository', { Code: { BranchName: 'develop' } });
  });

  test('the keys carry the version: a new version never overwrites an older one', () => {
    const v1 = new StudioTemplateLocation(BUCKET, 'templates', 'v1');
    const v2 = new StudioTemplateLocation(BUCKET, 'templates/', 'v2');
    expect(v1.templateKey).toBe('templates/sagemaker-mlops-project-v1.json');
    expect(v2.templateKey).toBe('templates/sagemaker-mlops-project-v2.json');
    expect(v1.assetPrefix).toBe(v2.assetPrefix);
    expect(v1.s3Url).toBe(`s3://${BUCKET}/templates/`);
    expect(new StudioTemplateLocation(BUCKET, '', 'v1').templateKey).toBe('sagemaker-mlops-project-v1.json');
  });

  test.each([
    ['Bad_Bucket', 'templates/', /`--bucket` must be an S3 bucket name.*got 'Bad_Bucket'/],
    ['ab', 'templates/', /`--bucket`.*got 'ab'/],
    ['my..bucket', 'templates/', /`--bucket`.*got 'my..bucket'/],
    ['192.168.0.1', 'templates/', /`--bucket`.*got '192.168.0.1'/],
    [BUCKET, '/templates', /`--prefix` must be a key prefix.*got '\/templates'/],
    [BUCKET, 'a//b', /`--prefix`.*got 'a\/\/b'/],
    [BUCKET, 'a/../b', /`--prefix`.*got 'a\/..\/b'/],
    [BUCKET, 'my templates', /`--prefix`.*got 'my templates'/],
  ])('fails when the location is bad (bucket %s, prefix %s)', (bucket, prefix, message) => {
    expect(() => new StudioTemplateLocation(bucket, prefix, 'v1')).toThrow(ConfigError);
    expect(() => new StudioTemplateLocation(bucket, prefix, 'v1')).toThrow(message);
  });
});

test('the launch role\'s multi-account permissions (named roles, model package group policy) come only with a multi-account template', () => {
  const sids = (multiAccount: boolean) => launchPermissions(Provisioner.S3_TEMPLATE, 'codecommit', multiAccount).map((p) => p.sid);
  const extra = ['MultiAccountRoles', 'PassMultiAccountRoles', 'ModelPackageGroupPolicies'];
  expect(sids(true)).toEqual(expect.arrayContaining(extra));
  expect(sids(false).filter((sid) => extra.includes(sid))).toEqual([]);
  expect(launchPermissions(Provisioner.SERVICE_CATALOG, 'codeconnections', true).map((p) => p.sid)).toEqual(expect.arrayContaining(extra));
});
