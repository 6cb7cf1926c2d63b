import * as fs from 'node:fs';
import { App, CfnParameter, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { parseTargetAccountSetup } from '../../lib/config/project-config';
import { TARGET_SETUP } from '../../lib/contract/accounts';
import { ConfigError } from '../../lib/contract/errors';
import { PROJECT_ROLE_PATH, ProjectNames } from '../../lib/contract/names';
import { TARGET_TEMPLATE_PARAMETERS, targetAccountResourcesStack, targetTemplateParameterOverrides } from '../../lib/project/target-account-resources';
import { addTargetAccountSetupStack } from '../../lib/project-app';
import { nagFindings } from '../support/compliance';
import { PROD_ACCOUNT, PROJECT_ACCOUNT, STAGING_ACCOUNT } from '../support/multi-account';
import { cdkJsonContext } from '../support/app';

const names = new ProjectNames('churn', 'p-abcdef123456');
const accounts = { projectAccount: PROJECT_ACCOUNT, stageAccounts: { staging: STAGING_ACCOUNT, prod: PROD_ACCOUNT } };

/** A Studio template's names: its `SageMakerProjectName` / `SageMakerProjectId` parameters (tokens of the project template). */
function studioNames(): { names: ProjectNames; email: string } {
  const template = new Stack(new App(), 'StudioTemplate');
  const parameter = (id: string) => new CfnParameter(template, id).valueAsString;
  return { names: new ProjectNames(parameter('SageMakerProjectName'), parameter('SageMakerProjectId')), email: parameter('AlarmEmail') };
}

test.each([['plain names', false], ["a Studio template's parameters", true]])('a target account\'s resources (%s): cdk-nag AwsSolutions finds nothing unacknowledged', (_what, studio) => {
  const stack = targetAccountResourcesStack({
    names: studio ? studioNames().names : names, accounts, account: STAGING_ACCOUNT, settings: { retainData: true, tags: {} }, context: cdkJsonContext(),
  });
  const app = stack.node.root as App;
  try {
    const { findings, error } = nagFindings(app, app.outdir, { validate: false });
    expect(error).toBeUndefined();
    expect(findings).toEqual([]);
  } finally {
    fs.rmSync(app.outdir, { recursive: true, force: true });
  }
});

describe("with a Studio template's project name and id (template parameters)", () => {
  const studio = studioNames();
  const settings = { retainData: true, tags: {}, alarmEmail: studio.email };
  const stack = targetAccountResourcesStack({ names: studio.names, accounts, account: STAGING_ACCOUNT, settings, projectRolePath: PROJECT_ROLE_PATH });
  const app = stack.node.root as App;
  const template = Template.fromStack(stack);
  afterAll(() => fs.rmSync(app.outdir, { recursive: true, force: true }));
  const ref = (name: string) => ({ Ref: name });
  const json = JSON.stringify(template.toJSON());

  test('the template takes the project\'s name, id and alarm address as its own parameters, and names no project', () => {
    expect(Object.keys(template.toJSON().Parameters)).toEqual(Object.values(TARGET_TEMPLATE_PARAMETERS));
    template.hasParameter(TARGET_TEMPLATE_PARAMETERS.projectId, { Type: 'String', AllowedPattern: '^p-[a-z0-9]{1,12}$' });
    template.hasParameter(TARGET_TEMPLATE_PARAMETERS.alarmEmail, { Default: '' });
    // No reference to the Studio template's own parameters or resources: only this template's.
    expect(json).not.toMatch(/StudioTemplate|p-abcdef/);
    expect(stack.stackName).toBe(`sagemaker-project-target-${STAGING_ACCOUNT}`);
  });

  test('every name comes from the parameters: roles, buckets, key alias, topic, the smoke test\'s trust (under the template\'s role path)', () => {
    const id = ref(TARGET_TEMPLATE_PARAMETERS.projectId);
    template.hasResourceProperties('AWS::IAM::Role', { RoleName: { 'Fn::Join': ['', ['sagemaker-', id, '-staging-model']] }, Path: '/mlops-stage-roles/' });
    template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: { 'Fn::Join': ['', ['sagemaker-', id, '-staging-smoke-test']] },
      AssumeRolePolicyDocument: { Statement: [{
        Principal: { AWS: { 'Fn::Join': ['', ['arn:', ref('AWS::Partition'), `:iam::${PROJECT_ACCOUNT}:role/sagemaker-mlops-project/sagemaker-`, id, '-smoke-test-build']] } },
      }] },
    });
    template.hasResourceProperties('AWS::S3::Bucket', { BucketName: { 'Fn::Join': ['', ['sagemaker-project-', id, `-capture-${STAGING_ACCOUNT}`]] } });
    template.hasResourceProperties('AWS::KMS::Alias', { AliasName: { 'Fn::Join': ['', ['alias/sagemaker-project-', id, '-endpoints']] } });
    template.hasResourceProperties('AWS::SNS::Topic', { TopicName: { 'Fn::Join': ['', ['sagemaker-', id, '-endpoint-alarms']] } });
    // The address subscribes only when given.
    template.hasResource('AWS::SNS::Subscription', { Condition: Match.anyValue(), Properties: { Endpoint: ref(TARGET_TEMPLATE_PARAMETERS.alarmEmail) } });
  });

  test('the deploy pipeline passes the project\'s values; a project with plain names passes none', () => {
    expect(targetTemplateParameterOverrides(studio.names, settings)).toEqual({
      SageMakerProjectName: studio.names.projectName, SageMakerProjectId: studio.names.projectId, AlarmEmail: studio.email,
    });
    expect(targetTemplateParameterOverrides(names, { retainData: true, tags: {} })).toBeUndefined();
  });
});

describe('-c prepareTargetAccount=true', () => {
  test('synthesizes the set-up stack trusting the project account, and warns of project settings it ignores', () => {
    const setup = parseTargetAccountSetup({ prepareTargetAccount: 'true', projectAccount: PROJECT_ACCOUNT, projectName: 'churn', '@aws-cdk/core:flag': true });
    expect(setup).toEqual({ projectAccount: PROJECT_ACCOUNT, ignoredKeys: ['projectName'] });
    const stack = addTargetAccountSetupStack(new App(), setup!);
    expect(stack.stackName).toBe(TARGET_SETUP.stackName);
    Annotations.fromStack(stack).hasWarning('*', '`projectName` is ignored: `prepareTargetAccount=true` synthesizes the account\'s set-up, which no project setting changes [ack: @mlops/config:ignored-setting]');
  });

  test('is not asked for otherwise', () => {
    expect(parseTargetAccountSetup({ projectAccount: PROJECT_ACCOUNT })).toBeUndefined();
  });

  test.each([
    [{ prepareTargetAccount: 'true' }, '`projectAccount` is required with `prepareTargetAccount=true`: the 12-digit id of the account whose projects deploy to this account'],
    [{ prepareTargetAccount: 'true', projectAccount: '1234' }, "got '1234'"],
    [{ prepareTargetAccount: 'false', projectAccount: PROJECT_ACCOUNT }, '`prepareTargetAccount` only takes true'],
    [{ prepareTargetAccount: 'true', projectAcount: PROJECT_ACCOUNT }, 'unknown setting `projectAcount` (did you mean `projectAccount`?)'],
  ])('refuses %j in one line', (context, message) => {
    expect(() => parseTargetAccountSetup(context)).toThrow(ConfigError);
    expect(() => parseTargetAccountSetup(context)).toThrow(message);
  });
});
