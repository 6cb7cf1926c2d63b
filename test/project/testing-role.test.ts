import { runSimulation } from '@cloud-copilot/iam-simulate';
import { App, CfnElement, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { SageMakerProject } from '../../lib/project/sagemaker-project';
import { REGION, TemplateRole, templateRoles } from '../support/multi-account';

/**
 * The smoke test's CodeBuild role (single-account): it may describe and invoke the staging
 * endpoint `<name>-staging` only while that endpoint carries this project's id tag, so a
 * project whose name another project reuses (in another id) cannot call that one's endpoint.
 */
const ACCOUNT = '111111111111';
const PROJECT_ID = 'p-aaaaaaaaaaaa';
const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Stack', { env: { account: ACCOUNT, region: REGION } });
const project = new SageMakerProject(stack, 'Project', { projectName: 'churn', projectId: PROJECT_ID });
const template = Template.fromStack(stack);
const testProjectRole = stack.getLogicalId(project.modelDeploy.testProject.role!.node.defaultChild as CfnElement);
const role: TemplateRole = templateRoles(template, ACCOUNT).find((r) => r.logicalId === testProjectRole)!;

describe('the smoke test role', () => {
  test('invokes the staging endpoint only with the project-id tag condition', () => {
    const invoke = role.statements.filter((s) => [s.Action].flat().includes('sagemaker:InvokeEndpoint'));
    expect(invoke).toEqual([expect.objectContaining({
      Sid: 'InvokeStagingEndpoint',
      Effect: 'Allow',
      Resource: `arn:aws:sagemaker:${REGION}:${ACCOUNT}:endpoint/churn-staging`,
      Condition: { StringEquals: { 'aws:ResourceTag/sagemaker:project-id': PROJECT_ID } },
    })]);
    // The same statement as CloudFormation gets it (the id a token-free string here).
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Sid: 'InvokeStagingEndpoint', Condition: { StringEquals: { 'aws:ResourceTag/sagemaker:project-id': PROJECT_ID } } })]) },
    });
  });

  const decide = async (action: string, endpoint: string, tagProjectId: string | undefined) => {
    const result = await runSimulation({
      request: {
        principal: `arn:aws:iam::${ACCOUNT}:role/smoke-test`,
        action,
        resource: { resource: `arn:aws:sagemaker:${REGION}:${ACCOUNT}:endpoint/${endpoint}`, accountId: ACCOUNT },
        contextVariables: tagProjectId === undefined ? {} : { 'aws:ResourceTag/sagemaker:project-id': tagProjectId },
      },
      identityPolicies: [{ name: 'role', policy: { Version: '2012-10-17', Statement: role.statements } }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    }, {});
    if (result.resultType === 'error') throw new Error(JSON.stringify(result.errors));
    return result.overallResult;
  };

  test.each([
    ['sagemaker:InvokeEndpoint', 'churn-staging', PROJECT_ID, 'Allowed'],
    ['sagemaker:DescribeEndpoint', 'churn-staging', PROJECT_ID, 'Allowed'],
    // Another project's endpoint of the same name (same name, other id): refused.
    ['sagemaker:InvokeEndpoint', 'churn-staging', 'p-bbbbbbbbbbbb', 'ImplicitlyDenied'],
    ['sagemaker:InvokeEndpoint', 'churn-staging', undefined, 'ImplicitlyDenied'],
    // Production is never the smoke test's.
    ['sagemaker:InvokeEndpoint', 'churn-prod', PROJECT_ID, 'ImplicitlyDenied'],
  ])('%s on %s tagged %s: %s', async (action, endpoint, tag, expected) => {
    expect(await decide(action, endpoint, tag)).toBe(expected);
  });
});
