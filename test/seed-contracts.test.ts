import { Template } from 'aws-cdk-lib/assertions';
import { resolveProjectSettings } from '../seed-code/model-build/src/cli/settings';
import { readBuildEnvironment, REQUIRED_VARIABLES, stageDeployment, templateConfiguration } from '../seed-code/model-deploy/lib/build-output';
import { ENDPOINT_STACK_PARAMETERS } from '../seed-code/model-deploy/lib/endpoint-stack';
import { readSmokeTestEnvironment } from '../seed-code/model-deploy/lib/smoke-test';
import { projectApp } from './support/app';

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

test('the model-deploy CodeBuild environment holds every variable the build reads', () => {
  const env = environmentOf(names.modelDeployName);
  expect(REQUIRED_VARIABLES.filter((v) => !env[v])).toEqual([]);
  // What the pipeline adds on a commit-triggered run: the variable's default.
  const build = readBuildEnvironment({ ...env, MODEL_PACKAGE_ARN: 'latest' });
  expect(build).toMatchObject({
    projectName: names.projectName,
    projectId: names.projectId,
    modelPackageGroupName: names.modelPackageGroupName,
    requestedModelPackageArn: '',
    projectTags: {},
    alarmTopicArn: DEPLOY_TIME_VALUES.ALARM_TOPIC_ARN,
  });
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
 * Multi-account, from the contract (/tmp/multi-account-contract.md) by hand: the project stack of
 * this branch does not set these variables yet. LEAD: once the app side sets DEPLOYMENT_TARGETS
 * and SMOKE_TEST_ROLE_ARN, take them from a multi-account projectApp (environmentOf) instead.
 */
describe('multi-account variables (contract, built by hand)', () => {
  const target = (stage: string, account: string) => ({
    account,
    region: 'eu-west-1',
    modelExecutionRoleArn: `arn:aws:iam::${account}:role/${names.projectName}-${names.projectId}-${stage}-model`,
    dataCaptureBucket: `${names.projectName}-${names.projectId}-${stage}-${account}`.toLowerCase(),
    kmsKeyArn: `arn:aws:kms:eu-west-1:${account}:alias/${names.projectName}-${names.projectId}-${stage}`,
    alarmTopicArn: `arn:aws:sns:eu-west-1:${account}:${names.projectName}-${names.projectId}-${stage}-alarms`,
  });

  test('the deploy build takes DEPLOYMENT_TARGETS: each stage with a key gets its account and values', () => {
    const env = environmentOf(names.modelDeployName);
    const targets = { staging: target('staging', '111111111111'), prod: target('prod', '222222222222') };
    const build = readBuildEnvironment({ ...env, MODEL_PACKAGE_ARN: 'latest', DEPLOYMENT_TARGETS: JSON.stringify(targets) });
    expect(stageDeployment('prod', build)).toMatchObject({
      target: { account: '222222222222', region: 'eu-west-1' },
      modelExecutionRoleArn: targets.prod.modelExecutionRoleArn,
      dataCaptureBucket: targets.prod.dataCaptureBucket,
      kmsKeyArn: targets.prod.kmsKeyArn,
      alarmTopicArn: targets.prod.alarmTopicArn,
    });
    // A stage without a key keeps the project's common values.
    const prodOnly = readBuildEnvironment({ ...env, DEPLOYMENT_TARGETS: JSON.stringify({ prod: targets.prod }) });
    expect(stageDeployment('staging', prodOnly)).toEqual({
      modelExecutionRoleArn: DEPLOY_TIME_VALUES.MODEL_EXECUTION_ROLE_ARN,
      dataCaptureBucket: names.artifactBucketName,
      kmsKeyArn: DEPLOY_TIME_VALUES.KMS_KEY_ARN,
      alarmTopicArn: DEPLOY_TIME_VALUES.ALARM_TOPIC_ARN,
    });
  });

  test('the smoke test takes SMOKE_TEST_ROLE_ARN beside ENDPOINT_NAME', () => {
    const roleArn = `arn:aws:iam::111111111111:role/${names.projectName}-${names.projectId}-staging-smoke-test`;
    expect(readSmokeTestEnvironment({ ...environmentOf(names.testingName), SMOKE_TEST_ROLE_ARN: roleArn })).toEqual({
      endpointName: names.endpointName('staging'),
      region: 'eu-west-1',
      roleArn,
    });
  });
});
