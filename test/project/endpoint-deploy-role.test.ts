import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { ProjectNames } from '../../lib/contract/names';
import { EndpointDeployRole, EndpointDeployRoleProps } from '../../lib/project/endpoint-deploy-role';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { evaluate, REGION, templateRoles } from '../support/multi-account';
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

describe('EndpointDeployRole, size', () => {
  test('its inline policies, as IAM counts them (no whitespace), stay within IAM\'s 10,240 characters for a role, and it has no managed policy', () => {
    const stack = bareStack();
    const schedule = (id: string) => new iam.Role(stack, id, { assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com') });
    const model = (id: string) => new iam.Role(stack, id, { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
    // The most it holds: a 32-character project name, both stages, both batch.
    new EndpointDeployRole(stack, 'EndpointDeployRole', {
      names: new ProjectNames('a-project-name-of-32-charactersx', ID),
      key: new kms.Key(stack, 'Key'),
      modelExecutionRole: new iam.Role(stack, 'ModelRole', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') }),
      alarmTopic: new sns.Topic(stack, 'Topic'),
      batchScheduleRoles: { staging: schedule('StagingSchedule'), prod: schedule('ProdSchedule') },
      batchModelRoles: { staging: model('StagingBatchModel'), prod: model('ProdBatchModel') },
    });
    const template = Template.fromStack(stack);
    // aws-cdk-lib moves statements past its own (larger) estimate into a managed policy, which the
    // Studio and Service Catalog launch roles may not create: the role must not need one.
    expect(template.findResources('AWS::IAM::ManagedPolicy')).toEqual({});
    const size = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => (p.Properties.Roles as Array<{ Ref: string }>).some((r) => r.Ref.startsWith('EndpointDeployRole')))
      // An attribute (a key's or a role's ARN) counted as 128 characters, more than any of them has.
      .map((p) => JSON.stringify(evaluate(p.Properties.PolicyDocument, '111111111111')).replace(/<[^>]+>/g, 'x'.repeat(128)).length)
      .reduce((a, b) => a + b, 0);
    expect(size).toBeLessThan(10240);
  });
});

/**
 * Issue 20: Application Auto Scaling on scalable-target/* without a condition. Scalable target
 * ARNs hold generated ids; the endpoint stacks tag their targets with the project id and the stage,
 * and the role registers, changes and deregisters only targets so tagged (aws:RequestTag when
 * registering, aws:ResourceTag after), of SageMaker only (the two condition keys of the mutating actions).
 */
describe('EndpointDeployRole, Application Auto Scaling (IAM simulator)', () => {
  const ACCOUNT = '111111111111';
  const target = `arn:aws:application-autoscaling:${REGION}:${ACCOUNT}:scalable-target/056d1b9a2b3c4d5e6f7a8b9c0d1e2f3a4b5c`;
  const VARIANT = { 'application-autoscaling:service-namespace': 'sagemaker', 'application-autoscaling:scalable-dimension': 'sagemaker:variant:DesiredInstanceCount' };
  const COMPONENT = { 'application-autoscaling:service-namespace': 'sagemaker', 'application-autoscaling:scalable-dimension': 'sagemaker:inference-component:DesiredCopyCount' };
  const tags = (key: 'aws:RequestTag' | 'aws:ResourceTag', id: string, stage: string) =>
    ({ [`${key}/sagemaker:project-id`]: id, [`${key}/sagemaker:deployment-stage`]: stage });
  /** A target registered by this project's <stage> stack (its tags), or another project's. */
  const taggedTarget = (stage: string, id = ID) => tags('aws:ResourceTag', id, stage);
  /** A registration that tags the new target so. */
  const tagging = (stage: string, id = ID) => ({ ...tags('aws:RequestTag', id, stage), 'aws:TagKeys': ['sagemaker:project-id', 'sagemaker:deployment-stage'] });

  /** The role as built with these stages (the project builds one for both; a role may serve one). */
  const roleFor = (stages?: Array<'staging' | 'prod'>) => {
    const { template } = roleTemplate(stages ? { stages } : {});
    return templateRoles(template, ACCOUNT).find((r) => r.logicalId.startsWith('EndpointDeployRole'))!;
  };
  const bothStages = roleFor();
  const stagingOnly = roleFor(['staging']);

  async function decide(role: typeof bothStages, action: string, context: Record<string, string | string[]>): Promise<string> {
    const result = await runSimulation({
      request: {
        principal: `arn:aws:iam::${ACCOUNT}:role/deploy`,
        action,
        resource: { resource: target, accountId: ACCOUNT },
        contextVariables: context,
      },
      identityPolicies: [{ name: 'role', policy: { Version: '2012-10-17', Statement: role.statements } }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    }, {});
    if (result.resultType === 'error') throw new Error(JSON.stringify(result.errors));
    return result.overallResult;
  }

  const CHANGES = ['RegisterScalableTarget', 'DeregisterScalableTarget', 'PutScalingPolicy', 'DeleteScalingPolicy'].map((a) => `application-autoscaling:${a}`);

  test('registers a new variant or inference component target only with this project\'s id (a one-stage role: and its stage) as tags', async () => {
    const register = 'application-autoscaling:RegisterScalableTarget';
    expect(await decide(bothStages, register, { ...VARIANT, ...tagging('prod') })).toBe('Allowed');
    expect(await decide(bothStages, register, { ...COMPONENT, ...tagging('staging') })).toBe('Allowed');
    expect(await decide(stagingOnly, register, { ...VARIANT, ...tagging('staging') })).toBe('Allowed');
    // Untagged, tagged for another project, or (the staging role) for prod: refused.
    expect(await decide(bothStages, register, VARIANT)).toBe('ImplicitlyDenied');
    expect(await decide(bothStages, register, { ...VARIANT, ...tagging('prod', 'p-other0000000') })).toBe('ImplicitlyDenied');
    expect(await decide(stagingOnly, register, { ...VARIANT, ...tagging('prod') })).toBe('ImplicitlyDenied');
  });

  test('a registration with its own tags cannot update a target that exists with another project\'s or stage\'s tags', async () => {
    const register = 'application-autoscaling:RegisterScalableTarget';
    expect(await decide(bothStages, register, { ...VARIANT, ...tagging('prod'), ...taggedTarget('prod', 'p-other0000000') })).toBe('ImplicitlyDenied');
    expect(await decide(stagingOnly, register, { ...VARIANT, ...tagging('staging'), ...taggedTarget('prod') })).toBe('ImplicitlyDenied');
    expect(await decide(stagingOnly, register, { ...VARIANT, ...tagging('staging'), ...taggedTarget('staging') })).toBe('Allowed');
  });

  test.each(CHANGES)('%s on this project\'s targets of its stages is allowed', async (action) => {
    expect(await decide(bothStages, action, { ...VARIANT, ...taggedTarget('prod') })).toBe('Allowed');
    expect(await decide(bothStages, action, { ...COMPONENT, ...taggedTarget('staging') })).toBe('Allowed');
    expect(await decide(stagingOnly, action, { ...VARIANT, ...taggedTarget('staging') })).toBe('Allowed');
  });

  test.each(CHANGES)('%s on another project\'s target, an untagged one, or (a staging role) prod\'s is not', async (action) => {
    expect(await decide(bothStages, action, { ...VARIANT, ...taggedTarget('prod', 'p-other0000000') })).toBe('ImplicitlyDenied');
    expect(await decide(bothStages, action, VARIANT)).toBe('ImplicitlyDenied');
    expect(await decide(stagingOnly, action, { ...VARIANT, ...taggedTarget('prod') })).toBe('ImplicitlyDenied');
  });

  test.each(CHANGES)('%s on another service\'s target (ECS, DynamoDB) or another SageMaker dimension is not, even tagged', async (action) => {
    const ours = { ...taggedTarget('staging'), ...tagging('staging') };
    expect(await decide(bothStages, action, { ...ours, 'application-autoscaling:service-namespace': 'sagemaker', 'application-autoscaling:scalable-dimension': 'sagemaker:variant:DesiredProvisionedConcurrency' })).toBe('ImplicitlyDenied');
    expect(await decide(bothStages, action, { ...ours, 'application-autoscaling:service-namespace': 'ecs', 'application-autoscaling:scalable-dimension': 'ecs:service:DesiredCount' })).toBe('ImplicitlyDenied');
    expect(await decide(bothStages, action, { ...ours, 'application-autoscaling:service-namespace': 'dynamodb', 'application-autoscaling:scalable-dimension': 'dynamodb:table:WriteCapacityUnits' })).toBe('ImplicitlyDenied');
  });

  test('tags and untags only its own targets, never with another project id or (one-stage role) stage, and never removes them', async () => {
    const tag = 'application-autoscaling:TagResource';
    const untag = 'application-autoscaling:UntagResource';
    expect(await decide(bothStages, tag, { ...taggedTarget('prod'), 'aws:RequestTag/team': 'ml', 'aws:TagKeys': ['team'] })).toBe('Allowed');
    expect(await decide(bothStages, tag, { ...taggedTarget('prod'), ...tagging('prod') })).toBe('Allowed');
    expect(await decide(bothStages, tag, { ...taggedTarget('prod'), ...tagging('prod', 'p-other0000000') })).toBe('ImplicitlyDenied');
    expect(await decide(stagingOnly, tag, { ...taggedTarget('staging'), ...tagging('prod') })).toBe('ImplicitlyDenied');
    expect(await decide(bothStages, tag, { ...taggedTarget('prod', 'p-other0000000'), ...tagging('prod') })).toBe('ImplicitlyDenied');
    expect(await decide(bothStages, tag, tagging('prod'))).toBe('ImplicitlyDenied');
    expect(await decide(bothStages, untag, { ...taggedTarget('prod'), 'aws:TagKeys': ['team'] })).toBe('Allowed');
    expect(await decide(bothStages, untag, { ...taggedTarget('prod'), 'aws:TagKeys': ['sagemaker:project-id'] })).toBe('ImplicitlyDenied');
    expect(await decide(stagingOnly, untag, { ...taggedTarget('staging'), 'aws:TagKeys': ['sagemaker:deployment-stage'] })).toBe('ImplicitlyDenied');
    expect(await decide(bothStages, untag, { ...taggedTarget('prod', 'p-other0000000'), 'aws:TagKeys': ['team'] })).toBe('ImplicitlyDenied');
  });
});
