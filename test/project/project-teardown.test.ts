import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { ProjectNames } from '../../lib/contract/names';
import { ProjectTeardown, ProjectTeardownProps } from '../../lib/project/project-teardown';
import { bareStack, ID, NAME, PREFIX, statementsOf } from '../support/project-parts';

/** The teardown alone on a bare stack, after a role and before a queue. */
function teardownTemplate(props: Partial<ProjectTeardownProps> = {}): Template {
  const stack = bareStack();
  const key = new kms.Key(stack, 'Key');
  const after = new iam.Role(stack, 'KeptRole', { assumedBy: new iam.ServicePrincipal('cloudformation.amazonaws.com') });
  const before = new sqs.Queue(stack, 'GoneFirst');
  new ProjectTeardown(stack, 'Teardown', {
    names: new ProjectNames(NAME, ID),
    retainData: true,
    logs: { key, retention: logs.RetentionDays.ONE_YEAR },
    deleteAfter: [after],
    deleteBefore: [before],
    ...props,
  });
  return Template.fromStack(stack);
}

const sids = (template: Template) => statementsOf(template, 'TeardownHandlerRole').map((s) => s.Sid).sort();

describe('ProjectTeardown, default props', () => {
  const template = teardownTemplate();

  test('deletes both endpoint stacks and the SageMaker pipeline of this project, keeping the registry', () => {
    const [id, resource] = Object.entries(template.findResources('Custom::SageMakerProjectTeardown'))[0];
    expect(id).toMatch(/^Teardown/);
    expect(resource.Properties).toEqual({
      ServiceToken: expect.anything(),
      ProjectName: NAME,
      ProjectId: ID,
      StackNames: [`${PREFIX}-deploy-staging`, `${PREFIX}-deploy-prod`],
      PipelineName: `${NAME}-${ID}`,
      ModelPackageGroupName: `${NAME}-${ID}`,
      RetainData: 'true',
    });
    template.hasResourceProperties('AWS::Lambda::Function', { Handler: 'index.onEvent', Runtime: 'nodejs24.x' });
    template.hasResourceProperties('AWS::Lambda::Function', { Handler: 'index.isComplete', Runtime: 'nodejs24.x' });
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      LoggingConfiguration: Match.objectLike({ Level: 'ALL' }),
    });
    expect(sids(template)).not.toContain('EmptyModelRegistry');
  });

  test('runs after deleteBefore is gone, and before deleteAfter goes', () => {
    const [id, resource] = Object.entries(template.findResources('Custom::SageMakerProjectTeardown'))[0];
    expect(resource.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/^KeptRole/)]));
    const [queue] = Object.values(template.findResources('AWS::SQS::Queue'));
    expect(queue.DependsOn).toEqual(expect.arrayContaining([id]));
  });
});

describe('ProjectTeardown, configured', () => {
  test('retainData=false lets the teardown empty the model registry, and only the project\'s group', () => {
    const template = teardownTemplate({ retainData: false });
    const statements = statementsOf(template, 'TeardownHandlerRole');
    const registry = statements.find((s) => s.Sid === 'EmptyModelRegistry');
    expect(([] as string[]).concat(registry!.Action).sort()).toEqual(
      ['sagemaker:DeleteModelPackage', 'sagemaker:DescribeModelPackageGroup', 'sagemaker:ListTags']);
    expect(JSON.stringify(registry!.Resource)).toContain(`:model-package/${NAME}-${ID}/*`);
    template.hasResourceProperties('Custom::SageMakerProjectTeardown', { RetainData: 'false' });
  });

  test('stages and deleteSageMakerPipeline=false: one stage\'s stack, no pipeline (a target account\'s teardown)', () => {
    const template = teardownTemplate({ stages: ['prod'], deleteSageMakerPipeline: false });
    const [resource] = Object.values(template.findResources('Custom::SageMakerProjectTeardown'));
    expect(resource.Properties.StackNames).toEqual([`${PREFIX}-deploy-prod`]);
    expect(resource.Properties.PipelineName).toBeUndefined();
    expect(sids(template)).not.toContain('DeleteSageMakerPipeline');
    expect(sids(template)).not.toContain('StopRunningExecutions');
    expect(JSON.stringify(statementsOf(template, 'TeardownHandlerRole'))).not.toContain('deploy-staging');
  });

  test("stackRoles: each stage's stack is deleted with its role, which the teardown may pass to CloudFormation only", () => {
    // GIVEN a role for prod only (staging's stack keeps the role it was deployed with)
    const stack = bareStack();
    const prodRole = new iam.Role(stack, 'ProdDeployRole', { assumedBy: new iam.ServicePrincipal('cloudformation.amazonaws.com') });
    new ProjectTeardown(stack, 'Teardown', {
      names: new ProjectNames(NAME, ID), retainData: true, logs: { key: new kms.Key(stack, 'Key'), retention: logs.RetentionDays.ONE_YEAR },
      deleteAfter: [prodRole], deleteBefore: [], stackRoles: { prod: prodRole },
    });
    const template = Template.fromStack(stack);

    // THEN
    const roleArn = { 'Fn::GetAtt': [stack.getLogicalId(prodRole.node.defaultChild as iam.CfnRole), 'Arn'] };
    template.hasResourceProperties('Custom::SageMakerProjectTeardown', { StackRoles: [{ StackName: `${PREFIX}-deploy-prod`, RoleArn: roleArn }] });
    const passRole = (t: Template) => statementsOf(t, 'TeardownHandlerRole').filter((s) => ([] as unknown[]).concat(s.Action).includes('iam:PassRole'));
    expect(passRole(template)).toEqual([{
      Effect: 'Allow', Action: 'iam:PassRole', Resource: roleArn,
      Condition: { StringEquals: { 'iam:PassedToService': 'cloudformation.amazonaws.com' } },
    }]);
    // and none without stackRoles
    expect(passRole(teardownTemplate())).toEqual([]);
  });

  test('no stage: no stack or batch job rights, only its own stack\'s status', () => {
    const template = teardownTemplate({ stages: [] });
    expect(sids(template)).toEqual(['DeleteSageMakerPipeline', 'ReadOwnStackStatus', 'StopRunningExecutions']);
  });
});

describe('ProjectTeardown, multi-account (targetAccounts)', () => {
  const STAGING_ACCOUNT = '222222222222';
  const PROD_ACCOUNT = '333333333333';
  const setupRole = (account: string, name: string) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:iam::${account}:role/mlops-target-account/${name}` });
  const template = teardownTemplate({
    stages: [],
    targetAccounts: [{ account: STAGING_ACCOUNT, stages: ['staging'] }, { account: PROD_ACCOUNT, stages: ['prod'] }],
  });

  test('names each account\'s stacks, endpoint stacks apart from the account\'s resources stack, with the set-up\'s roles', () => {
    const [resource] = Object.values(template.findResources('Custom::SageMakerProjectTeardown'));
    expect(resource.Properties.StackNames).toEqual([]);
    expect(resource.Properties.TargetAccounts).toEqual([STAGING_ACCOUNT, PROD_ACCOUNT].map((account) => ({
      Account: account,
      AccessRoleArn: setupRole(account, 'sagemaker-mlops-deploy-access'),
      ExecutionRoleArn: setupRole(account, 'sagemaker-mlops-cfn-execution'),
      StackNames: [`${PREFIX}-deploy-${account === STAGING_ACCOUNT ? 'staging' : 'prod'}`],
      ResourcesStackName: `${PREFIX}-target-${account}`,
    })));
  });

  test('its role has the name and project tag the access roles trust, and assumes only them, only with its own project\'s session tag', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: `sagemaker-${ID}-teardown`,
      Tags: Match.arrayWith([{ Key: 'sagemaker:project-id', Value: ID }]),
    });
    const assume = statementsOf(template, 'TeardownHandlerRole').find((s) => s.Sid === 'UseTargetAccountAccessRoles');
    expect(assume).toEqual(expect.objectContaining({
      Action: ['sts:AssumeRole', 'sts:TagSession'],
      Resource: [setupRole(STAGING_ACCOUNT, 'sagemaker-mlops-deploy-access'), setupRole(PROD_ACCOUNT, 'sagemaker-mlops-deploy-access')],
      Condition: {
        StringEquals: { 'aws:RequestTag/sagemaker:project-id': ID },
        'ForAllValues:StringEquals': { 'aws:TagKeys': ['sagemaker:project-id'] },
      },
    }));
    // No CloudFormation rights of its own in the target accounts: those are the access role's.
    expect(JSON.stringify(statementsOf(template, 'TeardownHandlerRole'))).not.toMatch(/222222222222:stack|333333333333:stack/);
  });

  test('single-account: the role keeps a generated name and assumes nothing', () => {
    const single = teardownTemplate();
    expect(JSON.stringify(single.findResources('AWS::IAM::Role'))).not.toContain('-teardown');
    expect(sids(single)).not.toContain('UseTargetAccountAccessRoles');
    expect(Object.values(single.findResources('Custom::SageMakerProjectTeardown'))[0].Properties.TargetAccounts).toBeUndefined();
  });
});
