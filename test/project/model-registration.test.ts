import { runSimulation } from '@cloud-copilot/iam-simulate';
import { App, CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { SageMakerProject } from '../../lib/project/sagemaker-project';
import { REGION, TemplateRole, templateRoles } from '../support/multi-account';

/**
 * Who may register or approve the project's model packages: unless the project approves
 * automatically, no role of the project may create a package as `Approved` or change a package's
 * status; the SageMaker pipeline role registers packages awaiting review.
 */
const ACCOUNT = '111111111111';
const PROJECT_ID = 'p-aaaaaaaaaaaa';
const PACKAGE = `arn:aws:sagemaker:${REGION}:${ACCOUNT}:model-package/churn-${PROJECT_ID}/3`;

function roles(autoApproveModels: boolean): { all: TemplateRole[]; pipelineRole: TemplateRole } {
  const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Stack', { env: { account: ACCOUNT, region: REGION } });
  const project = new SageMakerProject(stack, 'Project', { projectName: 'churn', projectId: PROJECT_ID, autoApproveModels });
  const all = templateRoles(Template.fromStack(stack), ACCOUNT);
  const pipelineRoleId = stack.getLogicalId(project.modelBuild.pipelineExecutionRole.node.defaultChild as CfnElement);
  return { all, pipelineRole: all.find((r) => r.logicalId === pipelineRoleId)! };
}

async function decide(role: TemplateRole, action: string, status: string | undefined): Promise<string> {
  const result = await runSimulation({
    request: {
      principal: `arn:aws:iam::${ACCOUNT}:role/${role.logicalId}`,
      action,
      resource: { resource: PACKAGE, accountId: ACCOUNT },
      contextVariables: status === undefined ? {} : { 'sagemaker:ModelApprovalStatus': status },
    },
    identityPolicies: [{ name: 'role', policy: { Version: '2012-10-17', Statement: role.statements } }],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
  }, {});
  if (result.resultType === 'error') throw new Error(JSON.stringify(result.errors));
  return result.overallResult;
}

describe('model package registration, reviewed approvals (the default)', () => {
  const { all, pipelineRole } = roles(false);

  test.each([
    ['PendingManualApproval', 'Allowed'],
    [undefined, 'Allowed'], // SageMaker's default status
    ['Rejected', 'Allowed'],
    ['Approved', 'ImplicitlyDenied'],
  ])('the SageMaker pipeline role registers a package as %s: %s', async (status, expected) => {
    expect(await decide(pipelineRole, 'sagemaker:CreateModelPackage', status)).toBe(expected);
  });

  test('no role of the project may create a package as Approved or change any package', async () => {
    expect(all.length).toBeGreaterThan(10);
    const allowed: string[] = [];
    for (const role of all) {
      if (await decide(role, 'sagemaker:CreateModelPackage', 'Approved') === 'Allowed') allowed.push(`${role.logicalId} CreateModelPackage`);
      if (await decide(role, 'sagemaker:UpdateModelPackage', 'Approved') === 'Allowed') allowed.push(`${role.logicalId} UpdateModelPackage`);
    }
    expect(allowed).toEqual([]);
  });
});

describe('model package registration, autoApproveModels', () => {
  test('the SageMaker pipeline role may register a package as Approved', async () => {
    expect(await decide(roles(true).pipelineRole, 'sagemaker:CreateModelPackage', 'Approved')).toBe('Allowed');
  });
});
