import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { DEPLOYMENT_STAGES, DeploymentStage } from '../../lib/contract/names';
import { createDeployApp } from '../../seed-code/model-deploy/lib/deploy-app';
import { inferenceComponentName } from '../../seed-code/model-deploy/lib/endpoint-stack';
import { projectApp, testApp } from '../support/app';
import { compliancePacks } from '../support/compliance';

/**
 * The endpoint stacks are defined once, in the deploy seed. These tests put them next to the
 * project stack that deploys them: names, tags and resource types must match what the project's
 * CloudFormation deploy role and testing project are allowed to touch.
 */
const { stack: projectStack } = projectApp({ config: { projectId: 'p-contract1234' } });
const names = projectStack.project.names;
const project = Template.fromStack(projectStack);

const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'endpoints-'));
const { app, stacks } = createDeployApp({
  projectName: names.projectName,
  projectId: names.projectId,
  app: testApp({ outdir, bundle: true }),
});
// createDeployApp attaches cdk-nag's AwsSolutions pack; the HIPAA Security and NIST 800-53 R5 packs
// join it in this one synthesis. A finding of any of them makes synth throw.
Validations.of(app).addPlugins(...compliancePacks(app));
app.synth();

/** What the deploy role must be allowed to do to create each resource type of an endpoint stack. */
const CREATE_ACTION: Record<string, string> = {
  'AWS::SageMaker::Model': 'sagemaker:CreateModel',
  'AWS::SageMaker::EndpointConfig': 'sagemaker:CreateEndpointConfig',
  'AWS::SageMaker::Endpoint': 'sagemaker:CreateEndpoint',
  'AWS::CloudWatch::Alarm': 'cloudwatch:PutMetricAlarm',
  'AWS::ApplicationAutoScaling::ScalableTarget': 'application-autoscaling:RegisterScalableTarget',
  'AWS::ApplicationAutoScaling::ScalingPolicy': 'application-autoscaling:PutScalingPolicy',
  // A stage that scales to zero ("autoscaling": {"minCapacity": 0}).
  'AWS::SageMaker::InferenceComponent': 'sagemaker:CreateInferenceComponent',
};

/** The statements of the role CloudFormation deploys a stage's stack with (one role per stage). */
function deployRoleStatements(stage: DeploymentStage): Array<{ Sid?: string; Action: string | string[] }> {
  const policies = { ...project.findResources('AWS::IAM::Policy'), ...project.findResources('AWS::IAM::ManagedPolicy') };
  const prefix = stage === 'prod' ? 'ProjectModelDeployEndpointDeployRole' : 'ProjectModelDeployStagingEndpointDeployRole';
  return Object.values(policies)
    .filter((p) => ((p.Properties.Roles ?? []) as Array<{ Ref: string }>).some((r) => r.Ref.startsWith(prefix)))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Array<{ Sid?: string; Action: string | string[] }>);
}

function deployRoleActions(stage: DeploymentStage): string[] {
  return deployRoleStatements(stage).flatMap((s) => ([] as string[]).concat(s.Action));
}

describe.each(DEPLOYMENT_STAGES)('the %s endpoint stack of the deploy seed', (stage) => {
  const endpointStack = stacks[stage];
  const template = Template.fromStack(endpointStack);

  test('has the name the deploy pipeline deploys and the teardown deletes', () => {
    expect(endpointStack.stackName).toBe(names.deployStackName(stage));
  });

  test('names its endpoint <name>-<stage>, which the testing project and deploy role are scoped to', () => {
    template.hasResourceProperties('AWS::SageMaker::Endpoint', { EndpointName: names.endpointName(stage) });
  });

  test('names the inference component of a scale-to-zero stage as the deploy role expects', () => {
    expect(inferenceComponentName(names.endpointName(stage))).toBe(names.inferenceComponentName(stage));
    expect(deployRoleActions(stage)).toContain(CREATE_ACTION['AWS::SageMaker::InferenceComponent']);
  });

  test('creates only resource types the deploy role may create', () => {
    const types = [...new Set(Object.values(template.toJSON().Resources as Record<string, { Type: string }>).map((r) => r.Type))];
    expect(types.filter((t) => !(t in CREATE_ACTION))).toEqual([]);
    const allowed = deployRoleActions(stage);
    expect(types.map((t) => CREATE_ACTION[t]).filter((a) => !allowed.includes(a))).toEqual([]);
  });

  test('tags SageMaker resources with the project id the deploy role requires', () => {
    for (const type of ['AWS::SageMaker::Model', 'AWS::SageMaker::EndpointConfig', 'AWS::SageMaker::Endpoint']) {
      for (const resource of Object.values(template.findResources(type))) {
        expect({ type, tags: resource.Properties.Tags }).toEqual({
          type,
          tags: expect.arrayContaining([{ Key: 'sagemaker:project-id', Value: names.projectId }]),
        });
      }
    }
  });

  test('lets CloudFormation name its alarms, inside the deploy role\'s alarm scope', () => {
    for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties.AlarmName).toBeUndefined();
    }
  });

  test('has its alarms notify only the AlarmTopicArn parameter, which the project\'s topic policy and deploy role expect', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms.length).toBeGreaterThan(0);
    for (const alarm of alarms) {
      const actions = [alarm.Properties.AlarmActions, alarm.Properties.OKActions, alarm.Properties.InsufficientDataActions ?? []].flat();
      expect(actions.length).toBeGreaterThan(0);
      expect(actions.every((a) => JSON.stringify(a) === JSON.stringify({ Ref: 'AlarmTopicArn' }))).toBe(true);
    }
    // The topic admits CloudWatch only for alarms named after these stacks (CloudFormation's
    // `<stack name>-<logical id>-<suffix>`), and the deploy role sets only the topic as an action.
    const policy = JSON.stringify(project.findResources('AWS::SNS::TopicPolicy'));
    expect(policy).toContain(`:alarm:${endpointStack.stackName}-*`);
    const deployRole = JSON.stringify(deployRoleStatements(stage).filter((s) => s.Sid === 'EndpointStackAlarmsNotifyProjectTopic'));
    expect(deployRole).toContain(`:alarm:${endpointStack.stackName}-*`);
    expect(deployRole).toContain('cloudwatch:AlarmActions');
  });

  test('has no assets and no bootstrap version check, so a CloudFormation action deploys it as is', () => {
    const json = template.toJSON();
    expect(json.Parameters?.BootstrapVersion).toBeUndefined();
    expect(json.Rules?.CheckBootstrapVersion).toBeUndefined();
    expect(fs.readdirSync(outdir).filter((f) => f.startsWith('asset.'))).toEqual([]);
  });
});

// cfn-lint on the endpoint templates is the deploy seed's own test (seed-code/model-deploy/test/cdk-cli.test.ts:
// the same stacks from the shipped config/, with the shipped variants and the ones they do not exercise).
