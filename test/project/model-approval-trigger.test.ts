import { Match, Template } from 'aws-cdk-lib/assertions';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { ProjectNames } from '../../lib/contract/names';
import { ModelApprovalTrigger } from '../../lib/project/model-approval-trigger';
import { bareStack, ID, NAME, PREFIX } from '../support/project-parts';

/** The trigger alone on a bare stack, with a key, a pipeline role and an (imported) deploy pipeline. */
function triggerTemplate(autoApproveModels?: boolean): { template: Template; pipelineRoleId: string; keyId: string } {
  const stack = bareStack();
  const key = new kms.Key(stack, 'Key');
  const pipelineRole = new iam.Role(stack, 'PipelineRole', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
  new ModelApprovalTrigger(stack, 'ModelApprovalTrigger', {
    names: new ProjectNames(NAME, ID),
    deployPipeline: codepipeline.Pipeline.fromPipelineArn(stack, 'DeployPipeline', `arn:aws:codepipeline:eu-west-1:111111111111:${PREFIX}-modeldeploy`),
    key,
    pipelineRole,
    logs: { key, retention: logs.RetentionDays.ONE_YEAR },
    ...(autoApproveModels === undefined ? {} : { autoApproveModels }),
  });
  // A role made after the trigger is listed all the same (resolved at synthesis).
  new iam.Role(stack, 'LaterRole', { assumedBy: new iam.ServicePrincipal('codebuild.amazonaws.com') });
  return {
    template: Template.fromStack(stack),
    pipelineRoleId: stack.getLogicalId(pipelineRole.node.defaultChild as iam.CfnRole),
    keyId: stack.getLogicalId(key.node.defaultChild as kms.CfnKey),
  };
}

describe('ModelApprovalTrigger, default props', () => {
  const { template, pipelineRoleId, keyId } = triggerTemplate();

  test('start-deploy knows the account, the pipeline role whose approvals do not count, and that they do not', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          PROJECT_ACCOUNT_ID: { Ref: 'AWS::AccountId' },
          SAGEMAKER_PIPELINE_ROLE_ARN: { 'Fn::GetAtt': [pipelineRoleId, 'Arn'] },
          AUTO_APPROVE_MODELS: 'false',
        }),
      },
    });
  });

  test('start-deploy knows every role of the stack, added before or after it (PROJECT_AUTOMATION_ROLES)', () => {
    const roles = Object.keys(template.findResources('AWS::IAM::Role'));
    expect(roles).toEqual(expect.arrayContaining([pipelineRoleId, expect.stringMatching(/^ModelApprovalTriggerFunctionRole/), expect.stringMatching(/^LaterRole/)]));
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ PROJECT_AUTOMATION_ROLES: { 'Fn::Join': [',', roles.map((id) => ({ Ref: id }))] } }) },
    });
  });

  test('rule sagemaker-<name>-<id>-model invokes start-deploy on any non-pending decision of the group', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      Name: `${PREFIX}-model`,
      EventPattern: Match.exact({
        'source': ['aws.sagemaker'],
        'account': [{ Ref: 'AWS::AccountId' }],
        'detail-type': ['SageMaker Model Package State Change'],
        'detail': {
          ModelPackageGroupName: [`${NAME}-${ID}`],
          ModelApprovalStatus: [{ 'anything-but': ['PendingManualApproval'] }],
        },
      }),
      Targets: [Match.objectLike({
        Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ModelApprovalTriggerFunction'), 'Arn'] },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('DeadLetterQueue'), 'Arn'] } },
        RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 7200 },
      })],
    });
  });

  test('start-deploy runs on a pinned Node.js runtime with retries into a KMS-encrypted DLQ', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Environment: {
        Variables: {
          DEPLOY_PIPELINE_NAME: `${PREFIX}-modeldeploy`,
          MODEL_PACKAGE_GROUP_NAME: `${NAME}-${ID}`,
          MODEL_PACKAGE_ARN_VARIABLE: 'ModelPackageArn',
        },
      },
      DeadLetterConfig: { TargetArn: Match.anyValue() },
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 2, Qualifier: '$LATEST' });
    // EventBridge may encrypt dead letters for the queue, for this rule only.
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([{
          Sid: 'EventBridgeDeadLetters',
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
          Resource: '*',
          Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::Join': ['', Match.arrayWith([`:rule/${PREFIX}-model`])] } } },
        }]),
      },
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
      MessageRetentionPeriod: 1209600,
    });
  });

  test('start-deploy may start exactly the deploy pipeline', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({
        Sid: 'StartDeployPipeline', Action: 'codepipeline:StartPipelineExecution',
        Resource: `arn:aws:codepipeline:eu-west-1:111111111111:${PREFIX}-modeldeploy`,
      })]) },
    });
  });
});

describe('ModelApprovalTrigger, configured', () => {
  test('autoApproveModels=true tells start-deploy that the pipeline\'s own approvals deploy', () => {
    const { template } = triggerTemplate(true);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ AUTO_APPROVE_MODELS: 'true' }) },
    });
  });
});
