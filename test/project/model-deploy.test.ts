import * as zlib from 'node:zlib';
import { CfnParameter } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import { PROJECT_ROLE_PATH, ProjectNames } from '../../lib/contract/names';
import { ModelDeploy, ModelDeployProps } from '../../lib/project/model-deploy';
import { expectCommitRule, NAME, PREFIX, projectParts } from '../support/project-parts';

/** ModelDeploy alone (with the store, repositories, a pipeline role and a topic) on a bare stack. */
function modelDeployTemplate(props: Partial<ModelDeployProps> = {}): Template {
  const parts = projectParts();
  const pipelineRole = new iam.Role(parts.scope, 'SageMakerPipelineRole', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
  const alarmTopic = new sns.Topic(parts.scope, 'AlarmTopic');
  new ModelDeploy(parts.scope, 'ModelDeploy', { ...parts.pipelineProps('deploy'), pipelineRole, alarmTopic, ...props });
  return Template.fromStack(parts.stack);
}

type Pipeline = { Properties: Record<string, Json> };
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- fragments of synthesized templates
type Json = any;
const deployPipeline = (template: Template): Pipeline => Object.values(template.findResources('AWS::CodePipeline::Pipeline', {
  Properties: { Name: `${PREFIX}-modeldeploy` },
}))[0] as Pipeline;
const buildEnv = (template: Template, name: string): Array<{ Name: string; Value: unknown }> =>
  (Object.values(template.findResources('AWS::CodeBuild::Project', { Properties: { Name: name } }))[0] as Pipeline)
    .Properties.Environment.EnvironmentVariables;

describe('ModelDeploy, default props', () => {
  const template = modelDeployTemplate();

  test('has deploy and testing CodeBuild projects of 30 minutes, the testing one aimed at <name>-staging', () => {
    template.hasResourceProperties('AWS::CodeBuild::Project', {
      Name: `${PREFIX}-modeldeploy`,
      TimeoutInMinutes: 30,
      Source: { Type: 'CODEPIPELINE', BuildSpec: 'buildspec.yml' },
      Environment: Match.objectLike({
        EnvironmentVariables: Match.arrayWith([
          { Name: 'MODEL_EXECUTION_ROLE_ARN', Type: 'PLAINTEXT', Value: Match.anyValue() },
        ]),
      }),
    });
    template.hasResourceProperties('AWS::CodeBuild::Project', {
      Name: `${PREFIX}-testing`,
      TimeoutInMinutes: 30,
      Source: { Type: 'CODEPIPELINE', BuildSpec: 'test-buildspec.yml' },
      Environment: Match.objectLike({
        EnvironmentVariables: Match.arrayWith([
          { Name: 'ENDPOINT_NAME', Type: 'PLAINTEXT', Value: `${NAME}-staging` },
        ]),
      }),
    });
  });

  test('deploy pipeline (V2): Source -> Build -> DeployStaging [verify, deploy, test, approve] -> DeployProd [verify, deploy]', () => {
    const props = deployPipeline(template).Properties;
    expect(props.PipelineType).toBe('V2');
    expect(props.Variables).toEqual([{
      Name: 'ModelPackageArn',
      DefaultValue: 'latest',
      Description: "Model package to deploy; 'latest' deploys the newest approved one",
    }]);
    const layout = props.Stages.map((s: { Name: string; Actions: Array<{ Name: string; RunOrder: number }> }) =>
      [s.Name, s.Actions.map((a) => `${a.RunOrder}:${a.Name}`)]);
    expect(layout).toEqual([
      ['Source', ['1:ModelDeployCode']],
      ['Build', ['1:BuildEndpointStacks']],
      ['DeployStaging', ['1:VerifyRelease', '2:DeployStagingEndpoint', '3:TestStaging', '4:ApproveDeployment']],
      ['DeployProd', ['1:VerifyProdRelease', '2:DeployProdEndpoint']],
    ]);
    const build = props.Stages[1].Actions[0];
    expect(build.Namespace).toBe('BuildVariables');
    expect(JSON.parse(build.Configuration.EnvironmentVariables)).toEqual([
      { name: 'MODEL_PACKAGE_ARN', type: 'PLAINTEXT', value: '#{variables.ModelPackageArn}' },
    ]);
    const staging = props.Stages[2].Actions[1];
    expect(staging.Configuration).toMatchObject({
      ActionMode: 'REPLACE_ON_FAILURE',
      StackName: `${PREFIX}-deploy-staging`,
      TemplatePath: 'Release::staging.template.json',
      TemplateConfiguration: 'Release::staging.config.json',
    });
    expect(props.Stages[3].Actions[1].Configuration).toMatchObject({
      StackName: `${PREFIX}-deploy-prod`,
      TemplatePath: 'Release::prod.template.json',
      TemplateConfiguration: 'Release::prod.config.json',
    });
    expect(props.Stages[2].Actions[3]).toMatchObject({
      ActionTypeId: { Category: 'Approval', Owner: 'AWS', Provider: 'Manual', Version: '1' },
      Configuration: { CustomData: 'Approve this model for Production' },
    });
  });

  test('skips both deploy stages (run stays green) when the build resolved no approved model', () => {
    const pipeline = deployPipeline(template);
    for (const stage of pipeline.Properties.Stages.slice(2)) {
      expect(stage.BeforeEntry).toEqual({
        Conditions: [{
          Result: 'SKIP',
          Rules: [expect.objectContaining({
            RuleTypeId: { Category: 'Rule', Owner: 'AWS', Provider: 'VariableCheck', Version: '1' },
            Configuration: { Variable: '#{BuildVariables.DEPLOY}', Value: 'true', Operator: 'EQ' },
          })],
        }],
      });
    }
    expect(pipeline.Properties.Stages[0].BeforeEntry).toBeUndefined();
    expect(pipeline.Properties.Stages[1].BeforeEntry).toBeUndefined();
  });

  test('rule sagemaker-<name>-<id>-code starts the pipeline on commits to main of its repository', () => {
    expectCommitRule(template, 'code', 'ModelDeployPipeline');
  });

  test('the builds know the pipeline role and that its own approvals do not deploy', () => {
    for (const name of [`${PREFIX}-modeldeploy`, `${PREFIX}-testing`]) {
      expect(buildEnv(template, name)).toEqual(expect.arrayContaining([
        { Name: 'AUTO_APPROVE_MODELS', Type: 'PLAINTEXT', Value: 'false' },
        { Name: 'SAGEMAKER_PIPELINE_ROLE_ARN', Type: 'PLAINTEXT', Value: { 'Fn::GetAtt': [expect.stringMatching(/^ProjectSageMakerPipelineRole/), 'Arn'] } },
      ]));
    }
  });

  test('the deploy build knows every role of the stack (PROJECT_AUTOMATION_ROLES): their approvals do not deploy either', () => {
    const roles = Object.keys(template.findResources('AWS::IAM::Role'));
    const variable = buildEnv(template, `${PREFIX}-modeldeploy`).find((v) => v.Name === 'PROJECT_AUTOMATION_ROLES');
    expect(variable?.Value).toEqual({ 'Fn::Join': [',', roles.map((id) => ({ Ref: id }))] });
    // Its own role, the deploy role and the pipeline role among them
    expect(roles).toEqual(expect.arrayContaining([
      expect.stringMatching(/^ProjectModelDeployBuildProjectRole/), expect.stringMatching(/^ProjectModelDeployEndpointDeployRole/),
      expect.stringMatching(/^ProjectSageMakerPipelineRole/),
    ]));
  });
});

/**
 * Issue 20: both stages in the project account deploy with a role each. The staging deploy action
 * (before the approval) hands CloudFormation the staging role, which cannot touch prod
 * (test/project/endpoint-deploy-role.test.ts); the role is fixed in the pipeline's definition, out
 * of reach of the deploy repository's template and template configuration.
 */
describe('ModelDeploy, single account: one deploy role per stage', () => {
  const template = modelDeployTemplate();
  const deployRoleIds = Object.keys(template.findResources('AWS::IAM::Role', { Properties: { AssumeRolePolicyDocument: {
    Statement: [Match.objectLike({ Principal: { Service: 'cloudformation.amazonaws.com' } })],
  } } }));
  const stageRoleId = (stage: string) => deployRoleIds.find((id) =>
    new RegExp(`^ProjectModelDeploy${stage === 'staging' ? 'Staging' : ''}EndpointDeployRole[0-9A-F]{8}$`).test(id))!;

  test('two CloudFormation roles, prod\'s with the logical id the one shared role had', () => {
    expect(deployRoleIds).toHaveLength(2);
    expect(stageRoleId('prod')).toMatch(/^ProjectModelDeployEndpointDeployRole/);
    expect(stageRoleId('staging')).toMatch(/^ProjectModelDeployStagingEndpointDeployRole/);
  });

  test.each(['staging', 'prod'])('the %s deploy action runs CloudFormation with its stage\'s role', (stage) => {
    const action = deployPipeline(template).Properties.Stages.flatMap((s: Json) => s.Actions as Json[])
      .find((a: Json) => a.Name === `Deploy${stage === 'staging' ? 'Staging' : 'Prod'}Endpoint`);
    expect(action.Configuration.RoleArn).toEqual({ 'Fn::GetAtt': [stageRoleId(stage), 'Arn'] });
  });

  test('the pipeline (which runs the actions) passes each deploy role to CloudFormation only', () => {
    const passes = Object.values(template.findResources('AWS::IAM::Policy'))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Json[])
      .filter((st) => ([] as string[]).concat(st.Action).includes('iam:PassRole') && JSON.stringify(st.Resource).includes('EndpointDeployRole'));
    expect(passes.flatMap((st) => ([] as unknown[]).concat(st.Resource))).toEqual(expect.arrayContaining(['staging', 'prod'].map((stage) => ({ 'Fn::GetAtt': [stageRoleId(stage), 'Arn'] }))));
    for (const st of passes) expect(st.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'cloudformation.amazonaws.com' } });
  });
});

describe('ModelDeploy, configured', () => {
  const template = modelDeployTemplate({ manualApproval: false, autoApproveModels: true });

  test('manualApproval=false leaves the approval action out', () => {
    expect(deployPipeline(template).Properties.Stages[2].Actions.map((a: { Name: string }) => a.Name))
      .toEqual(['VerifyRelease', 'DeployStagingEndpoint', 'TestStaging']);
  });

  test('autoApproveModels=true tells the builds that the pipeline\'s own approvals deploy', () => {
    for (const name of [`${PREFIX}-modeldeploy`, `${PREFIX}-testing`]) {
      expect(buildEnv(template, name)).toEqual(expect.arrayContaining([{ Name: 'AUTO_APPROVE_MODELS', Type: 'PLAINTEXT', Value: 'true' }]));
    }
  });
});

describe("ModelDeploy of a Studio template's multi-account project (name and id are template parameters)", () => {
  const parts = projectParts();
  const parameter = (id: string) => new CfnParameter(parts.stack, id).valueAsString;
  const names = new ProjectNames(parameter('SageMakerProjectName'), parameter('SageMakerProjectId'));
  const pipelineRole = new iam.Role(parts.scope, 'SageMakerPipelineRole', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
  new ModelDeploy(parts.scope, 'ModelDeploy', {
    ...parts.pipelineProps('deploy'), names, pipelineRole, alarmTopic: new sns.Topic(parts.scope, 'AlarmTopic'),
    deploymentAccounts: { projectAccount: '111111111111', stageAccounts: { staging: '222222222222', prod: '333333333333' } },
    targetAccountSettings: { retainData: true, tags: {}, alarmEmail: parameter('AlarmEmail') },
    rolePath: PROJECT_ROLE_PATH,
  });
  const template = Template.fromStack(parts.stack);
  const ref = (name: string) => ({ Ref: name });
  const actions = (Object.values(template.findResources('AWS::CodePipeline::Pipeline'))[0] as Pipeline).Properties.Stages
    .flatMap((s: Json) => s.Actions as Json[]);

  test.each([['Staging', '222222222222'], ['Prod', '333333333333']])('the %s account resources action names the stack after the project\'s parameters and passes them to the template', (stage, account) => {
    const action = actions.find((a: Json) => a.Name === `Deploy${stage}AccountResources`);
    expect(action.Configuration.StackName).toEqual({
      'Fn::Join': ['', ['sagemaker-', ref('SageMakerProjectName'), '-', ref('SageMakerProjectId'), `-target-${account}`]],
    });
    expect(action.Configuration.TemplatePath).toBe(`Release::target-${account}.template.json`);
    expect(parts.stack.resolve(action.Configuration.ParameterOverrides)).toEqual({
      'Fn::Join': ['', ['{"SageMakerProjectName":"', ref('SageMakerProjectName'), '","SageMakerProjectId":"', ref('SageMakerProjectId'),
        '","AlarmEmail":"', ref('AlarmEmail'), '"}']],
    });
  });

  test('the roles the target accounts trust by ARN are named after the id, under the given role path', () => {
    for (const kind of ['deploy-pipeline', 'smoke-test-build']) {
      template.hasResourceProperties('AWS::IAM::Role', { RoleName: { 'Fn::Join': ['', ['sagemaker-', ref('SageMakerProjectId'), `-${kind}`]] }, Path: PROJECT_ROLE_PATH });
    }
  });

  test('with both stages in target accounts, the project account has no deploy role, no model role and no MODEL_EXECUTION_ROLE_ARN', () => {
    const roles = Object.values(template.findResources('AWS::IAM::Role')).map((r) => JSON.stringify(r.Properties.AssumeRolePolicyDocument));
    expect(roles.filter((trust) => trust.includes('cloudformation.amazonaws.com'))).toEqual([]);
    expect(roles.filter((trust) => trust.includes('sagemaker.amazonaws.com'))).toHaveLength(1); // the SageMaker pipeline role of the test's own
    expect(Object.keys(template.findResources('AWS::IAM::Role')).filter((id) => /ModelExecutionRole|EndpointDeployRole|BatchModelRole/.test(id))).toEqual([]);
    for (const project of Object.values(template.findResources('AWS::CodeBuild::Project'))) {
      expect(((project.Properties.Environment.EnvironmentVariables ?? []) as Array<{ Name: string }>).map((v) => v.Name)).not.toContain('MODEL_EXECUTION_ROLE_ARN');
    }
  });

  test('the release carries each target template, named after its own parameters, not the project template\'s', () => {
    const check = Object.values(template.findResources('AWS::CodeBuild::Project')).find((p: Json) => JSON.stringify(p.Properties.Source.BuildSpec).includes('target-222222222222')) as Json;
    const encoded = /([A-Za-z0-9+/=]{200,})/.exec(JSON.stringify(check.Properties.Source.BuildSpec))![1];
    const target = JSON.parse(zlib.gunzipSync(Buffer.from(encoded, 'base64')).toString());
    expect(Object.keys(target.Parameters)).toEqual(['SageMakerProjectName', 'SageMakerProjectId', 'AlarmEmail']);
    expect(JSON.stringify(target)).not.toContain('p-2uni326u2jrp');
  });
});
