import { runSimulation } from '@cloud-copilot/iam-simulate';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { ImageRepository, KEPT_TAG_PREFIX } from '../../lib/project/image-repository';
import { ModelBuild } from '../../lib/project/model-build';
import { evaluate, templateRoles } from '../support/multi-account';
import { ID, projectParts } from '../support/project-parts';

const ACCOUNT = '111111111111';
const REGION = 'eu-west-1';
const REPOSITORY = `sagemaker-project-${ID}`;
const PULL = ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'];

/** ImageRepository and ModelBuild (which builds into it) on a bare stack. */
function imagesTemplate(options: { retainData?: boolean; stageAccounts?: Record<string, string> } = {}) {
  const parts = projectParts({ retainData: options.retainData });
  const images = new ImageRepository(parts.scope, 'ImageRepository', {
    names: parts.names,
    key: parts.store.key,
    retainData: options.retainData ?? true,
    deploymentAccounts: options.stageAccounts ? { projectAccount: ACCOUNT, stageAccounts: options.stageAccounts } : undefined,
  });
  const build = new ModelBuild(parts.scope, 'ModelBuild', { ...parts.pipelineProps('build'), imageRepository: images });
  return { template: Template.fromStack(parts.stack), stack: parts.stack, images, build };
}

describe('ImageRepository', () => {
  const { template, stack, images } = imagesTemplate();
  const repositoryId = stack.getLogicalId(images.repository.node.defaultChild as never);
  const repository = template.toJSON().Resources[repositoryId];

  test('named by the naming contract, project key, immutable tags, scan on push, kept with the data', () => {
    expect(repository.Properties).toMatchObject({
      RepositoryName: REPOSITORY,
      ImageTagMutability: 'IMMUTABLE',
      ImageScanningConfiguration: { ScanOnPush: true },
      EncryptionConfiguration: { EncryptionType: 'KMS' },
    });
    expect(repository.Properties.EncryptionConfiguration.KmsKey['Fn::GetAtt'][0]).toMatch(/^ProjectArtifactStoreKey/);
    expect(repository.DeletionPolicy).toBe('Retain');
    expect(repository.Properties.EmptyOnDelete).not.toBe(true);
  });

  test('retainData=false: CloudFormation deletes the repository with its images', () => {
    const { template: t } = imagesTemplate({ retainData: false });
    t.hasResource('AWS::ECR::Repository', { DeletionPolicy: 'Delete', Properties: Match.objectLike({ EmptyOnDelete: true }) });
  });

  test('lifecycle: kept images matched first and never counted out, untagged after a day, the rest after 90 days', () => {
    const rules = JSON.parse(repository.Properties.LifecyclePolicy.LifecyclePolicyText).rules;
    expect(rules.map((r: { rulePriority: number; selection: unknown }) => [r.rulePriority, r.selection])).toEqual([
      [1, { tagStatus: 'tagged', tagPrefixList: [KEPT_TAG_PREFIX], countType: 'imageCountMoreThan', countNumber: 9999 }],
      [2, { tagStatus: 'untagged', countType: 'sinceImagePushed', countNumber: 1, countUnit: 'days' }],
      [3, { tagStatus: 'any', countType: 'sinceImagePushed', countNumber: 90, countUnit: 'days' }],
    ]);
    // No content tag (<name>-<sha256>, names start with a lowercase letter or digit) carries the kept prefix.
    expect(KEPT_TAG_PREFIX).toMatch(/^[^a-z0-9]/);
  });

  test('SageMaker may pull, from this account only; nobody else without a multi-account project', () => {
    const statements = repository.Properties.RepositoryPolicyText.Statement;
    expect(statements).toEqual([{
      Sid: 'SageMakerPull',
      Effect: 'Allow',
      Principal: { Service: 'sagemaker.amazonaws.com' },
      Action: PULL,
      Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
    }]);
  });

  test('multi-account: the staging and prod model roles may pull, named by aws:PrincipalArn', () => {
    const { template: t } = imagesTemplate({ stageAccounts: { staging: '222222222222', prod: '333333333333' } });
    const policy = evaluate(Object.values(t.findResources('AWS::ECR::Repository'))[0].Properties.RepositoryPolicyText, ACCOUNT) as { Statement: unknown[] };
    expect(policy.Statement).toEqual(expect.arrayContaining(['staging', 'prod'].map((stage) => {
      const account = stage === 'staging' ? '222222222222' : '333333333333';
      return expect.objectContaining({
        Sid: `ModelRolesPullFrom${account}`,
        Principal: { AWS: `arn:aws:iam::${account}:root` },
        Action: PULL,
        Condition: { ArnEquals: { 'aws:PrincipalArn': [`arn:aws:iam::${account}:role/mlops-stage-roles/sagemaker-${ID}-${stage}-model`] } },
      });
    })));
  });
});

describe('the image build', () => {
  const { template, stack, images, build } = imagesTemplate();
  const projects = template.findResources('AWS::CodeBuild::Project');

  test('is the only privileged CodeBuild project, runs the seed\'s buildspec-images.yml', () => {
    const privileged = Object.values(projects).filter((p) => p.Properties.Environment.PrivilegedMode === true);
    expect(privileged.map((p) => [p.Properties.Name, p.Properties.Source.BuildSpec])).toEqual([
      [`sagemaker-mlops-demo-${ID}-images`, 'buildspec-images.yml'],
    ]);
    expect(Object.keys(projects).length).toBeGreaterThan(1);
  });

  test('runs before the pipeline-run action, which receives its images file', () => {
    const pipeline = Object.values(template.findResources('AWS::CodePipeline::Pipeline'))[0];
    const buildStage = pipeline.Properties.Stages.find((s: { Name: string }) => s.Name === 'Build');
    expect(buildStage.Actions.map((a: { Name: string; RunOrder: number; InputArtifacts: Array<{ Name: string }>; OutputArtifacts?: Array<{ Name: string }> }) => [
      a.Name, a.RunOrder, a.InputArtifacts.map((i) => i.Name), (a.OutputArtifacts ?? []).map((o) => o.Name),
    ])).toEqual([
      ['BuildImages', 1, ['SourceArtifact'], ['Images']],
      ['BuildAndExecuteSageMakerPipeline', 2, ['SourceArtifact', 'Images'], []],
    ]);
  });

  // The IAM simulator decides ECR requests of the image build's role as IAM would.
  const repositoryArn = `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/${REPOSITORY}`;
  const repositoryId = stack.getLogicalId(images.repository.node.defaultChild as never);
  const roleId = stack.getLogicalId(build.imageProject!.role!.node.defaultChild as never);
  const role = templateRoles(template, ACCOUNT, { [`${repositoryId}.Arn`]: repositoryArn }).find((r) => r.logicalId === roleId)!;
  const decide = async (action: string, resource: string, resourcePolicy?: unknown) => {
    const result = await runSimulation({
      request: {
        principal: `arn:aws:iam::${ACCOUNT}:role/image-build`,
        action,
        resource: { resource, accountId: resource.split(':')[4] || ACCOUNT },
        contextVariables: {},
      },
      identityPolicies: [{ name: role.logicalId, policy: { Version: '2012-10-17', Statement: role.statements } }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy,
    }, {});
    if (result.resultType === 'error') throw new Error(`simulation refused its input: ${JSON.stringify(result.errors)}`);
    return result.overallResult;
  };
  const PUSH = ['ecr:InitiateLayerUpload', 'ecr:UploadLayerPart', 'ecr:CompleteLayerUpload', 'ecr:PutImage'];

  test.each(PUSH)('may %s to this project\'s repository', async (action) => {
    expect(await decide(action, repositoryArn)).toBe('Allowed');
  });

  test.each(PUSH)('may not %s to another repository of the account', async (action) => {
    expect(await decide(action, `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/sagemaker-project-p-other0000000`)).toBe('ImplicitlyDenied');
  });

  test('may pull base images from the deep learning container registry, but not push there', async () => {
    const dlc = `arn:aws:ecr:${REGION}:763104351884:repository/tensorflow-training`;
    // Cross-account: the registry's own policy opens its repositories to every account.
    const open = (arn: string) => ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: ['ecr:BatchGetImage', 'ecr:PutImage'], Resource: arn }] });
    expect(await decide('ecr:BatchGetImage', dlc, open(dlc))).toBe('Allowed');
    expect(await decide('ecr:PutImage', dlc, open(dlc))).toBe('ImplicitlyDenied');
    const other = `arn:aws:ecr:${REGION}:999999999999:repository/anything`;
    expect(await decide('ecr:BatchGetImage', other, open(other))).toBe('ImplicitlyDenied');
  });

  test('the pipeline-run project may only tag existing images (no layer uploads)', () => {
    const runRoleId = stack.getLogicalId(build.project.role!.node.defaultChild as never);
    const runRole = templateRoles(template, ACCOUNT, { [`${repositoryId}.Arn`]: repositoryArn }).find((r) => r.logicalId === runRoleId)!;
    const ecrActions = runRole.statements.flatMap((s) => ([] as string[]).concat(s.Action as string[])).filter((a) => a.startsWith('ecr:')).sort();
    expect(ecrActions).toEqual(['ecr:BatchGetImage', 'ecr:PutImage']);
  });
});
