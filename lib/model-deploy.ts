import { ArnFormat, Aspects, Duration, Stack } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { ProjectPipelineProps } from './project-pipeline-props';
import { DEPLOYMENT_STAGES, DeploymentStage } from './project-names';
import { PassRoleOnlyTo } from './private/pass-role-condition';
import { grantPassRole, grantSageMakerLogging, SAGEMAKER_SERVICE, sageMakerArn } from './private/iam';

/** Name of the deploy pipeline's variable that carries the model package to deploy. */
export const MODEL_PACKAGE_ARN_VARIABLE = 'ModelPackageArn';
/**
 * Value of {@link MODEL_PACKAGE_ARN_VARIABLE} when a run was not started for a given package
 * (a commit to the deploy repository): the build then deploys the newest approved package.
 * CodePipeline variables cannot default to an empty string.
 */
export const LATEST_APPROVED = 'latest';
/** Namespace of the deploy build action's exported variables. */
export const BUILD_VARIABLES_NAMESPACE = 'BuildVariables';

/** Properties of {@link ModelDeploy}. */
export interface ModelDeployProps extends ProjectPipelineProps {
  /**
   * Whether promotion to production waits for a person's approval.
   * @default true
   */
  readonly manualApproval?: boolean;
}

/**
 * Model deployment: a CodePipeline that deploys the approved model to a staging endpoint,
 * tests it for real, waits for approval and deploys it to production.
 *
 * Runs for a given model package (the `ModelPackageArn` variable, set by the model approval
 * trigger) or, on a commit to the deploy repository, for the newest approved package. When no
 * package is approved yet the build says so and both deploy stages are skipped: the run is green.
 */
export class ModelDeploy extends Construct {
  /** Role the endpoints' models run as. */
  public readonly modelExecutionRole: iam.IRole;
  /** Role CloudFormation assumes to deploy the endpoint stacks. */
  public readonly deployRole: iam.IRole;
  /** CodeBuild project that resolves the model package and synthesizes the endpoint stacks. */
  public readonly buildProject: codebuild.IProject;
  /** CodeBuild project that smoke-tests the staging endpoint. */
  public readonly testProject: codebuild.IProject;
  /** The deploy CodePipeline. */
  public readonly pipeline: codepipeline.Pipeline;

  constructor(scope: Construct, id: string, props: ModelDeployProps) {
    super(scope, id);
    const { names, bucket, key } = props;

    // The models' own role: read their artifacts, write data capture, log.
    const modelRole = new iam.Role(this, 'ModelExecutionRole', {
      assumedBy: new iam.ServicePrincipal(SAGEMAKER_SERVICE),
      description: `Models of the ${names.pipelineName} endpoints`,
    });
    bucket.grantRead(modelRole, `${names.pipelineName}/*`);
    bucket.grantPut(modelRole, 'datacapture-*');
    key.grantEncryptDecrypt(modelRole);
    grantSageMakerLogging(modelRole, this, ['/aws/sagemaker/Endpoints']);
    this.modelExecutionRole = modelRole;

    const packageArns = [
      sageMakerArn(this, 'model-package-group', names.pipelineNameInArn),
      sageMakerArn(this, 'model-package', `${names.pipelineNameInArn}/*`),
    ];
    const endpointArns = DEPLOYMENT_STAGES.map((s) => sageMakerArn(this, 'endpoint', names.endpointNameInArn(s)));
    const projectTagged = { StringEquals: { 'aws:ResourceTag/sagemaker:project-id': names.projectId } };

    this.deployRole = this.createDeployRole(props, modelRole, packageArns, endpointArns);

    const commonEnv: Record<string, codebuild.BuildEnvironmentVariable> = {
      SAGEMAKER_PROJECT_NAME: { value: names.projectName },
      SAGEMAKER_PROJECT_ID: { value: names.projectId },
      MODEL_PACKAGE_GROUP_NAME: { value: names.modelPackageGroupName },
      MODEL_EXECUTION_ROLE_ARN: { value: modelRole.roleArn },
      ARTIFACT_BUCKET: { value: bucket.bucketName },
      KMS_KEY_ARN: { value: key.keyArn },
      PROJECT_TAGS: { value: JSON.stringify(props.projectTags) },
    };
    const environment: codebuild.BuildEnvironment = {
      buildImage: codebuild.LinuxBuildImage.STANDARD_7_0,
      computeType: codebuild.ComputeType.SMALL,
    };

    const buildProject = new codebuild.PipelineProject(this, 'BuildProject', {
      projectName: names.modelDeployName,
      description: `Resolves the approved model of ${names.modelPackageGroupName} and synthesizes its endpoint stacks`,
      buildSpec: codebuild.BuildSpec.fromSourceFilename('buildspec.yml'),
      environment,
      encryptionKey: key,
      timeout: Duration.minutes(30),
      environmentVariables: commonEnv,
    });
    buildProject.addToRolePolicy(new iam.PolicyStatement({
      sid: 'ResolveModelPackage',
      actions: ['sagemaker:DescribeModelPackage', 'sagemaker:DescribeModelPackageGroup'],
      resources: packageArns,
    }));
    buildProject.addToRolePolicy(new iam.PolicyStatement({
      sid: 'ListModelPackages',
      // ListModelPackages has no resource type in IAM; it can only be granted on '*'.
      actions: ['sagemaker:ListModelPackages'],
      resources: ['*'],
    }));
    this.buildProject = buildProject;

    const testProject = new codebuild.PipelineProject(this, 'TestProject', {
      projectName: names.testingName,
      description: `Smoke-tests the endpoint ${names.endpointName('staging')}`,
      buildSpec: codebuild.BuildSpec.fromSourceFilename('test-buildspec.yml'),
      environment,
      encryptionKey: key,
      timeout: Duration.minutes(30),
      environmentVariables: { ...commonEnv, ENDPOINT_NAME: { value: names.endpointName('staging') } },
    });
    testProject.addToRolePolicy(new iam.PolicyStatement({
      sid: 'InvokeStagingEndpoint',
      actions: ['sagemaker:DescribeEndpoint', 'sagemaker:InvokeEndpoint'],
      resources: [sageMakerArn(this, 'endpoint', names.endpointNameInArn('staging'))],
      conditions: projectTagged,
    }));
    this.testProject = testProject;

    const source = new codepipeline.Artifact('SourceArtifact');
    const built = new codepipeline.Artifact('BuildArtifact');
    const modelPackageArn = new codepipeline.Variable({
      variableName: MODEL_PACKAGE_ARN_VARIABLE,
      defaultValue: LATEST_APPROVED,
      description: `Model package to deploy; '${LATEST_APPROVED}' deploys the newest approved one`,
    });

    const deploy = (stage: DeploymentStage, runOrder: number) => new actions.CloudFormationCreateUpdateStackAction({
      actionName: `Deploy${stage === 'staging' ? 'Staging' : 'Prod'}Endpoint`,
      stackName: names.deployStackName(stage),
      templatePath: built.atPath(`${stage}.template.json`),
      templateConfiguration: built.atPath(`${stage}.config.json`),
      adminPermissions: false,
      deploymentRole: this.deployRole,
      // A stack whose first creation failed is replaced instead of blocking every later run.
      replaceOnFailure: true,
      runOrder,
    });
    // Deploy stages are entered only when the build resolved a package; otherwise they are
    // skipped and the run stays green (a new project has nothing approved yet).
    const onlyWithModel = (stage: string): codepipeline.Conditions => ({
      conditions: [{
        result: codepipeline.Result.SKIP,
        rules: [new codepipeline.Rule({
          name: `${stage}HasModel`,
          provider: 'VariableCheck',
          version: '1',
          configuration: {
            Variable: `#{${BUILD_VARIABLES_NAMESPACE}.DEPLOY}`,
            Value: 'true',
            Operator: 'EQ',
          },
        })],
      }],
    });

    const stagingActions: codepipeline.IAction[] = [
      deploy('staging', 1),
      new actions.CodeBuildAction({
        actionName: 'TestStaging',
        project: testProject,
        input: source,
        runOrder: 2,
      }),
    ];
    if (props.manualApproval ?? true) {
      stagingActions.push(new actions.ManualApprovalAction({
        actionName: 'ApproveDeployment',
        additionalInformation: 'Approve this model for Production',
        runOrder: 3,
      }));
    }

    this.pipeline = new codepipeline.Pipeline(this, 'Pipeline', {
      pipelineName: names.modelDeployName,
      pipelineType: codepipeline.PipelineType.V2,
      artifactBucket: bucket,
      restartExecutionOnUpdate: false,
      // One role per pipeline, not one per action.
      usePipelineRoleForActions: true,
      variables: [modelPackageArn],
      stages: [
        {
          stageName: 'Source',
          actions: [new actions.CodeCommitSourceAction({
            actionName: 'ModelDeployCode',
            repository: props.repository,
            branch: props.branch,
            output: source,
            trigger: actions.CodeCommitTrigger.NONE,
          })],
        },
        {
          stageName: 'Build',
          actions: [new actions.CodeBuildAction({
            actionName: 'BuildEndpointStacks',
            project: buildProject,
            input: source,
            outputs: [built],
            variablesNamespace: BUILD_VARIABLES_NAMESPACE,
            environmentVariables: {
              MODEL_PACKAGE_ARN: { value: modelPackageArn.reference() },
            },
          })],
        },
        { stageName: 'DeployStaging', actions: stagingActions, beforeEntry: onlyWithModel('Staging') },
        { stageName: 'DeployProd', actions: [deploy('prod', 1)], beforeEntry: onlyWithModel('Prod') },
      ],
    });

    // The CloudFormation actions pass the deploy role to CloudFormation, and only there.
    Aspects.of(this).add(new PassRoleOnlyTo(this.deployRole, 'cloudformation.amazonaws.com'));

    props.repository.onCommit('CommitRule', {
      ruleName: names.codeRuleName,
      description: `Runs ${names.modelDeployName} on every commit to ${props.branch}`,
      branches: [props.branch],
      target: new targets.CodePipeline(this.pipeline, { eventRole: props.eventsRole }),
    });
  }

  private createDeployRole(
    props: ModelDeployProps,
    modelRole: iam.IRole,
    packageArns: string[],
    endpointArns: string[],
  ): iam.Role {
    const { names, key } = props;
    const stack = Stack.of(this);
    const role = new iam.Role(this, 'EndpointDeployRole', {
      assumedBy: new iam.ServicePrincipal('cloudformation.amazonaws.com'),
      description: `CloudFormation deploying the ${names.pipelineName} endpoint stacks`,
    });
    const requestTagged = { StringEquals: { 'aws:RequestTag/sagemaker:project-id': names.projectId } };
    const resourceTagged = { StringEquals: { 'aws:ResourceTag/sagemaker:project-id': names.projectId } };
    // Models and endpoint configurations get names from CloudFormation (a blue/green update
    // replaces them); the project-id tag, required at creation, is what scopes them.
    const modelsAndConfigs = [sageMakerArn(this, 'model', '*'), sageMakerArn(this, 'endpoint-config', '*')];
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'CreateTaggedModelsAndEndpoints',
      actions: ['sagemaker:CreateModel', 'sagemaker:CreateEndpointConfig', 'sagemaker:CreateEndpoint', 'sagemaker:AddTags'],
      resources: [...modelsAndConfigs, ...endpointArns],
      conditions: requestTagged,
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ManageProjectModelsAndEndpoints',
      actions: [
        'sagemaker:DescribeModel', 'sagemaker:DeleteModel',
        'sagemaker:DescribeEndpointConfig', 'sagemaker:DeleteEndpointConfig',
        'sagemaker:DescribeEndpoint', 'sagemaker:UpdateEndpoint', 'sagemaker:DeleteEndpoint',
        // Application Auto Scaling sets the prod variant's instance count with the caller's rights.
        'sagemaker:UpdateEndpointWeightsAndCapacities',
        'sagemaker:ListTags', 'sagemaker:DeleteTags',
      ],
      resources: [...modelsAndConfigs, ...endpointArns],
      conditions: resourceTagged,
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ReadModelPackages',
      actions: ['sagemaker:DescribeModelPackage'],
      resources: packageArns,
    }));
    grantPassRole(role, modelRole, SAGEMAKER_SERVICE);
    // Endpoint volumes and data capture are encrypted with the project key.
    key.grant(role, 'kms:CreateGrant', 'kms:DescribeKey');

    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'EndpointAlarms',
      actions: [
        'cloudwatch:PutMetricAlarm', 'cloudwatch:DeleteAlarms',
        'cloudwatch:TagResource', 'cloudwatch:UntagResource', 'cloudwatch:ListTagsForResource',
      ],
      // CloudFormation names alarms `<stack name>-<logical id>-<suffix>`; target tracking names
      // its alarms `TargetTracking-endpoint/<endpoint>/...`.
      resources: [
        ...DEPLOYMENT_STAGES.map((s) => `${names.deployStackName(s)}-*`),
        ...DEPLOYMENT_STAGES.map((s) => `TargetTracking-endpoint/${names.endpointName(s)}/*`),
      ].map((resourceName) => stack.formatArn({
        service: 'cloudwatch',
        resource: 'alarm',
        resourceName,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      })),
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'EndpointAutoScaling',
      actions: [
        'application-autoscaling:RegisterScalableTarget', 'application-autoscaling:DeregisterScalableTarget',
        'application-autoscaling:PutScalingPolicy', 'application-autoscaling:DeleteScalingPolicy',
        'application-autoscaling:TagResource',
      ],
      resources: [stack.formatArn({ service: 'application-autoscaling', resource: 'scalable-target', resourceName: '*' })],
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'DescribeAutoScaling',
      // Application Auto Scaling's Describe* actions have no resource type: '*' only.
      actions: [
        'application-autoscaling:DescribeScalableTargets', 'application-autoscaling:DescribeScalingPolicies',
        'application-autoscaling:DescribeScalingActivities', 'cloudwatch:DescribeAlarms',
      ],
      resources: ['*'],
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'AutoScalingServiceLinkedRole',
      actions: ['iam:CreateServiceLinkedRole'],
      resources: [stack.formatArn({
        service: 'iam',
        region: '',
        resource: 'role',
        resourceName: 'aws-service-role/sagemaker.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint',
      })],
      conditions: { StringEquals: { 'iam:AWSServiceName': 'sagemaker.application-autoscaling.amazonaws.com' } },
    }));
    return role;
  }
}
