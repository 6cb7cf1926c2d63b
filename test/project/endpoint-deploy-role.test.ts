import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { ProjectNames } from '../../lib/contract/names';
import { EndpointDeployRole, EndpointDeployRoleProps } from '../../lib/project/endpoint-deploy-role';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { REGION, templateRoles } from '../support/multi-account';
import { actionsOf, bareStack, flatten, ID, NAME, statementsOf } from '../support/project-parts';

/** The endpoint deploy role alone on a bare stack, with a key, a model role and a topic of its own. */
function roleTemplate(props: Partial<EndpointDeployRoleProps> = {}): { template: Template; stack: Stack } {
  const stack = bareStack();
  new EndpointDeployRole(stack, 'EndpointDeployRole', {
    names: new ProjectNames(NAME, ID),
    key: new kms.Key(stack, 'Key'),
    modelExecutionRole: new iam.Role(stack, 'ModelRole', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') }),
    alarmTopic: new sns.Topic(stack, 'Topic'),
    ...props,
  });
  return { template: Template.fromStack(stack), stack };
}

const resources = (template: Template, sid: string) => statementsOf(template, 'EndpointDeployRole')
  .filter((s) => s.Sid === sid).flatMap((s) => ([] as unknown[]).concat(s.Resource).map(flatten)).sort();

describe('EndpointDeployRole, default props', () => {
  const { template } = roleTemplate();

  test('is CloudFormation\'s, with a generated name', () => {
    const [role] = Object.values(template.findResources('AWS::IAM::Role', { Properties: { Description: `CloudFormation deploying the ${NAME}-${ID} endpoint stacks` } }));
    expect(role.Properties.AssumeRolePolicyDocument.Statement[0].Principal).toEqual({ Service: 'cloudformation.amazonaws.com' });
    expect(role.Properties.RoleName).toBeUndefined();
  });

  test('models, endpoint configs and endpoints are created and changed only with the project-id tag', () => {
    const statements = statementsOf(template, 'EndpointDeployRole');
    const create = statements.find((s) => s.Sid === 'CreateTaggedModelsAndEndpoints');
    const manage = statements.find((s) => s.Sid === 'ManageProjectModelsAndEndpoints');
    expect(create?.Condition).toEqual({ StringEquals: { 'aws:RequestTag/sagemaker:project-id': ID } });
    expect(manage?.Condition).toEqual({ StringEquals: { 'aws:ResourceTag/sagemaker:project-id': ID } });
  });

  test('deploys both stages\' endpoints, reads this account\'s registry, and no batch stage', () => {
    const sageMaker = 'arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:';
    expect(resources(template, 'CreateTaggedModelsAndEndpoints')).toEqual([
      `${sageMaker}endpoint-config/*`, `${sageMaker}endpoint/${NAME}-prod`, `${sageMaker}endpoint/${NAME}-staging`,
      // One pattern for both stages' scale-to-zero components (statements on them require the project-id tag).
      `${sageMaker}inference-component/${NAME}-*-model`, `${sageMaker}model/*`,
    ]);
    expect(resources(template, 'ReadModelPackages')).toEqual([
      `${sageMaker}model-package-group/${NAME}-${ID}`, `${sageMaker}model-package/${NAME}-${ID}/*`,
    ]);
    const actions = actionsOf(statementsOf(template, 'EndpointDeployRole'));
    expect(actions.filter((a) => a.startsWith('scheduler:') || a.startsWith('events:'))).toEqual([]);
    expect(statementsOf(template, 'EndpointDeployRole').map((s) => s.Sid)).not.toContain('CreateModelsFromPackages');
  });
});

describe('EndpointDeployRole, configured', () => {
  const stack = bareStack();
  const scheduleRole = new iam.Role(stack, 'ScheduleRole', { assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com') });
  new EndpointDeployRole(stack, 'EndpointDeployRole', {
    names: new ProjectNames(NAME, ID),
    key: new kms.Key(stack, 'Key'),
    modelExecutionRole: new iam.Role(stack, 'ModelRole', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') }),
    alarmTopic: new sns.Topic(stack, 'Topic'),
    stages: ['prod'],
    modelPackageAccount: '111111111111',
    roleName: 'my-deploy-role',
    batchScheduleRoles: { prod: scheduleRole },
  });
  const template = Template.fromStack(stack);
  const sageMaker = 'arn:<AWS::Partition>:sagemaker:<AWS::Region>:';

  test('roleName names the role', () => {
    template.hasResourceProperties('AWS::IAM::Role', { RoleName: 'my-deploy-role' });
  });

  test('stages limits the endpoints to those stages', () => {
    expect(resources(template, 'CreateTaggedModelsAndEndpoints')).toEqual([
      `${sageMaker}<AWS::AccountId>:endpoint-config/*`, `${sageMaker}<AWS::AccountId>:endpoint/${NAME}-prod`,
      `${sageMaker}<AWS::AccountId>:inference-component/${NAME}-prod-model`, `${sageMaker}<AWS::AccountId>:model/*`,
    ]);
  });

  test('modelPackageAccount reads the registry of that account, and may create models from its packages', () => {
    expect(resources(template, 'ReadModelPackages')).toEqual([
      `${sageMaker}111111111111:model-package-group/${NAME}-${ID}`, `${sageMaker}111111111111:model-package/${NAME}-${ID}/*`,
    ]);
    expect(resources(template, 'ReadModelPackageGroup')).toEqual([`${sageMaker}111111111111:model-package-group/${NAME}-${ID}`]);
    expect(resources(template, 'CreateModelsFromPackages')).toEqual([`${sageMaker}111111111111:model-package/${NAME}-${ID}/*`]);
  });

  test('batchScheduleRoles lets the role manage that stage\'s schedule and pass exactly that schedule role to the scheduler', () => {
    const actions = actionsOf(statementsOf(template, 'EndpointDeployRole'));
    expect(actions).toEqual(expect.arrayContaining(['scheduler:CreateSchedule', 'events:PutRule']));
    const passes = statementsOf(template, 'EndpointDeployRole').filter((s) => ([] as string[]).concat(s.Action).includes('iam:PassRole'));
    expect(passes.map((s) => [flatten(s.Resource), s.Condition])).toEqual(expect.arrayContaining([
      [`<${stack.getLogicalId(scheduleRole.node.defaultChild as iam.CfnRole)}.Arn>`, { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } }],
    ]));
  });
});

/**
 * A stage that scales to zero (the deploy seed's "autoscaling": {"minCapacity": 0}): the role may
 * deploy and tear down this project's inference component, and give the wake-up alarm its step
 * policy as action; IAM decides as the simulator does.
 */
describe('EndpointDeployRole, scale-to-zero stages (IAM simulator)', () => {
  const ACCOUNT = '111111111111';
  const TOPIC = `arn:aws:sns:${REGION}:${ACCOUNT}:alarms`;
  const { template } = roleTemplate();
  const topicId = Object.keys(template.findResources('AWS::SNS::Topic'))[0];
  const role = templateRoles(template, ACCOUNT, { [topicId]: TOPIC }).find((r) => r.logicalId.startsWith('EndpointDeployRole'))!;
  const component = (name: string) => `arn:aws:sagemaker:${REGION}:${ACCOUNT}:inference-component/${name}`;
  const alarm = `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:sagemaker-${NAME}-${ID}-deploy-staging-NoCapacityInvocationFailures-ABC123`;
  const policy = (componentName: string) => `arn:aws:autoscaling:${REGION}:${ACCOUNT}:scalingPolicy:0f1e2d3c-aaaa-bbbb-cccc-123456789012:resource/sagemaker/inference-component/${componentName}:policyName/${componentName}-scale-out-from-zero`;

  async function decide(action: string, resource: string, context: Record<string, string | string[]> = {}): Promise<string> {
    const result = await runSimulation({
      request: { principal: `arn:aws:iam::${ACCOUNT}:role/deploy`, action, resource: { resource, accountId: ACCOUNT }, contextVariables: context },
      identityPolicies: [{ name: 'role', policy: { Version: '2012-10-17', Statement: role.statements } }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    }, {});
    if (result.resultType === 'error') throw new Error(JSON.stringify(result.errors));
    return result.overallResult;
  }

  const OURS = { 'aws:ResourceTag/sagemaker:project-id': ID };
  const THEIRS = { 'aws:ResourceTag/sagemaker:project-id': 'p-other0000000' };
  test.each<[string, string, string, Record<string, string | string[]>, string]>([
    ['creates this project\'s component, tagged', 'sagemaker:CreateInferenceComponent', `${NAME}-staging-model`, { 'aws:RequestTag/sagemaker:project-id': ID }, 'Allowed'],
    ['cannot create it tagged with another project\'s id', 'sagemaker:CreateInferenceComponent', `${NAME}-staging-model`, { 'aws:RequestTag/sagemaker:project-id': 'p-other0000000' }, 'ImplicitlyDenied'],
    ['cannot create another component name', 'sagemaker:CreateInferenceComponent', 'other-staging-model', { 'aws:RequestTag/sagemaker:project-id': ID }, 'ImplicitlyDenied'],
    ['updates it with a new model (rolling update)', 'sagemaker:UpdateInferenceComponent', `${NAME}-prod-model`, OURS, 'Allowed'],
    ['lets auto scaling set its copies', 'sagemaker:UpdateInferenceComponentRuntimeConfig', `${NAME}-prod-model`, OURS, 'Allowed'],
    ['deletes it (stack deletion, project teardown)', 'sagemaker:DeleteInferenceComponent', `${NAME}-staging-model`, OURS, 'Allowed'],
    ['cannot delete a component of that name tagged for another project', 'sagemaker:DeleteInferenceComponent', `${NAME}-staging-model`, THEIRS, 'ImplicitlyDenied'],
  ])('%s', async (_what, action, name, context, expected) => {
    expect(await decide(action, component(name), context)).toBe(expected);
  });

  test.each<[string, string[], string]>([
    ['the wake-up alarm may run the step policy of this project\'s component', [policy(`${NAME}-staging-model`)], 'Allowed'],
    ['the stack alarms may still notify the project topic', [TOPIC], 'Allowed'],
    ['no alarm may run a scaling policy of another component', [policy('other-staging-model')], 'ImplicitlyDenied'],
    ['no alarm may notify another topic', [`arn:aws:sns:${REGION}:${ACCOUNT}:other`], 'ImplicitlyDenied'],
  ])('%s', async (_what, actions, expected) => {
    expect(await decide('cloudwatch:PutMetricAlarm', alarm, { 'cloudwatch:AlarmActions': actions })).toBe(expected);
  });

  test('target tracking may create the alarms of this project\'s components only', async () => {
    const trackingAlarm = (name: string) => `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:TargetTracking-inference-component/${name}-AlarmHigh-1a2b3c`;
    expect(await decide('cloudwatch:PutMetricAlarm', trackingAlarm(`${NAME}-staging-model`))).toBe('Allowed');
    expect(await decide('cloudwatch:PutMetricAlarm', trackingAlarm('other-staging-model'))).toBe('ImplicitlyDenied');
  });
});

/**
 * Issue 20: Application Auto Scaling on scalable-target/* without a condition. Scalable target
 * ARNs hold generated ids and the endpoint stacks cannot tag their targets yet, so the deploy role
 * is kept to SageMaker targets by the two condition keys the mutating actions support.
 */
describe('EndpointDeployRole, Application Auto Scaling (IAM simulator)', () => {
  const ACCOUNT = '111111111111';
  const { template } = roleTemplate();
  const role = templateRoles(template, ACCOUNT).find((r) => r.logicalId.startsWith('EndpointDeployRole'))!;
  const target = `arn:aws:application-autoscaling:${REGION}:${ACCOUNT}:scalable-target/056d1b9a2b3c4d5e6f7a8b9c0d1e2f3a4b5c`;

  async function decide(action: string, namespace: string, dimension: string): Promise<string> {
    const result = await runSimulation({
      request: {
        principal: `arn:aws:iam::${ACCOUNT}:role/deploy`,
        action,
        resource: { resource: target, accountId: ACCOUNT },
        contextVariables: { 'application-autoscaling:service-namespace': namespace, 'application-autoscaling:scalable-dimension': dimension },
      },
      identityPolicies: [{ name: 'role', policy: { Version: '2012-10-17', Statement: role.statements } }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    }, {});
    if (result.resultType === 'error') throw new Error(JSON.stringify(result.errors));
    return result.overallResult;
  }

  const ACTIONS = ['RegisterScalableTarget', 'DeregisterScalableTarget', 'PutScalingPolicy', 'DeleteScalingPolicy'].map((a) => `application-autoscaling:${a}`);
  test.each(ACTIONS)('%s on an endpoint variant or an inference component is allowed', async (action) => {
    expect(await decide(action, 'sagemaker', 'sagemaker:variant:DesiredInstanceCount')).toBe('Allowed');
    expect(await decide(action, 'sagemaker', 'sagemaker:inference-component:DesiredCopyCount')).toBe('Allowed');
  });

  test.each(ACTIONS)('%s on another service\'s target (ECS, DynamoDB) or another SageMaker dimension is not', async (action) => {
    expect(await decide(action, 'ecs', 'ecs:service:DesiredCount')).toBe('ImplicitlyDenied');
    expect(await decide(action, 'dynamodb', 'dynamodb:table:WriteCapacityUnits')).toBe('ImplicitlyDenied');
    expect(await decide(action, 'sagemaker', 'sagemaker:variant:DesiredProvisionedConcurrency')).toBe('ImplicitlyDenied');
  });
});
