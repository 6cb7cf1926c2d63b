/**
 * Changing the instance type of an autoscaled stage (the README's "A bigger prod fleet").
 *
 * SageMaker refuses an endpoint update that changes the instance type of a variant registered
 * with Application Auto Scaling, or removes such a variant; CloudFormation deregisters a removed
 * scalable target only after the endpoint update. `refusedBySageMaker` states that rule over two
 * consecutive templates of a stage; the tests follow the README's steps through it, and check
 * that the build's check (on the endpoint's tags, which the template sets) refuses exactly what
 * SageMaker would refuse, before anything is deployed.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DescribeEndpointCommand, DescribeModelPackageCommand, ListModelPackagesCommand, ListTagsCommand, SageMakerClient, Tag } from '@aws-sdk/client-sagemaker';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { mockClient } from 'aws-sdk-client-mock';
import { autoscaledTypeChangeProblem } from '../lib/autoscaling-update';
import { readBuildEnvironment, writeBuildOutput } from '../lib/build-output';
import { AUTOSCALED_INSTANCE_TYPE_TAG, EndpointStack, parseStageConfig } from '../lib/endpoint-stack';

const FIXTURES = path.join(__dirname, 'fixtures', 'config');
/** The shipped prod file: `ml.m5.large`, autoscaling 2-4. */
const SHIPPED_PROD = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'prod.json'), 'utf8')) as Record<string, unknown>;
const withoutAutoscaling = (raw: Record<string, unknown>) => Object.fromEntries(Object.entries(raw).filter(([key]) => key !== 'autoscaling'));
/** The README's bigger prod fleet, on top of the shipped file. */
const BIGGER_FLEET = { ...SHIPPED_PROD, instanceType: 'ml.c5.xlarge', instanceCount: 4, autoscaling: { minCapacity: 4, maxCapacity: 10 } };

type Resources = Record<string, { Type: string; Properties: Record<string, any>; DependsOn?: string[] }>;

function synth(raw: Record<string, unknown>): Resources {
  const stack = new EndpointStack(new App(), 'Prod', { projectName: 'churn', projectId: 'p-abc123def456', stageConfig: parseStageConfig('prod', raw, 'config/prod.json') });
  return Template.fromStack(stack).toJSON().Resources as Resources;
}

function ofType(resources: Resources, type: string) {
  return Object.entries(resources).filter(([, r]) => r.Type === type);
}

/** The instance type of each variant of the template's endpoint config, by variant name. */
function variantTypes(resources: Resources): Record<string, string> {
  const [[, config]] = ofType(resources, 'AWS::SageMaker::EndpointConfig');
  return Object.fromEntries((config.Properties.ProductionVariants as Array<{ VariantName: string; InstanceType?: string }>)
    .map((v) => [v.VariantName, v.InstanceType ?? 'serverless']));
}

/** Variants the template registers with Application Auto Scaling. */
function registeredVariants(resources: Resources): string[] {
  return ofType(resources, 'AWS::ApplicationAutoScaling::ScalableTarget')
    .map(([, t]) => /\/variant\/(.+)$/.exec(t.Properties.ResourceId as string)![1]);
}

/**
 * Whether SageMaker refuses the endpoint update from the `deployed` template to `next`: a variant
 * registered by `deployed` is still registered while the endpoint updates (CloudFormation removes
 * scalable targets in its cleanup phase, after the update), so changing its instance type or
 * removing it fails ("Update endpoints that use auto scaling", SageMaker developer guide).
 */
function refusedBySageMaker(deployed: Resources, next: Resources): boolean {
  const before = variantTypes(deployed);
  const after = variantTypes(next);
  return registeredVariants(deployed).some((variant) => after[variant] !== before[variant]);
}

/** The tags CloudFormation leaves on the endpoint after deploying the template. */
function endpointTags(resources: Resources): Tag[] {
  const [[, endpoint]] = ofType(resources, 'AWS::SageMaker::Endpoint');
  return endpoint.Properties.Tags as Tag[];
}

function buildRefuses(deployed: Resources, next: Record<string, unknown>): string | undefined {
  return autoscaledTypeChangeProblem('churn', parseStageConfig('prod', next, 'config/prod.json'), endpointTags(deployed));
}

describe("the README's bigger prod fleet, from the shipped prod file", () => {
  const shipped = synth(SHIPPED_PROD);

  test('in one commit SageMaker would refuse the update, and the build refuses it first, naming the file, the setting and both types', () => {
    expect(refusedBySageMaker(shipped, synth(BIGGER_FLEET))).toBe(true);
    expect(buildRefuses(shipped, BIGGER_FLEET)).toMatch(
      /^config\/prod\.json: 'instanceType' would change variant AllTraffic of endpoint churn-prod from ml\.m5\.large to ml\.c5\.xlarge, which SageMaker refuses .* first remove the 'autoscaling' block/);
  });

  test('in the two commits the README gives, every update is one SageMaker accepts, the build lets both through, and the fleet ends up autoscaled', () => {
    // Commit 1: the autoscaling block removed, the type kept.
    const step1 = synth(withoutAutoscaling(SHIPPED_PROD));
    expect(refusedBySageMaker(shipped, step1)).toBe(false);
    expect(buildRefuses(shipped, withoutAutoscaling(SHIPPED_PROD))).toBeUndefined();
    expect(registeredVariants(step1)).toEqual([]);

    // Commit 2: the new type and autoscaling.
    const step2 = synth(BIGGER_FLEET);
    expect(refusedBySageMaker(step1, step2)).toBe(false);
    expect(buildRefuses(step1, BIGGER_FLEET)).toBeUndefined();
    expect(variantTypes(step2)).toEqual({ AllTraffic: 'ml.c5.xlarge' });
    expect(registeredVariants(step2)).toEqual(['AllTraffic']);
    // Registered only once the endpoint runs the new type.
    const [[, target]] = ofType(step2, 'AWS::ApplicationAutoScaling::ScalableTarget');
    expect(target.DependsOn).toEqual(['Endpoint']);
    expect(target.Properties).toMatchObject({ MinCapacity: 4, MaxCapacity: 10 });
  });
});

describe('the build refuses exactly the updates SageMaker refuses', () => {
  const cases: Array<[string, Record<string, unknown>, Record<string, unknown>]> = [
    ['autoscaled, same type, other limits', SHIPPED_PROD, { ...SHIPPED_PROD, instanceCount: 3, autoscaling: { minCapacity: 3, maxCapacity: 8 } }],
    ['autoscaled, new type', SHIPPED_PROD, BIGGER_FLEET],
    ['autoscaled, new type and autoscaling removed in the same commit', SHIPPED_PROD, withoutAutoscaling(BIGGER_FLEET)],
    ['autoscaled, to serverless', SHIPPED_PROD, { serverless: {} }],
    ['not autoscaled, new type with autoscaling', withoutAutoscaling(SHIPPED_PROD), BIGGER_FLEET],
    ['not autoscaled, new type', withoutAutoscaling(SHIPPED_PROD), withoutAutoscaling(BIGGER_FLEET)],
    ['autoscaled, autoscaling removed', SHIPPED_PROD, withoutAutoscaling(SHIPPED_PROD)],
  ];
  test.each(cases)('%s', (_, deployedRaw, nextRaw) => {
    const deployed = synth(deployedRaw);
    const refused = refusedBySageMaker(deployed, synth(nextRaw));
    expect(buildRefuses(deployed, nextRaw) !== undefined).toBe(refused);
  });

  test('a stage that does not exist yet, or an endpoint without the tag, is not refused', () => {
    const config = parseStageConfig('prod', BIGGER_FLEET, 'config/prod.json');
    expect(autoscaledTypeChangeProblem('churn', config, undefined)).toBeUndefined();
    expect(autoscaledTypeChangeProblem('churn', config, [{ Key: 'sagemaker:project-id', Value: 'p-abc123def456' }])).toBeUndefined();
  });

  test('only a stage that autoscales tags its endpoint with the registered type', () => {
    expect(endpointTags(synth(SHIPPED_PROD))).toContainEqual({ Key: AUTOSCALED_INSTANCE_TYPE_TAG, Value: 'ml.m5.large' });
    expect(endpointTags(synth(withoutAutoscaling(SHIPPED_PROD))).map((t) => t.Key)).not.toContain(AUTOSCALED_INSTANCE_TYPE_TAG);
  });
});

describe('the build action', () => {
  const sagemaker = mockClient(SageMakerClient);
  const GROUP = 'churn-p-abc123def456';
  const PACKAGE = `arn:aws:sagemaker:us-east-1:123456789012:model-package/${GROUP}/4`;
  let dir: string;
  beforeEach(() => {
    sagemaker.reset();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'autoscaling-update-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('fails on the one-commit change of an autoscaled prod endpoint before anything is written, whatever is approved', async () => {
    // GIVEN prod runs the shipped file; staging does not exist yet
    const configDir = path.join(dir, 'config');
    fs.mkdirSync(configDir);
    fs.copyFileSync(path.join(FIXTURES, 'staging.json'), path.join(configDir, 'staging.json'));
    fs.writeFileSync(path.join(configDir, 'prod.json'), JSON.stringify(BIGGER_FLEET));
    sagemaker.on(DescribeEndpointCommand).callsFake((input: { EndpointName: string }) => input.EndpointName === 'churn-prod'
      ? Promise.resolve({ EndpointArn: 'arn:aws:sagemaker:us-east-1:123456789012:endpoint/churn-prod' })
      : Promise.reject(Object.assign(new Error(`Could not find endpoint "${input.EndpointName}".`), { name: 'ValidationException' })));
    sagemaker.on(ListTagsCommand).resolves({ Tags: endpointTags(synth(SHIPPED_PROD)) });
    sagemaker.on(ListModelPackagesCommand).resolves({ ModelPackageSummaryList: [{ ModelPackageArn: PACKAGE, ModelPackageName: GROUP, CreationTime: new Date(), ModelPackageStatus: 'Completed' }] });
    sagemaker.on(DescribeModelPackageCommand).resolves({
      ModelPackageArn: PACKAGE, ModelPackageGroupName: GROUP, ModelApprovalStatus: 'Approved',
      LastModifiedBy: { IamIdentity: { Arn: 'arn:aws:sts::123456789012:assumed-role/Reviewer/alice' } },
    });
    const outDir = path.join(dir, 'dist');
    const env = readBuildEnvironment({
      SAGEMAKER_PROJECT_NAME: 'churn',
      SAGEMAKER_PROJECT_ID: 'p-abc123def456',
      MODEL_PACKAGE_GROUP_NAME: GROUP,
      MODEL_EXECUTION_ROLE_ARN: 'arn:aws:iam::123456789012:role/churn-model-execution',
      ARTIFACT_BUCKET: 'sagemaker-project-p-abc123def456',
      KMS_KEY_ARN: 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555',
      AWS_REGION: 'us-east-1',
      SAGEMAKER_PIPELINE_ROLE_ARN: 'arn:aws:iam::123456789012:role/churn-sagemaker-pipeline',
      ALARM_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:alarms',
    });

    // WHEN / THEN
    await expect(writeBuildOutput({ env, client: new SageMakerClient({ region: 'us-east-1' }), outDir, configDir }))
      .rejects.toThrow(/config\/prod\.json: 'instanceType' would change variant AllTraffic of endpoint churn-prod from ml\.m5\.large to ml\.c5\.xlarge/);
    expect(fs.existsSync(outDir)).toBe(false);
  });
});
