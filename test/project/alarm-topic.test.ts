import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { parseProjectConfig } from '../../lib/config/project-config';
import { SageMakerProject } from '../../lib/project/sagemaker-project';
import { StudioTemplateLocation, studioTemplateApp } from '../../lib/studio/studio-template-stack';
import { projectTemplate, testApp } from '../support/app';
import { ConfigError } from '../../lib/contract/errors';
import { ProjectNames } from '../../lib/contract/names';
import { AlarmTopic } from '../../lib/project/alarm-topic';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- fragments of synthesized templates
type Json = any;

const ID = 'p-2uni326u2jrp';
const PREFIX = `sagemaker-mlops-demo-${ID}`;

/** An ARN of this stack's account and region, as aws-cdk-lib's formatArn renders it. */
const arn = (service: string, rest: string) => ({
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:${service}:`, { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, rest]],
});
/** The alarms of the two endpoint stacks: CloudFormation names them `<stack name>-<logical id>-<suffix>`. */
const ENDPOINT_STACK_ALARMS = [arn('cloudwatch', `:alarm:${PREFIX}-deploy-staging-*`), arn('cloudwatch', `:alarm:${PREFIX}-deploy-prod-*`)];

const sorted = (values: unknown[]) => [...values].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

function topicId(template: Template): string {
  const [id] = Object.keys(template.findResources('AWS::SNS::Topic'));
  return id;
}

describe('the alarm topic, default configuration', () => {
  // GIVEN
  const template = projectTemplate({ projectId: ID });

  test('is sagemaker-<name>-<id>-alarms, encrypted with the project key, deleted with the project', () => {
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.hasResource('AWS::SNS::Topic', {
      Properties: {
        TopicName: `${PREFIX}-alarms`,
        KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ProjectArtifactStoreKey'), 'Arn'] },
        Tags: Match.arrayWith([{ Key: 'sagemaker:project-id', Value: ID }]),
      },
      DeletionPolicy: 'Delete',
      UpdateReplacePolicy: 'Delete',
    });
  });

  test('takes only TLS publishing, from CloudWatch only for this account\'s endpoint stack alarms, from EventBridge only for its batch failure rules', () => {
    const topic = { Ref: topicId(template) };
    template.resourceCountIs('AWS::SNS::TopicPolicy', 1);
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [topic],
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'AllowPublishThroughSSLOnly',
            Effect: 'Deny',
            Principal: '*',
            Action: 'sns:Publish',
            Resource: topic,
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          },
          {
            Sid: 'EndpointAlarmsPublish',
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Resource: topic,
            Condition: {
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              ArnLike: { 'aws:SourceArn': ENDPOINT_STACK_ALARMS },
            },
          },
          {
            // The batch stages' failed-run rules (the deploy seed's "inference": "batch").
            Sid: 'BatchFailedRunsPublish',
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Action: 'sns:Publish',
            Resource: topic,
            Condition: {
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              ArnEquals: { 'aws:SourceArn': [arn('events', ':rule/mlops-demo-staging-batch-failed'), arn('events', ':rule/mlops-demo-prod-batch-failed')] },
            },
          },
        ],
      },
    });
  });

  test('the project key lets CloudWatch encrypt for this topic only, for those alarms only', () => {
    const [key] = Object.values(template.findResources('AWS::KMS::Key'));
    const statements = (key.Properties.KeyPolicy.Statement as Array<{ Principal?: { Service?: unknown } }>)
      .filter((s) => JSON.stringify(s.Principal).includes('cloudwatch.amazonaws.com'));
    expect(statements).toEqual([{
      Sid: 'EndpointAlarmsTopic',
      Effect: 'Allow',
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      Resource: '*',
      Condition: {
        StringEquals: {
          'aws:SourceAccount': { Ref: 'AWS::AccountId' },
          // The name, not a Ref: the topic refers to the key, so the key cannot refer to the topic.
          'kms:EncryptionContext:aws:sns:topicArn': arn('sns', `:${PREFIX}-alarms`),
        },
        ArnLike: { 'aws:SourceArn': ENDPOINT_STACK_ALARMS },
      },
    }]);
  });

  test('is deleted with the project when data is retained too (the default): it holds no data', () => {
    template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain' });
    template.hasResource('AWS::SNS::Topic', { DeletionPolicy: 'Delete' });
  });

  test('has no subscription', () => {
    template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  test('reaches the deploy build as ALARM_TOPIC_ARN, and is a stack output', () => {
    template.hasResourceProperties('AWS::CodeBuild::Project', {
      Name: `${PREFIX}-modeldeploy`,
      Environment: Match.objectLike({
        EnvironmentVariables: Match.arrayWith([{ Name: 'ALARM_TOPIC_ARN', Type: 'PLAINTEXT', Value: { Ref: topicId(template) } }]),
      }),
    });
    template.hasOutput('AlarmTopicArn', { Value: { Ref: topicId(template) } });
  });

  test.each([
    ['staging', 'ProjectModelDeployStagingEndpointDeployRole'],
    ['prod', 'ProjectModelDeployEndpointDeployRole'],
  ])('the %s endpoint deploy role may give its stack\'s alarms no other action than this topic', (stage, rolePrefix) => {
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => (p.Properties.Roles as Array<{ Ref: string }>).some((r) => r.Ref.startsWith(rolePrefix)))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Array<{ Sid?: string; Action: unknown; Resource: unknown; Condition?: unknown }>)
      .filter((s) => ([] as unknown[]).concat(s.Action).includes('cloudwatch:PutMetricAlarm'))
      // aws-cdk-lib sorts a statement's resources; compare them as a set.
      .map((s) => ({ ...s, Resource: sorted(([] as unknown[]).concat(s.Resource)) }));
    expect(statements).toEqual([
      {
        Sid: 'EndpointStackAlarmsNotifyProjectTopic',
        Effect: 'Allow',
        Action: 'cloudwatch:PutMetricAlarm',
        Resource: [arn('cloudwatch', `:alarm:${PREFIX}-deploy-${stage}-*`)],
        // Or, for the wake-up alarm of a stage that scales to zero, a step policy of its inference component.
        Condition: { 'ForAllValues:StringLike': { 'cloudwatch:AlarmActions': [
          { Ref: topicId(template) },
          `arn:*:autoscaling:*:*:scalingPolicy:*:resource/sagemaker/inference-component/mlops-demo-${stage}-model:policyName/*`,
        ] } },
      },
      {
        Sid: 'TargetTrackingAlarms',
        Effect: 'Allow',
        Action: 'cloudwatch:PutMetricAlarm',
        Resource: sorted([
          arn('cloudwatch', `:alarm:TargetTracking-endpoint/mlops-demo-${stage}/*`),
          arn('cloudwatch', `:alarm:TargetTracking-inference-component/mlops-demo-${stage}-model-*`),
        ]),
      },
    ]);
  });
});

describe('the alarm topic, configured', () => {
  test('alarmEmail subscribes that address by e-mail', () => {
    // GIVEN the topic alone on a bare stack
    const stack = new Stack(testApp({ bundle: true }), 'Stack');
    const topic = new AlarmTopic(stack, 'AlarmTopic', { names: new ProjectNames('mlops-demo', ID), key: new kms.Key(stack, 'Key'), email: 'ml-team@example.com' });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::SNS::Subscription', 1);
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ml-team@example.com',
      TopicArn: { Ref: stack.getLogicalId(topic.topic.node.defaultChild as sns.CfnTopic) },
    });
  });

  test('fails when the construct is given a bad alarmEmail directly, as the configuration would', () => {
    const create = () => new SageMakerProject(new Stack(new App(), 'Direct'), 'Project', { projectName: 'churn', projectId: ID, alarmEmail: 'ml-team' });
    expect(create).toThrow(ConfigError);
    expect(create).toThrow("`alarmEmail` must be one e-mail address, like name@example.com; got 'ml-team'");
  });
});

describe('the alarm topic in a Studio template', () => {
  /** The S3 Studio template (the same body as the Service Catalog product). */
  function studioTemplate(config: Record<string, unknown> = {}) {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'alarm-studio-'));
    const parsed = parseProjectConfig(config, { templateOnly: true });
    const app = testApp({ outdir });
    const stacks = studioTemplateApp(app, parsed, new StudioTemplateLocation('templates-bucket', 'templates/', parsed.productVersion));
    return app.synth().getStackByName(stacks.template.stackName).template;
  }
  /** The default configuration's template, synthesized once (on first use: a failing synthesis fails only the tests that need it). */
  let defaultTemplate: Json | undefined;
  const defaultStudioTemplate = (): Json => (defaultTemplate ??= studioTemplate());
  const parameterPattern = (template: Json) => new RegExp(template.Parameters.AlarmEmail.AllowedPattern);

  test('takes the address as the optional AlarmEmail parameter and subscribes it only when it is not empty', () => {
    // GIVEN nothing configured
    const json = defaultStudioTemplate();
    const template = Template.fromJSON(json);
    // THEN
    template.hasParameter('AlarmEmail', { Type: 'String', Default: '', MaxLength: 254 });
    expect(json.Metadata.SagemakerTemplateParameterRules.AlarmEmail).toEqual({ Optional: true });
    const [[conditionId, condition]] = Object.entries(json.Conditions as Json).filter(([id]) => /EmailGiven/.test(id));
    expect(condition).toEqual({ 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'AlarmEmail' }, ''] }] });
    template.hasResource('AWS::SNS::Subscription', {
      Condition: conditionId,
      Properties: { Protocol: 'email', Endpoint: { Ref: 'AlarmEmail' } },
    });
  });

  test('a configured alarmEmail becomes the parameter\'s default', () => {
    expect(studioTemplate({ alarmEmail: 'ml-team@example.com' }).Parameters.AlarmEmail.Default).toBe('ml-team@example.com');
  });

  test.each([
    'ml-team@example.com', 'first.last+ml@sub.example.co.uk', 'a@b.io',
    'not-an-email', 'ml@localhost', 'a..b@example.com', 'a@example..com', 'ml@example.com, ops@example.com', 'ML <ml@example.com>', ' ml@example.com',
  ])('the parameter and the configuration parser agree on %j', (email) => {
    const pattern = parameterPattern(defaultStudioTemplate());
    let parsed = true;
    try {
      parseProjectConfig({ alarmEmail: email });
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      parsed = false;
    }
    expect(pattern.test(email)).toBe(parsed);
  });

  test('the parameter accepts an empty value (no subscription)', () => {
    expect(parameterPattern(defaultStudioTemplate()).test('')).toBe(true);
  });
});
