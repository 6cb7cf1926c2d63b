import { Template } from 'aws-cdk-lib/assertions';
import { resolveProjectSettings } from '../../seed-code/model-build/src/cli/settings';
import { parseRepositoryUri } from '../../seed-code/model-build/src/containers/build-images';
import { KEPT_TAG_PREFIX } from '../../lib/project/image-repository';
import { TARGET_SETUP } from '../../lib/contract/accounts';
import { readBuildEnvironment, REQUIRED_VARIABLES, stageDeployment, templateConfiguration } from '../../seed-code/model-deploy/lib/build-output';
import { ENDPOINT_STACK_PARAMETERS } from '../../seed-code/model-deploy/lib/endpoint-stack';
import { readSmokeTestEnvironment } from '../../seed-code/model-deploy/lib/smoke-test';
import { projectApp } from '../support/app';
import { evaluate, MULTI_ACCOUNT_CONFIG, PROD_ACCOUNT, PROJECT_ACCOUNT, REGION, STAGING_ACCOUNT } from '../support/multi-account';

/**
 * The CodeBuild projects of the project stack hand the seed repositories their settings as
 * environment variables; these tests feed the synthesized environments to the seeds' own readers.
 */
const { stack } = projectApp({ config: { projectId: 'p-contract1234' } });
const names = stack.project.names;
const template = Template.fromStack(stack);

/** Values CloudFormation resolves at deploy time, by variable, as they would look then. */
const DEPLOY_TIME_VALUES: Record<string, string> = {
  ARTIFACT_BUCKET: names.artifactBucketName,
  SAGEMAKER_PIPELINE_ROLE_ARN: 'arn:aws:iam::123456789012:role/sagemaker-pipeline',
  MODEL_EXECUTION_ROLE_ARN: 'arn:aws:iam::123456789012:role/model-execution',
  KMS_KEY_ARN: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  ALARM_TOPIC_ARN: `arn:aws:sns:eu-west-1:123456789012:${names.alarmTopicName}`,
  IMAGE_REPOSITORY_URI: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/${names.imageRepositoryName}`,
  // The two stages' schedule roles (Stack.toJsonString of their ARNs).
  BATCH_SCHEDULE_ROLES: JSON.stringify({ staging: 'arn:aws:iam::123456789012:role/staging-batch', prod: 'arn:aws:iam::123456789012:role/prod-batch' }),
  // The two stages' batch model roles, likewise.
  BATCH_MODEL_ROLES: JSON.stringify({ staging: 'arn:aws:iam::123456789012:role/staging-batch-model', prod: 'arn:aws:iam::123456789012:role/prod-batch-model' }),
  // Every role of the stack, by name (Fn::Join of their Refs).
  PROJECT_AUTOMATION_ROLES: 'mlops-demo-ProjectModelDeployBuildProjectRole-1376EBF4,mlops-demo-ProjectTeardownHandlerRole-0A759C26',
};

/** The environment a CodeBuild project gives its builds (plus CodeBuild's own AWS_REGION). */
function environmentOf(projectName: string): Record<string, string> {
  const [project] = Object.values(template.findResources('AWS::CodeBuild::Project', { Properties: { Name: projectName } }));
  const env: Record<string, string> = { AWS_REGION: 'eu-west-1' };
  for (const v of project.Properties.Environment.EnvironmentVariables as Array<{ Name: string; Value: unknown }>) {
    if (typeof v.Value === 'string') {
      env[v.Name] = v.Value;
    } else {
      // Only the variables listed above may be deploy-time values.
      expect(Object.keys(DEPLOY_TIME_VALUES)).toContain(v.Name);
      env[v.Name] = DEPLOY_TIME_VALUES[v.Name];
    }
  }
  return env;
}

test('the model-build CodeBuild environment is a complete run-pipeline configuration', () => {
  const settings = resolveProjectSettings({}, environmentOf(names.modelBuildName), false);
  expect(settings).toMatchObject({
    region: 'eu-west-1',
    projectName: names.projectName,
    projectId: names.projectId,
    pipelineName: names.pipelineName,
    modelPackageGroupName: names.modelPackageGroupName,
    bucket: names.artifactBucketName,
    roleArn: DEPLOY_TIME_VALUES.SAGEMAKER_PIPELINE_ROLE_ARN,
    kmsKeyArn: DEPLOY_TIME_VALUES.KMS_KEY_ARN,
  });
});

test('the image build and the run build name the project\'s image repository; the run build the tag prefix its lifecycle keeps', () => {
  const raw = (name: string) => Object.values(template.findResources('AWS::CodeBuild::Project', { Properties: { Name: name } }))[0]
    .Properties.Environment.EnvironmentVariables.find((v: { Name: string }) => v.Name === 'IMAGE_REPOSITORY_URI').Value;
  const repositoryId = Object.keys(template.findResources('AWS::ECR::Repository', { Properties: { RepositoryName: names.imageRepositoryName } }))[0];
  expect(JSON.stringify(raw(names.imageBuildName))).toContain(`"${repositoryId}","Arn"`);
  expect(raw(names.modelBuildName)).toEqual(raw(names.imageBuildName));
  expect(parseRepositoryUri(environmentOf(names.imageBuildName).IMAGE_REPOSITORY_URI).name).toBe(names.imageRepositoryName);
  expect(environmentOf(names.modelBuildName).IMAGE_KEEP_TAG_PREFIX).toBe(KEPT_TAG_PREFIX);
});

test('the model-deploy CodeBuild environment holds every variable the build reads', () => {
  const env = environmentOf(names.modelDeployName);
  expect(REQUIRED_VARIABLES.filter((v) => !env[v])).toEqual([]);
  // The project's automation roles, which the build reads as role names
  expect(readBuildEnvironment(env).automationRoleNames).toEqual(DEPLOY_TIME_VALUES.PROJECT_AUTOMATION_ROLES.split(','));
  // What the pipeline adds on a commit-triggered run: the variable's default.
  const build = readBuildEnvironment({ ...env, MODEL_PACKAGE_ARN: 'latest' });
  expect(build).toMatchObject({
    projectName: names.projectName,
    projectId: names.projectId,
    modelPackageGroupName: names.modelPackageGroupName,
    requestedModelPackageArn: '',
    projectTags: {},
    alarmTopicArn: DEPLOY_TIME_VALUES.ALARM_TOPIC_ARN,
    batchScheduleRoleArns: { staging: 'arn:aws:iam::123456789012:role/staging-batch', prod: 'arn:aws:iam::123456789012:role/prod-batch' },
    batchModelRoleArns: { staging: 'arn:aws:iam::123456789012:role/staging-batch-model', prod: 'arn:aws:iam::123456789012:role/prod-batch-model' },
  });
});

test('the model-deploy CodeBuild environment\'s BATCH_SCHEDULE_ROLES is JSON of both stages\' schedule role ARNs', () => {
  const [project] = Object.values(template.findResources('AWS::CodeBuild::Project', { Properties: { Name: names.modelDeployName } }));
  const variable = (project.Properties.Environment.EnvironmentVariables as Array<{ Name: string; Value: unknown }>).find((v) => v.Name === 'BATCH_SCHEDULE_ROLES')!;
  const roleIds = Object.keys(template.findResources('AWS::IAM::Role')).filter((id) => /BatchScheduleRole[0-9A-F]{8}$/.test(id));
  const attributes = Object.fromEntries(roleIds.map((id) => [`${id}.Arn`, `arn:aws:iam::123456789012:role/${id}`]));
  const value = JSON.parse(String(evaluate(variable.Value, PROJECT_ACCOUNT, attributes)));
  expect(readBuildEnvironment({ ...environmentOf(names.modelDeployName), BATCH_SCHEDULE_ROLES: JSON.stringify(value) }).batchScheduleRoleArns)
    .toEqual({ staging: expect.stringMatching(/StagingBatchScheduleRole/), prod: expect.stringMatching(/ProdBatchScheduleRole/) });
});

test('the model-deploy CodeBuild environment names the project\'s alarm topic, which the seed writes into each stage\'s config', () => {
  // GIVEN the topic's ARN as the template gives it to the build (a reference to the topic)
  const [topicId] = Object.keys(template.findResources('AWS::SNS::Topic', { Properties: { TopicName: names.alarmTopicName } }));
  const [project] = Object.values(template.findResources('AWS::CodeBuild::Project', { Properties: { Name: names.modelDeployName } }));
  const variables = project.Properties.Environment.EnvironmentVariables as Array<{ Name: string; Value: unknown }>;
  expect(variables.find((v) => v.Name === 'ALARM_TOPIC_ARN')?.Value).toEqual({ Ref: topicId });
  // WHEN the seed reads the environment and writes a stage's template configuration
  const build = readBuildEnvironment({ ...environmentOf(names.modelDeployName), MODEL_PACKAGE_ARN: 'latest' });
  const config = templateConfiguration('staging', build, 'arn:aws:sagemaker:eu-west-1:123456789012:model-package/x/1');
  // THEN the endpoint stack's alarms get the topic through their AlarmTopicArn parameter
  expect(config.Parameters[ENDPOINT_STACK_PARAMETERS.alarmTopicArn]).toBe(DEPLOY_TIME_VALUES.ALARM_TOPIC_ARN);
});

test('the testing CodeBuild environment names the staging endpoint the smoke test invokes', () => {
  expect(environmentOf(names.testingName)).toMatchObject({ ENDPOINT_NAME: names.endpointName('staging') });
});

/**
 * Multi-account: the deploy and test builds of a multi-account project stack, their environment
 * evaluated as CloudFormation would in the project account, read by the deploy seed.
 */
describe('multi-account variables of a multi-account project stack', () => {
  const multi = projectApp({ config: MULTI_ACCOUNT_CONFIG });
  const multiNames = multi.stack.project.names;
  const multiTemplate = Template.fromStack(multi.stack);
  /** Deploy-time values as above; DEPLOYMENT_TARGETS and SMOKE_TEST_ROLE_ARN evaluated from the template. */
  function multiEnvironmentOf(projectName: string): Record<string, string> {
    const [project] = Object.values(multiTemplate.findResources('AWS::CodeBuild::Project', { Properties: { Name: projectName } }));
    const env: Record<string, string> = { AWS_REGION: REGION };
    for (const v of project.Properties.Environment.EnvironmentVariables as Array<{ Name: string; Value: unknown }>) {
      if (typeof v.Value === 'string') env[v.Name] = v.Value;
      else if (['DEPLOYMENT_TARGETS', 'SMOKE_TEST_ROLE_ARN', 'BATCH_SCHEDULE_ROLES'].includes(v.Name)) env[v.Name] = String(evaluate(v.Value, PROJECT_ACCOUNT));
      else env[v.Name] = DEPLOY_TIME_VALUES[v.Name].replace('123456789012', PROJECT_ACCOUNT).replace(names.alarmTopicName, multiNames.alarmTopicName);
    }
    return env;
  }

  test('the deploy build gives each stage its target account, role, bucket, key and topic, as the target account templates name them', () => {
    // No stage deploys in the project account: it has no model role, and the build needs none.
    expect(multiEnvironmentOf(multiNames.modelDeployName).MODEL_EXECUTION_ROLE_ARN).toBeUndefined();
    const build = readBuildEnvironment({ ...multiEnvironmentOf(multiNames.modelDeployName), MODEL_PACKAGE_ARN: 'latest' });
    expect(build.modelExecutionRoleArn).toBeUndefined();
    for (const [stage, account] of [['staging', STAGING_ACCOUNT], ['prod', PROD_ACCOUNT]] as const) {
      const deployment = stageDeployment(stage, build);
      expect(deployment).toEqual({
        target: { account, region: REGION },
        modelExecutionRoleArn: `arn:aws:iam::${account}:role/mlops-stage-roles/${multiNames.targetRoleName(stage, 'model')}`,
        dataCaptureBucket: multiNames.dataCaptureBucketName(account),
        kmsKeyArn: `arn:aws:kms:${REGION}:${account}:${multiNames.targetKeyAliasName}`,
        alarmTopicArn: `arn:aws:sns:${REGION}:${account}:${multiNames.targetAlarmTopicName}`,
      });
      // The endpoint stack's parameters take the target's values.
      const config = templateConfiguration(stage, build, `arn:aws:sagemaker:${REGION}:${PROJECT_ACCOUNT}:model-package/${multiNames.pipelineNameInArn}/1`);
      expect(config.Parameters).toMatchObject({
        [ENDPOINT_STACK_PARAMETERS.modelExecutionRoleArn]: deployment.modelExecutionRoleArn,
        [ENDPOINT_STACK_PARAMETERS.artifactBucketName]: deployment.dataCaptureBucket,
        [ENDPOINT_STACK_PARAMETERS.kmsKeyArn]: deployment.kmsKeyArn,
        [ENDPOINT_STACK_PARAMETERS.alarmTopicArn]: deployment.alarmTopicArn,
      });
    }
  });

  test('a batch stage in a target account gets the schedule role its target stack names, and runs as that account\'s stage model role', () => {
    const build = readBuildEnvironment({ ...multiEnvironmentOf(multiNames.modelDeployName), MODEL_PACKAGE_ARN: 'latest' });
    expect(build.batchScheduleRoleArns).toEqual({
      staging: `arn:aws:iam::${STAGING_ACCOUNT}:role${TARGET_SETUP.stageRolePath}${multiNames.targetRoleName('staging', 'batch-schedule')}`,
      prod: `arn:aws:iam::${PROD_ACCOUNT}:role${TARGET_SETUP.stageRolePath}${multiNames.targetRoleName('prod', 'batch-schedule')}`,
    });
    expect(build.batchModelRoleArns).toEqual({});
    const config = templateConfiguration('prod', build, `arn:aws:sagemaker:${REGION}:${PROJECT_ACCOUNT}:model-package/${multiNames.pipelineNameInArn}/1`,
      [...Object.values(ENDPOINT_STACK_PARAMETERS), 'BatchScheduleRoleArn'], 'batch');
    expect(config.Parameters).toMatchObject({
      [ENDPOINT_STACK_PARAMETERS.modelExecutionRoleArn]: `arn:aws:iam::${PROD_ACCOUNT}:role${TARGET_SETUP.stageRolePath}${multiNames.targetRoleName('prod', 'model')}`,
      [ENDPOINT_STACK_PARAMETERS.artifactBucketName]: multiNames.dataCaptureBucketName(PROD_ACCOUNT),
      BatchScheduleRoleArn: build.batchScheduleRoleArns.prod,
    });
  });

  test('the smoke test assumes the staging account\'s smoke-test role', () => {
    expect(readSmokeTestEnvironment(multiEnvironmentOf(multiNames.testingName))).toEqual({
      endpointName: multiNames.endpointName('staging'),
      region: REGION,
      roleArn: `arn:aws:iam::${STAGING_ACCOUNT}:role/mlops-stage-roles/${multiNames.targetRoleName('staging', 'smoke-test')}`,
    });
  });

  test('a single-account project sets neither variable', () => {
    expect(environmentOf(names.modelDeployName).DEPLOYMENT_TARGETS).toBeUndefined();
    expect(environmentOf(names.testingName).SMOKE_TEST_ROLE_ARN).toBeUndefined();
  });
});
