import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { ProjectNames } from '../../lib/contract/names';
import { EndpointDeployRole, EndpointDeployRoleProps } from '../../lib/project/endpoint-deploy-role';
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
      `${sageMaker}endpoint-config/*`, `${sageMaker}endpoint/${NAME}-prod`, `${sageMaker}endpoint/${NAME}-staging`, `${sageMaker}model/*`,
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
      `${sageMaker}<AWS::AccountId>:endpoint-config/*`, `${sageMaker}<AWS::AccountId>:endpoint/${NAME}-prod`, `${sageMaker}<AWS::AccountId>:model/*`,
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
