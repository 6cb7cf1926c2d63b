import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { DEPLOYMENT_STAGES, DeploymentStage, ProjectNames } from '../../lib/contract/names';
import { EndpointDeployRole, EndpointDeployRoleProps } from '../../lib/project/endpoint-deploy-role';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { decide, evaluate, identity, REGION, templateRoles } from '../support/multi-account';
import { actionsOf, bareStack, flatten, ID, NAME, statementsOf } from '../support/project-parts';

/** The endpoint deploy role of a stage alone on a bare stack, with a key, a model role and a topic of its own. */
function roleTemplate(stage: DeploymentStage, props: Partial<EndpointDeployRoleProps> = {}): { template: Template; stack: Stack } {
  const stack = bareStack();
  new EndpointDeployRole(stack, 'EndpointDeployRole', {
    names: new ProjectNames(NAME, ID),
    stage,
    key: new kms.Key(stack, 'Key'),
    modelExecutionRole: new iam.Role(stack, 'ModelRole', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') }),
    alarmTopic: new sns.Topic(stack, 'Topic'),
    ...props,
  });
  return { template: Template.fromStack(stack), stack };
}

const resources = (template: Template, sid: string) => statementsOf(template, 'EndpointDeployRole')
  .filter((s) => s.Sid === sid).flatMap((s) => ([] as unknown[]).concat(s.Resource).map(flatten)).sort();

describe('EndpointDeployRole of a stage, default props', () => {
  const { template } = roleTemplate('staging');

  test('is CloudFormation\'s, with a generated name', () => {
    const [role] = Object.values(template.findResources('AWS::IAM::Role', { Properties: { Description: `CloudFormation deploying the ${NAME}-${ID} staging endpoint stack` } }));
    expect(role.Properties.AssumeRolePolicyDocument.Statement[0].Principal).toEqual({ Service: 'cloudformation.amazonaws.com' });
    expect(role.Properties.RoleName).toBeUndefined();
  });

  test('models, endpoint configs and endpoints are created and changed only with the project-id tag and the stage\'s tag', () => {
    const statements = statementsOf(template, 'EndpointDeployRole');
    const create = statements.find((s) => s.Sid === 'CreateTaggedModelsAndEndpoints');
    const manage = statements.find((s) => s.Sid === 'ManageProjectModelsAndEndpoints');
    expect(create?.Condition).toEqual({ StringEquals: { 'aws:RequestTag/sagemaker:project-id': ID, 'aws:RequestTag/sagemaker:deployment-stage': 'staging' } });
    expect(manage?.Condition).toEqual({ StringEquals: { 'aws:ResourceTag/sagemaker:project-id': ID, 'aws:ResourceTag/sagemaker:deployment-stage': 'staging' } });
  });

  test('deploys its stage\'s endpoint only, reads this account\'s registry, and no batch stage', () => {
    const sageMaker = 'arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:';
    expect(resources(template, 'CreateTaggedModelsAndEndpoints')).toEqual([
      `${sageMaker}endpoint-config/*`, `${sageMaker}endpoint/${NAME}-staging`,
      `${sageMaker}inference-component/${NAME}-staging-model`, `${sageMaker}model/*`,
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
    stage: 'prod',
    modelPackageAccount: '111111111111',
    roleName: 'my-deploy-role',
    batchScheduleRole: scheduleRole,
  });
  const template = Template.fromStack(stack);
  const sageMaker = 'arn:<AWS::Partition>:sagemaker:<AWS::Region>:';

  test('roleName names the role', () => {
    template.hasResourceProperties('AWS::IAM::Role', { RoleName: 'my-deploy-role' });
  });

  test('stage limits the endpoints to that stage', () => {
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

  test('batchScheduleRole lets the role manage the stage\'s schedule and pass exactly that schedule role to the scheduler', () => {
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
 * deploy and tear down its stage's inference component of this project, and give the wake-up alarm
 * its step policy as action; IAM decides as the simulator does.
 */
describe('EndpointDeployRole, scale-to-zero stages (IAM simulator)', () => {
  const ACCOUNT = '111111111111';
  const TOPIC = `arn:aws:sns:${REGION}:${ACCOUNT}:alarms`;
  const { template } = roleTemplate('staging');
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

  const tagged = (key: 'aws:RequestTag' | 'aws:ResourceTag', id: string, stage = 'staging') =>
    ({ [`${key}/sagemaker:project-id`]: id, [`${key}/sagemaker:deployment-stage`]: stage });
  const OURS = tagged('aws:ResourceTag', ID);
  const THEIRS = tagged('aws:ResourceTag', 'p-other0000000');
  test.each<[string, string, string, Record<string, string | string[]>, string]>([
    ['creates this project\'s component, tagged', 'sagemaker:CreateInferenceComponent', `${NAME}-staging-model`, tagged('aws:RequestTag', ID), 'Allowed'],
    ['cannot create it tagged with another project\'s id', 'sagemaker:CreateInferenceComponent', `${NAME}-staging-model`, tagged('aws:RequestTag', 'p-other0000000'), 'ImplicitlyDenied'],
    ['cannot create it tagged for prod', 'sagemaker:CreateInferenceComponent', `${NAME}-staging-model`, tagged('aws:RequestTag', ID, 'prod'), 'ImplicitlyDenied'],
    ['cannot create another component name', 'sagemaker:CreateInferenceComponent', 'other-staging-model', tagged('aws:RequestTag', ID), 'ImplicitlyDenied'],
    ['cannot create prod\'s component', 'sagemaker:CreateInferenceComponent', `${NAME}-prod-model`, tagged('aws:RequestTag', ID, 'prod'), 'ImplicitlyDenied'],
    ['updates it with a new model (rolling update)', 'sagemaker:UpdateInferenceComponent', `${NAME}-staging-model`, OURS, 'Allowed'],
    ['lets auto scaling set its copies', 'sagemaker:UpdateInferenceComponentRuntimeConfig', `${NAME}-staging-model`, OURS, 'Allowed'],
    ['deletes it (stack deletion, project teardown)', 'sagemaker:DeleteInferenceComponent', `${NAME}-staging-model`, OURS, 'Allowed'],
    ['cannot delete a component of that name tagged for another project', 'sagemaker:DeleteInferenceComponent', `${NAME}-staging-model`, THEIRS, 'ImplicitlyDenied'],
    ['cannot update prod\'s component', 'sagemaker:UpdateInferenceComponent', `${NAME}-prod-model`, tagged('aws:ResourceTag', ID, 'prod'), 'ImplicitlyDenied'],
  ])('%s', async (_what, action, name, context, expected) => {
    expect(await decide(action, component(name), context)).toBe(expected);
  });

  test.each<[string, string[], string]>([
    ['the wake-up alarm may run the step policy of its stage\'s component', [policy(`${NAME}-staging-model`)], 'Allowed'],
    ['the stack alarms may still notify the project topic', [TOPIC], 'Allowed'],
    ['no alarm may run a scaling policy of another component', [policy('other-staging-model')], 'ImplicitlyDenied'],
    ['no alarm may run the scaling policy of prod\'s component', [policy(`${NAME}-prod-model`)], 'ImplicitlyDenied'],
    ['no alarm may notify another topic', [`arn:aws:sns:${REGION}:${ACCOUNT}:other`], 'ImplicitlyDenied'],
  ])('%s', async (_what, actions, expected) => {
    expect(await decide('cloudwatch:PutMetricAlarm', alarm, { 'cloudwatch:AlarmActions': actions })).toBe(expected);
  });

  test('target tracking may create the alarms of its stage\'s component of this project only', async () => {
    const trackingAlarm = (name: string) => `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:TargetTracking-inference-component/${name}-AlarmHigh-1a2b3c`;
    expect(await decide('cloudwatch:PutMetricAlarm', trackingAlarm(`${NAME}-staging-model`))).toBe('Allowed');
    expect(await decide('cloudwatch:PutMetricAlarm', trackingAlarm('other-staging-model'))).toBe('ImplicitlyDenied');
    expect(await decide('cloudwatch:PutMetricAlarm', trackingAlarm(`${NAME}-prod-model`))).toBe('ImplicitlyDenied');
  });
});

/**
 * Issue 20: in single-account mode both stages deploy in the project account, each with its own
 * role. The staging stack is deployed before the approval, from the deploy repository's code: its
 * role must not be able to change anything of prod's (stack, endpoint, models, scaling, alarms,
 * batch schedule), and prod's nothing of staging's. Both roles on one stack, as ModelDeploy builds
 * them, decided by the IAM simulator.
 */
describe('EndpointDeployRole, one per stage: each changes its own stage only (IAM simulator)', () => {
  const ACCOUNT = '111111111111';
  const stack = bareStack();
  const names = new ProjectNames(NAME, ID);
  const common = {
    names,
    key: new kms.Key(stack, 'Key'),
    modelExecutionRole: new iam.Role(stack, 'ModelRole', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') }),
    alarmTopic: new sns.Topic(stack, 'Topic'),
  };
  const scheduleRoles = { staging: 'StagingSchedule', prod: 'ProdSchedule' } as const;
  for (const stage of DEPLOYMENT_STAGES) {
    new EndpointDeployRole(stack, `${stage}DeployRole`, {
      ...common, stage,
      batchScheduleRole: new iam.Role(stack, scheduleRoles[stage], { assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com') }),
    });
  }
  const template = Template.fromStack(stack);
  const TOPIC = `arn:aws:sns:${REGION}:${ACCOUNT}:alarms`;
  const attributes: Record<string, string> = { [Object.keys(template.findResources('AWS::SNS::Topic'))[0]]: TOPIC };
  for (const [stage, id] of Object.entries(scheduleRoles)) {
    const logicalId = Object.keys(template.findResources('AWS::IAM::Role')).find((l) => l.startsWith(id))!;
    attributes[`${logicalId}.Arn`] = `arn:aws:iam::${ACCOUNT}:role/${stage}-schedule`;
  }
  const roles = templateRoles(template, ACCOUNT, attributes);
  const roleOf = (stage: DeploymentStage) => roles.find((r) => r.logicalId.startsWith(`${stage}DeployRole`))!;
  const ask = (stage: DeploymentStage, action: string, resource: string, context: Record<string, string | string[]> = {}) => decide({
    principal: `arn:aws:iam::${ACCOUNT}:role/${stage}-deploy`, action, resource, resourceAccount: ACCOUNT,
    identityPolicies: identity(roleOf(stage)), context,
  });

  const arn = (service: string, rest: string) => `arn:aws:${service}:${REGION}:${ACCOUNT}:${rest}`;
  const tags = (key: 'aws:RequestTag' | 'aws:ResourceTag', stage: DeploymentStage) =>
    ({ [`${key}/sagemaker:project-id`]: ID, [`${key}/sagemaker:deployment-stage`]: stage });
  const VARIANT = { 'application-autoscaling:service-namespace': 'sagemaker', 'application-autoscaling:scalable-dimension': 'sagemaker:variant:DesiredInstanceCount' };
  const TARGET = arn('application-autoscaling', 'scalable-target/056d1b9a2b3c4d5e6f7a8b9c0d1e2f3a4b5c');

  /** What CloudFormation does with the role when it updates or deletes a stage's stack, on that stage's resources. */
  const stackWork = (stage: DeploymentStage): Array<[string, string, Record<string, string | string[]>]> => [
    ['sagemaker:CreateModel', arn('sagemaker', 'model/model-abc123'), tags('aws:RequestTag', stage)],
    ['sagemaker:CreateEndpointConfig', arn('sagemaker', 'endpoint-config/config-abc123'), tags('aws:RequestTag', stage)],
    ['sagemaker:UpdateEndpoint', arn('sagemaker', `endpoint/${NAME}-${stage}`), tags('aws:ResourceTag', stage)],
    ['sagemaker:DeleteEndpoint', arn('sagemaker', `endpoint/${NAME}-${stage}`), tags('aws:ResourceTag', stage)],
    ['sagemaker:DeleteModel', arn('sagemaker', 'model/model-abc123'), tags('aws:ResourceTag', stage)],
    ['sagemaker:DeleteEndpointConfig', arn('sagemaker', 'endpoint-config/config-abc123'), tags('aws:ResourceTag', stage)],
    ['sagemaker:UpdateInferenceComponent', arn('sagemaker', `inference-component/${NAME}-${stage}-model`), tags('aws:ResourceTag', stage)],
    ['sagemaker:UpdateEndpointWeightsAndCapacities', arn('sagemaker', `endpoint/${NAME}-${stage}`), tags('aws:ResourceTag', stage)],
    ['application-autoscaling:RegisterScalableTarget', TARGET, { ...VARIANT, ...tags('aws:RequestTag', stage), ...tags('aws:ResourceTag', stage) }],
    ['application-autoscaling:PutScalingPolicy', TARGET, { ...VARIANT, ...tags('aws:ResourceTag', stage) }],
    ['application-autoscaling:DeregisterScalableTarget', TARGET, { ...VARIANT, ...tags('aws:ResourceTag', stage) }],
    ['cloudwatch:PutMetricAlarm', arn('cloudwatch', `alarm:sagemaker-${NAME}-${ID}-deploy-${stage}-EndpointErrors-ABC123`), { 'cloudwatch:AlarmActions': [TOPIC] }],
    ['cloudwatch:DeleteAlarms', arn('cloudwatch', `alarm:sagemaker-${NAME}-${ID}-deploy-${stage}-EndpointErrors-ABC123`), {}],
    ['cloudwatch:PutMetricAlarm', arn('cloudwatch', `alarm:TargetTracking-endpoint/${NAME}-${stage}/AllTraffic-AlarmHigh-1a2b`), {}],
    ['scheduler:UpdateSchedule', arn('scheduler', `schedule/${NAME}-${stage}-batch/transform`), {}],
    ['scheduler:DeleteScheduleGroup', arn('scheduler', `schedule-group/${NAME}-${stage}-batch`), {}],
    ['events:PutTargets', arn('events', `rule/${NAME}-${stage}-batch-failed`), {}],
    ['iam:PassRole', `arn:aws:iam::${ACCOUNT}:role/${stage}-schedule`, { 'iam:PassedToService': 'scheduler.amazonaws.com' }],
  ];

  describe.each([['staging', 'prod'], ['prod', 'staging']] as const)('the %s role', (stage, other) => {
    test.each(stackWork(stage))(`may %s on its own stage's resource %s`, async (action, resource, context) => {
      expect(await ask(stage, action, resource, context)).toBe('Allowed');
    });

    test.each(stackWork(other))(`may not %s on the other stage's resource %s`, async (action, resource, context) => {
      expect(await ask(stage, action, resource, context)).toBe('ImplicitlyDenied');
    });

    test('cannot give its own stage\'s resources the other stage\'s tag, nor claim the other stage\'s', async () => {
      const model = arn('sagemaker', 'model/model-abc123');
      expect(await ask(stage, 'sagemaker:AddTags', model, { ...tags('aws:RequestTag', other), ...tags('aws:ResourceTag', stage) })).toBe('ImplicitlyDenied');
      expect(await ask(stage, 'sagemaker:AddTags', model, { ...tags('aws:RequestTag', stage), ...tags('aws:ResourceTag', other) })).toBe('ImplicitlyDenied');
      expect(await ask(stage, 'sagemaker:AddTags', model, tags('aws:RequestTag', stage))).toBe('Allowed');
    });

    test('has no CloudFormation rights of its own: neither stack can be changed through it but by the action that passes it', async () => {
      for (const s of DEPLOYMENT_STAGES) {
        for (const action of ['cloudformation:UpdateStack', 'cloudformation:DeleteStack', 'cloudformation:CreateChangeSet']) {
          expect(await ask(stage, action, arn('cloudformation', `stack/${names.deployStackName(s)}/abc`))).toBe('ImplicitlyDenied');
        }
      }
    });
  });
});

describe('EndpointDeployRole, size', () => {
  test.each(DEPLOYMENT_STAGES)('the %s role\'s inline policies, as IAM counts them (no whitespace), stay within IAM\'s 10,240 characters for a role, and it has no managed policy', (stage) => {
    const stack = bareStack();
    // The most it holds: a 32-character project name, a batch stage with its own model role, another account's registry.
    new EndpointDeployRole(stack, 'EndpointDeployRole', {
      names: new ProjectNames('a-project-name-of-32-charactersx', ID),
      stage,
      key: new kms.Key(stack, 'Key'),
      modelExecutionRole: new iam.Role(stack, 'ModelRole', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') }),
      alarmTopic: new sns.Topic(stack, 'Topic'),
      modelPackageAccount: '222222222222',
      batchScheduleRole: new iam.Role(stack, 'Schedule', { assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com') }),
      batchModelRole: new iam.Role(stack, 'BatchModel', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') }),
    });
    const template = Template.fromStack(stack);
    // aws-cdk-lib moves statements past its own (larger) estimate into a managed policy, which the
    // Studio and Service Catalog launch roles may not create: the role must not need one.
    expect(template.findResources('AWS::IAM::ManagedPolicy')).toEqual({});
    const policies = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => (p.Properties.Roles as Array<{ Ref: string }>).some((r) => r.Ref.startsWith('EndpointDeployRole')));
    // Its three inline policies: the default one, auto scaling's and the batch stage's.
    expect(policies).toHaveLength(3);
    const size = policies
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

  /** The role of each stage (the project builds one per stage of its account). */
  const roleFor = (stage: DeploymentStage) => {
    const { template } = roleTemplate(stage);
    return templateRoles(template, ACCOUNT).find((r) => r.logicalId.startsWith('EndpointDeployRole'))!;
  };
  const staging = roleFor('staging');
  const prod = roleFor('prod');

  async function decide(role: typeof staging, action: string, context: Record<string, string | string[]>): Promise<string> {
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

  test('registers a new variant or inference component target only with this project\'s id and its stage as tags', async () => {
    const register = 'application-autoscaling:RegisterScalableTarget';
    expect(await decide(prod, register, { ...VARIANT, ...tagging('prod') })).toBe('Allowed');
    expect(await decide(staging, register, { ...COMPONENT, ...tagging('staging') })).toBe('Allowed');
    expect(await decide(staging, register, { ...VARIANT, ...tagging('staging') })).toBe('Allowed');
    // Untagged, tagged for another project, or for the other stage: refused.
    expect(await decide(prod, register, VARIANT)).toBe('ImplicitlyDenied');
    expect(await decide(prod, register, { ...VARIANT, ...tagging('prod', 'p-other0000000') })).toBe('ImplicitlyDenied');
    expect(await decide(staging, register, { ...VARIANT, ...tagging('prod') })).toBe('ImplicitlyDenied');
    expect(await decide(prod, register, { ...VARIANT, ...tagging('staging') })).toBe('ImplicitlyDenied');
  });

  test('a registration with its own tags cannot update a target that exists with another project\'s or stage\'s tags', async () => {
    const register = 'application-autoscaling:RegisterScalableTarget';
    expect(await decide(prod, register, { ...VARIANT, ...tagging('prod'), ...taggedTarget('prod', 'p-other0000000') })).toBe('ImplicitlyDenied');
    expect(await decide(staging, register, { ...VARIANT, ...tagging('staging'), ...taggedTarget('prod') })).toBe('ImplicitlyDenied');
    expect(await decide(prod, register, { ...VARIANT, ...tagging('prod'), ...taggedTarget('staging') })).toBe('ImplicitlyDenied');
    expect(await decide(staging, register, { ...VARIANT, ...tagging('staging'), ...taggedTarget('staging') })).toBe('Allowed');
  });

  test.each(CHANGES)('%s on this project\'s targets of the role\'s stage is allowed', async (action) => {
    expect(await decide(prod, action, { ...VARIANT, ...taggedTarget('prod') })).toBe('Allowed');
    expect(await decide(staging, action, { ...COMPONENT, ...taggedTarget('staging') })).toBe('Allowed');
    expect(await decide(staging, action, { ...VARIANT, ...taggedTarget('staging') })).toBe('Allowed');
  });

  test.each(CHANGES)('%s on another project\'s target, an untagged one, or the other stage\'s is not', async (action) => {
    expect(await decide(prod, action, { ...VARIANT, ...taggedTarget('prod', 'p-other0000000') })).toBe('ImplicitlyDenied');
    expect(await decide(prod, action, VARIANT)).toBe('ImplicitlyDenied');
    expect(await decide(staging, action, { ...VARIANT, ...taggedTarget('prod') })).toBe('ImplicitlyDenied');
    expect(await decide(prod, action, { ...COMPONENT, ...taggedTarget('staging') })).toBe('ImplicitlyDenied');
  });

  test.each(CHANGES)('%s on another service\'s target (ECS, DynamoDB) or another SageMaker dimension is not, even tagged', async (action) => {
    const ours = { ...taggedTarget('staging'), ...tagging('staging') };
    expect(await decide(staging, action, { ...ours, 'application-autoscaling:service-namespace': 'sagemaker', 'application-autoscaling:scalable-dimension': 'sagemaker:variant:DesiredProvisionedConcurrency' })).toBe('ImplicitlyDenied');
    expect(await decide(staging, action, { ...ours, 'application-autoscaling:service-namespace': 'ecs', 'application-autoscaling:scalable-dimension': 'ecs:service:DesiredCount' })).toBe('ImplicitlyDenied');
    expect(await decide(staging, action, { ...ours, 'application-autoscaling:service-namespace': 'dynamodb', 'application-autoscaling:scalable-dimension': 'dynamodb:table:WriteCapacityUnits' })).toBe('ImplicitlyDenied');
  });

  test('tags and untags only its own targets, never with another project id or stage, and never removes them', async () => {
    const tag = 'application-autoscaling:TagResource';
    const untag = 'application-autoscaling:UntagResource';
    expect(await decide(prod, tag, { ...taggedTarget('prod'), 'aws:RequestTag/team': 'ml', 'aws:TagKeys': ['team'] })).toBe('Allowed');
    expect(await decide(prod, tag, { ...taggedTarget('prod'), ...tagging('prod') })).toBe('Allowed');
    expect(await decide(prod, tag, { ...taggedTarget('prod'), ...tagging('prod', 'p-other0000000') })).toBe('ImplicitlyDenied');
    expect(await decide(staging, tag, { ...taggedTarget('staging'), ...tagging('prod') })).toBe('ImplicitlyDenied');
    expect(await decide(staging, tag, { ...taggedTarget('prod'), 'aws:RequestTag/team': 'ml', 'aws:TagKeys': ['team'] })).toBe('ImplicitlyDenied');
    expect(await decide(prod, tag, { ...taggedTarget('prod', 'p-other0000000'), ...tagging('prod') })).toBe('ImplicitlyDenied');
    expect(await decide(prod, tag, tagging('prod'))).toBe('ImplicitlyDenied');
    expect(await decide(prod, untag, { ...taggedTarget('prod'), 'aws:TagKeys': ['team'] })).toBe('Allowed');
    expect(await decide(prod, untag, { ...taggedTarget('prod'), 'aws:TagKeys': ['sagemaker:project-id'] })).toBe('ImplicitlyDenied');
    expect(await decide(staging, untag, { ...taggedTarget('staging'), 'aws:TagKeys': ['sagemaker:deployment-stage'] })).toBe('ImplicitlyDenied');
    expect(await decide(staging, untag, { ...taggedTarget('prod'), 'aws:TagKeys': ['team'] })).toBe('ImplicitlyDenied');
    expect(await decide(prod, untag, { ...taggedTarget('prod', 'p-other0000000'), 'aws:TagKeys': ['team'] })).toBe('ImplicitlyDenied');
  });
});
