import { IAspect, Stack, Validations } from 'aws-cdk-lib/core';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';
import { dlcRegistryAccounts } from './dlc-registries';
import { ECR_PULL_ACTIONS } from './iam';

/** A kind of IAM wildcard the project accepts, and why. */
export interface WildcardReason {
  /** Matches cdk-nag's finding text (`Action::s3:List*`, `Resource::arn:...:model/*`). */
  readonly finding: RegExp;
  /** Why the wildcard is needed and what keeps it scoped; shown to reviewers. */
  readonly reason: string;
  /**
   * For an action wildcard: the resources it is accepted on, rendered as in findings without the
   * `Resource::` prefix (`<BucketF00D1234.Arn>/*`). The wildcard is acknowledged on a policy only
   * when every statement of that policy holding it names nothing but such resources.
   * @default - accepted on any resource (resource wildcards are reviewed on their own)
   */
  readonly resources?: RegExp;
  /**
   * For a resource wildcard: the only actions it is accepted with. The wildcard is acknowledged on
   * a policy only when every statement of that policy naming it holds nothing but these actions.
   * @default - accepted with any action
   */
  readonly actions?: readonly string[];
}

/**
 * Actions that have no resource type in IAM (they can only be granted on `*`). A statement on
 * `*` is acknowledged only when all of its actions are in this list.
 */
const ACTIONS_WITHOUT_RESOURCE_TYPES = new Set([
  'sagemaker:ListModelPackages',
  'sagemaker:ListTransformJobs',
  'cloudwatch:PutMetricData',
  'cloudwatch:DescribeAlarms',
  'application-autoscaling:DescribeScalableTargets',
  'application-autoscaling:DescribeScalingPolicies',
  'application-autoscaling:DescribeScalingActivities',
  'cloudformation:ListStacks',
  'servicecatalog:ListPortfolios',
  'kms:CreateKey',
  'ecr:GetAuthorizationToken',
]);

/**
 * aws-cdk-lib's grant for Step Functions logging: the CloudWatch Logs vended-log-delivery APIs
 * accept only '*', and the grant puts the stream actions in the same statement.
 */
const STEP_FUNCTIONS_LOG_DELIVERY = new Set([
  'logs:CreateLogDelivery', 'logs:CreateLogStream', 'logs:DeleteLogDelivery', 'logs:DescribeLogGroups',
  'logs:DescribeResourcePolicies', 'logs:GetLogDelivery', 'logs:ListLogDeliveries', 'logs:PutLogEvents',
  'logs:PutResourcePolicy', 'logs:UpdateLogDelivery',
]);

type Statement = { Effect?: string; Action?: unknown; Resource?: unknown; Condition?: unknown };

/**
 * Acknowledges cdk-nag's AwsSolutions-IAM5 findings (wildcards in IAM policies) of this project,
 * one finding at a time, with a reason per kind of wildcard. A wildcard that matches no reason
 * stays unacknowledged and fails the cdk-nag test: new wildcards need a reviewed reason.
 */
export class AcknowledgeWildcards implements IAspect {
  constructor(private readonly reasons: readonly WildcardReason[]) {}

  public visit(node: IConstruct): void {
    if (!(node instanceof iam.CfnPolicy || node instanceof iam.CfnManagedPolicy)) return;
    const document = Stack.of(node).resolve(node.policyDocument) as { Statement?: Statement[] };
    const acknowledged = new Set<string>();
    // Each wildcard is judged over every statement of the policy that holds it: one statement
    // outside what its reason allows (other resources, other actions) keeps it unacknowledged.
    const verdicts = new Map<string, WildcardReason | undefined>();
    const judge = (finding: string, allowed: (reason: WildcardReason) => boolean) => {
      const reason = this.reasons.find((r) => r.finding.test(finding));
      const previous = verdicts.has(finding) ? verdicts.get(finding) : reason;
      verdicts.set(finding, reason && allowed(reason) ? previous : undefined);
    };
    for (const statement of document.Statement ?? []) {
      if (statement.Effect !== 'Allow') continue;
      const actions = ([] as unknown[]).concat(statement.Action ?? []).map(String);
      const resources = ([] as unknown[]).concat(statement.Resource ?? []).map(flatten);
      for (const action of actions.filter((a) => a.includes('*'))) {
        judge(`Action::${action}`, (r) => resources.every((resource) => r.resources?.test(resource) ?? true));
      }
      for (const resource of resources) {
        if (!resource.includes('*')) continue;
        if (resource === '*') {
          if (actions.every((a) => ACTIONS_WITHOUT_RESOURCE_TYPES.has(a))) {
            this.ackOnce(node, 'Resource::*', acknowledged,
              `Only actions without resource-level permissions (${actions.join(', ')}); IAM accepts nothing but '*' for them`);
          } else if (actions.every((a) => STEP_FUNCTIONS_LOG_DELIVERY.has(a))) {
            this.ackOnce(node, 'Resource::*', acknowledged,
              "aws-cdk-lib's Step Functions logging grant: CloudWatch Logs vended log delivery accepts only '*'");
          }
          continue;
        }
        judge(`Resource::${resource}`, (r) => actions.every((action) => r.actions?.includes(action) ?? true));
      }
    }
    for (const [finding, reason] of verdicts) {
      if (reason) this.ackOnce(node, finding, acknowledged, reason.reason);
    }
  }

  private ackOnce(node: IConstruct, finding: string, done: Set<string>, reason: string): void {
    if (done.has(finding)) return;
    done.add(finding);
    Validations.of(node).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason });
  }
}

/**
 * Renders a resolved CloudFormation value the way cdk-nag names it in findings
 * (`arn:<AWS::Partition>:...`, `<Bucket.Arn>/*`, an IAM policy variable `${aws:X}` as `<aws:X>`).
 */
export function flatten(value: unknown): string {
  if (typeof value === 'string') return value.replace(/\$\{([^}]+)\}/g, '<$1>');
  if (value && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if (typeof v.Ref === 'string') return `<${v.Ref}>`;
    const getAtt = v['Fn::GetAtt'];
    if (Array.isArray(getAtt)) return `<${getAtt.join('.')}>`;
    const join = v['Fn::Join'];
    if (Array.isArray(join) && Array.isArray(join[1])) return join[1].map(flatten).join(String(join[0]));
  }
  return JSON.stringify(value);
}

/**
 * The project's artifact (data) bucket, CodePipeline artifact buckets and KMS key as findings render
 * them: logical ids that CDK derives from the construct paths Project/ArtifactStore/{Bucket,
 * PipelineArtifacts,BuildPipelineArtifacts,Key} plus an 8-digit hash. Naming the logical id (not
 * any `<X.Arn>`) keeps another bucket or key from being filed under the project's.
 */
const ARTIFACT_BUCKET = String.raw`<ProjectArtifactStoreBucket[0-9A-F]{8}\.Arn>`;
const PIPELINE_ARTIFACTS_BUCKET = String.raw`<ProjectArtifactStore(Build)?PipelineArtifacts[0-9A-F]{8}\.Arn>`;
const ARTIFACT_KEY = String.raw`<ProjectArtifactStoreKey[0-9A-F]{8}\.Arn>`;
/** A key prefix: literal segments or CloudFormation references (project name and id), no wildcard. */
const PREFIX = String.raw`(\/[\w.<>-]+)*`;
/** The project's endpoint stacks, `sagemaker-<name>-<id>-deploy-<stage>`, any stack id. */
const ENDPOINT_STACKS = String.raw`arn:<AWS::Partition>:cloudformation:<AWS::Region>:<AWS::AccountId>:stack\/sagemaker-[^*/]+-deploy-(staging|prod)\/\*`;

/** The wildcards of a SageMaker project, each with the reason it is needed. */
export const PROJECT_WILDCARD_REASONS: readonly WildcardReason[] = [
  {
    finding: /^Action::s3:(Abort\*|DeleteObject\*|GetBucket\*|GetObject\*|List\*)$/,
    resources: new RegExp(`^(${ARTIFACT_BUCKET}(${PREFIX}\\/[\\w.-]*\\*)?|${PIPELINE_ARTIFACTS_BUCKET}(\\/\\*)?)$`),
    reason: "aws-cdk-lib's bucket grant action groups, on the project's own artifact and pipeline artifact buckets only",
  },
  {
    finding: /^Action::kms:(GenerateDataKey\*|ReEncrypt\*)$/,
    resources: new RegExp(`^${ARTIFACT_KEY}$`),
    reason: "aws-cdk-lib's key grant action groups, on the project's own KMS key only",
  },
  {
    // Prefixes may hold the project's name and id as CloudFormation parameters (<Param>).
    finding: new RegExp(`^Resource::${ARTIFACT_BUCKET}${PREFIX}\\/[\\w.-]*\\*$`),
    reason: "Objects (under a fixed prefix where the role needs no more) of the project's own artifact bucket; keys are created at run time",
  },
  {
    finding: new RegExp(`^Resource::${PIPELINE_ARTIFACTS_BUCKET}\\/\\*$`),
    reason: "Objects of the project's own CodePipeline artifact bucket (aws-cdk-lib's pipeline grants); CodePipeline names them at run time",
  },
  {
    // scopedCodeBuildAction: s3:PutObject on <bucket>/*/<output artifact>/* only.
    finding: new RegExp(`^Resource::${PIPELINE_ARTIFACTS_BUCKET}\\/\\*\\/\\w{1,10}\\/\\*$`),
    actions: ['s3:PutObject'],
    reason: "Write only: one output artifact of a build in its pipeline's own artifact bucket (<pipeline name prefix>/<artifact>/<key>); CodePipeline names the prefix and the keys at run time",
  },
  {
    finding: /^Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:(processing|training|transform)-job\/pipelines-\*$/,
    reason: "SageMaker Pipelines names the jobs it starts pipelines-<execution>-<step>-<hash> at run time; creating needs this project's project-id tag in the request, describing and stopping need it on the job, tagging needs it in the request and on the job when the job has one (an untagged job can be tagged: a residual, docs/security.md)",
  },
  {
    finding: /^Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:model-package\/[^*/]+\/\*$/,
    reason: "Versions of this project's model package group; each registration creates a new one",
  },
  {
    finding: /^Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:pipeline\/[^*/]+\/execution\/\*$/,
    reason: "Executions of this project's SageMaker pipeline; ids are generated at run time",
  },
  {
    finding: /^Resource::arn:<AWS::Partition>:s3:::(sagemaker-servicecatalog-seedcode-<AWS::Region>\/dataset|sagemaker-sample-files\/datasets\/tabular\/synthetic)\/\*$/,
    actions: ['s3:GetObject'],
    reason: "Read-only (s3:GetObject): SageMaker's public sample data, the abalone and churn pipelines' default inputs",
  },
  {
    // Only the ReadDataLocation statements (s3:GetObject alone) carry these; see the dataLocations setting.
    finding: /^Resource::arn:<AWS::Partition>:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[^*?]+)?\/\*$/,
    actions: ['s3:GetObject'],
    reason: 'Read-only (s3:GetObject): objects under a data location the platform team configured (dataLocations) for the pipeline\'s input',
  },
  {
    finding: new RegExp(`^Resource::arn:<AWS::Partition>:ecr:<AWS::Region>:(${dlcRegistryAccounts().join('|')}):repository\\/\\*$`),
    actions: ECR_PULL_ACTIONS,
    reason: "Pull only: base images from SageMaker's deep learning container registries (the build seed's table), for the project's image build; AWS names their repositories",
  },
  {
    finding: /^Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:\/aws\/sagemaker\/(ProcessingJobs|TrainingJobs|TransformJobs):log-stream:pipelines-\*$/,
    reason: 'Streams SageMaker writes for pipeline jobs (named after the job, pipelines-<execution>-...) in its account-wide job log groups',
  },
  {
    finding: /^Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:\/aws\/sagemaker\/Endpoints\/[\w<>-]+-(staging|prod):log-stream:\*$/,
    reason: "Streams of this project's endpoint log groups (/aws/sagemaker/Endpoints/<endpoint>); SageMaker names them per variant and instance at run time",
  },
  {
    // The project's CodeBuild projects: Project/ModelBuild/Project, Project/ModelDeploy/{Build,Test}Project.
    finding: /^Resource::arn:<AWS::Partition>:(logs:<AWS::Region>:<AWS::AccountId>:log-group:\/aws\/codebuild\/<Project\w*Project[0-9A-F]{8}>:\*|codebuild:<AWS::Region>:<AWS::AccountId>:report-group\/<Project\w*Project[0-9A-F]{8}>-\*)$/,
    reason: "aws-cdk-lib's CodeBuild grants: the project's own log group and report groups",
  },
  {
    finding: /^Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:(model|endpoint-config)\/\*$/,
    reason: 'CloudFormation names models and endpoint configurations at deploy time (blue/green needs fresh names); every statement requires the project-id tag',
  },
  {
    finding: /^Resource::arn:<AWS::Partition>:cloudwatch:<AWS::Region>:<AWS::AccountId>:alarm:sagemaker-[^*]+-deploy-(staging|prod)-\*$/,
    reason: "CloudFormation names alarms <stack name>-<logical id>-<suffix>; scoped to this project's endpoint stacks",
  },
  {
    finding: /^Resource::arn:<AWS::Partition>:cloudwatch:<AWS::Region>:<AWS::AccountId>:alarm:TargetTracking-endpoint\/[^*/]+-(staging|prod)\/\*$/,
    reason: "Application Auto Scaling names target-tracking alarms TargetTracking-endpoint/<endpoint>/...; scoped to endpoints named <name>-<stage>, which a project of the same name shares (docs/security.md)",
  },
  {
    finding: /^Resource::arn:<AWS::Partition>:cloudwatch:<AWS::Region>:<AWS::AccountId>:alarm:TargetTracking-inference-component\/[^*/]+-(staging|prod|\*)-model-\*$/,
    reason: "Application Auto Scaling names target-tracking alarms after the inference component; scoped to this project's scale-to-zero components (<name>-<stage>-model, <name>-*-model for both stages)",
  },
  {
    finding: /^Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:inference-component\/([^*/]+|\*)-(staging|prod|\*)-model$/,
    reason: "The scale-to-zero inference components <name>-<stage>-model (<name>-*-model for both stages; * for a project name that is a CloudFormation parameter, which a template cannot lower-case as ARNs are); every statement on them requires the project-id tag",
  },
  {
    finding: /^Resource::arn:<AWS::Partition>:application-autoscaling:<AWS::Region>:<AWS::AccountId>:scalable-target\/\*$/,
    reason: "Application Auto Scaling gives scalable targets generated ids, so no ARN can name this project's; every statement "
      + "on them requires this project's id as a tag (aws:RequestTag to register, aws:ResourceTag after), and "
      + 'registering and scaling policies SageMaker variant and inference-component targets (docs/security.md, Autoscaling)',
  },
  {
    // Project/Teardown's own functions and its provider framework's (Project/Teardown/Provider/...).
    finding: /^Resource::<ProjectTeardown\w*[0-9A-F]{8}\.Arn>:\*$/,
    reason: "aws-cdk-lib's custom resource provider framework invoking the teardown's own functions (any version)",
  },
  {
    finding: /^Action::cloudformation:(DescribeStack\*|GetTemplate\*)$/,
    resources: new RegExp(`^${ENDPOINT_STACKS}$`),
    reason: "aws-cdk-lib's CloudFormation deploy action: read-only describe actions on the project's endpoint stacks",
  },
  {
    finding: new RegExp(`^Resource::${ENDPOINT_STACKS}$`),
    reason: "The project's endpoint stacks; the suffix is the stack id CloudFormation generates",
  },
  {
    // The deploy seed's batch stages: jobs <name>-<stage>-<run id> (name '*' when it is a parameter).
    finding: /^Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:transform-job\/(\*|[^*/]+)-(staging|prod)-\*$/,
    actions: ['sagemaker:CreateTransformJob', 'sagemaker:AddTags', 'sagemaker:DescribeTransformJob', 'sagemaker:StopTransformJob', 'sagemaker:ListTags'],
    reason: "A batch stage's transform jobs, named <name>-<stage>-<run id> at run time (the schedule's execution id); creating and tagging need this project's project-id tag in the request, describing and stopping need it on the job (the teardown reads tags to find it)",
  },
  {
    finding: /^Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:\/aws\/sagemaker\/TransformJobs:log-stream:[\w<>-]+-(staging|prod)-\*$/,
    reason: "Streams SageMaker writes for a batch stage's transform jobs (named after the job, <name>-<stage>-<run id>) in its account-wide job log group",
  },
];

/**
 * A reason of {@link PROJECT_WILDCARD_REASONS} for a stack with a concrete account, whose ARNs hold
 * the digits: those of `account`, or of any account (a target account's stack refers to the
 * project account's resources).
 */
function inAccount(reason: WildcardReason, account: string = String.raw`\d{12}`): WildcardReason {
  const widen = (r: RegExp) => new RegExp(r.source.replace(/<AWS::AccountId>/g, `(<AWS::AccountId>|${account})`), r.flags);
  return { ...reason, finding: widen(reason.finding), ...(reason.resources ? { resources: widen(reason.resources) } : {}) };
}

/**
 * The reasons of a project stack: {@link PROJECT_WILDCARD_REASONS}, with its own account's digits
 * where the stack is pinned to one (a multi-account project stack is pinned to `projectAccount`).
 */
export function projectWildcardReasons(account: string | undefined): readonly WildcardReason[] {
  return account && /^\d{12}$/.test(account) ? PROJECT_WILDCARD_REASONS.map((r) => inAccount(r, account)) : PROJECT_WILDCARD_REASONS;
}

/** The wildcards of a target account's stack (multi-account), each with the reason it is needed. */
export const TARGET_WILDCARD_REASONS: readonly WildcardReason[] = [
  {
    // The project account's data bucket (sagemaker-project-<id>) under the pipeline's prefix, and its pipeline artifact bucket.
    finding: /^Resource::arn:<AWS::Partition>:s3:::sagemaker-project-p-[a-z0-9]+(\/[\w-]+-p-[a-z0-9]+\/|-pipeline-artifacts\/)\*$/,
    actions: ['s3:GetObject', 's3:GetObjectVersion'],
    reason: "Read-only: model artifacts under the SageMaker pipeline's prefix of the project bucket, or the deploy pipeline's run artifacts, each held to the project account by s3:ResourceAccount",
  },
  {
    finding: /^Resource::arn:<AWS::Partition>:kms:<AWS::Region>:\d{12}:key\/\*$/,
    actions: ['kms:Decrypt'],
    reason: "kms:Decrypt only, on the project account's key carrying this project's project-id tag and only through S3 (kms:ViaService); the key's id is not known in this account",
  },
  {
    finding: /^Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:\d{12}:model-package\/[^*/]+\/\*$/,
    reason: "Versions of this project's model package group in the project account; each registration creates a new one",
  },
  // A Studio template's project (the target template takes the project's name and id as parameters,
  // and SageMaker lower-cases names in ARNs, which a parameter cannot be): scoped by the id.
  {
    finding: /^Resource::arn:<AWS::Partition>:s3:::sagemaker-project-<SageMakerProjectId>\/<SageMakerProjectName>-<SageMakerProjectId>\/\*$/,
    actions: ['s3:GetObject'],
    reason: "Read-only: model artifacts under the SageMaker pipeline's prefix <name>-<id>/ of the project bucket (template parameters), held to the project account by s3:ResourceAccount",
  },
  {
    finding: /^Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:\d{12}:model-package\/\*-<SageMakerProjectId>\/\*$/,
    actions: ['sagemaker:DescribeModelPackage'],
    reason: "Read-only: versions of this project's model package group <name>-<id> in the project account; the name is a parameter SageMaker lower-cases in ARNs, so the id scopes it",
  },
  {
    finding: /^Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:\d{12}:endpoint\/\*-staging$/,
    actions: ['sagemaker:DescribeEndpoint', 'sagemaker:InvokeEndpoint'],
    reason: "The project's staging endpoint <name>-staging; the name is a parameter SageMaker lower-cases in ARNs; the statement requires the project-id tag",
  },
  {
    finding: /^Resource::<\w*DataCapture[0-9A-F]{8}\.Arn>\/datacapture-(staging|prod)\/\*$/,
    actions: ['s3:PutObject'],
    reason: "Write-only: data capture objects of one stage's endpoint in this account's data capture bucket; SageMaker names them at run time",
  },
  {
    // A batch stage's folders of this account's bucket (lib/project/batch-inference.ts, grantBatchStageData and grantBatchSmokeTest).
    finding: /^Resource::<\w*DataCapture[0-9A-F]{8}\.Arn>\/batch-(input|output)\/(staging|prod|smoke-test)\/\*$/,
    actions: ['s3:GetObject', 's3:PutObject'],
    reason: "Read or write only: one batch stage's input or output folder (or the staging test's) in this account's bucket; runs name their objects at run time",
  },
  {
    // Teardown's own functions and its provider framework's (Teardown/Provider/...).
    finding: /^Resource::<Teardown\w*[0-9A-F]{8}\.Arn>:\*$/,
    reason: "aws-cdk-lib's custom resource provider framework invoking the teardown's own functions (any version)",
  },
  // After the specific ones: the first reason whose finding matches is the one judged.
  ...PROJECT_WILDCARD_REASONS.map((r) => inAccount(r)),
];

/** A region or account in a finding: the stack's own pseudo parameter or a literal. */
const R = String.raw`(<AWS::Region>|[a-z]{2}(-[a-z]+)+-\d)`;
const A = String.raw`(<AWS::AccountId>|\d{12})`;
const P = '<AWS::Partition>';
const arnOf = (service: string, rest: string) => new RegExp(`^Resource::arn:${P}:${service}:${R}:${A}:${rest}$`);

/**
 * The wildcards of a target account's one-time preparation ({@link TargetAccountSetupStack}): it
 * names no project, so its resources are those of every project of one project account, by the
 * project-id tag, the `sagemaker-p-*` / `sagemaker-project-p-*` names or the stage roles' path.
 */
export const SETUP_WILDCARD_REASONS: readonly WildcardReason[] = [
  {
    finding: /^Resource::arn:<AWS::Partition>:s3:::sagemaker-project-p-\*-pipeline-artifacts\/\*$/,
    actions: ['s3:GetObject', 's3:GetObjectVersion'],
    reason: "Read-only: the project account's deploy pipeline run artifacts (held to that account by s3:ResourceAccount), for the stage stacks' templates",
  },
  {
    finding: /^Resource::arn:<AWS::Partition>:s3:::sagemaker-project-p-\*\/\*$/,
    actions: ['s3:GetObject', 's3:PutObject'],
    reason: "Boundary of the stage roles: read model artifacts in the project account's project buckets, write data capture to this account's (each held to its account by s3:ResourceAccount)",
  },
  {
    finding: /^Resource::arn:<AWS::Partition>:s3:::sagemaker-project-p-\*$/,
    reason: "Bucket configuration of the projects' data capture buckets (named sagemaker-project-<id>-...); not the account's other buckets",
  },
  {
    finding: arnOf('kms', String.raw`key\/\*`),
    reason: 'Keys carrying a project-id tag only (aws:ResourceTag / aws:RequestTag conditions); data keys only through S3 (kms:ViaService); grants only for AWS resources',
  },
  {
    finding: arnOf('kms', String.raw`alias\/sagemaker-project-p-\*`),
    actions: ['kms:CreateAlias', 'kms:DeleteAlias', 'kms:UpdateAlias'],
    reason: "The projects' key aliases (alias/sagemaker-project-<id>-...)",
  },
  {
    finding: arnOf('sagemaker', String.raw`(model|endpoint-config|endpoint|inference-component)\/\*`),
    reason: 'Models, endpoint configurations, endpoints and inference components carrying a project-id tag only: required at creation (aws:RequestTag), on the resource for every other action (aws:ResourceTag); CloudFormation names models and configurations',
  },
  {
    finding: arnOf('ecr', String.raw`repository\/sagemaker-project-p-\*`),
    actions: ECR_PULL_ACTIONS,
    reason: "Boundary of the stage roles: pull only, from the project account's project image repositories (sagemaker-project-<id>), whose repository policies name each project's model roles",
  },
  {
    finding: arnOf('sagemaker', String.raw`model-package(-group)?\/\*`),
    actions: ['sagemaker:DescribeModelPackage', 'sagemaker:DescribeModelPackageGroup', 'sagemaker:ListModelPackages', 'sagemaker:CreateModel'],
    reason: "Read-only (and CreateModel from a package): the project account's model registry, whose groups grant this account's roles by name",
  },
  {
    finding: arnOf('logs', String.raw`log-group:\/aws\/sagemaker\/Endpoints\/\*`),
    reason: 'Boundary of the stage roles: endpoint logs, under the log groups SageMaker names after the endpoints',
  },
  {
    finding: /^Resource::arn:<AWS::Partition>:iam::(<AWS::AccountId>|\d{12}):role\/mlops-stage-roles\/\*$/,
    reason: 'The stage roles\' path only: created and changed only with the boundary (iam:PermissionsBoundary), passed only to SageMaker',
  },
  {
    finding: arnOf('cloudwatch', String.raw`alarm:(sagemaker-\*|TargetTracking-(endpoint|inference-component)\/\*)`),
    reason: "The stage stacks' alarms (named after their sagemaker-* stack; their actions only the projects' sagemaker-p-* topics) and Application Auto Scaling's endpoint alarms",
  },
  {
    finding: arnOf('application-autoscaling', String.raw`scalable-target\/\*`),
    reason: 'Application Auto Scaling names scalable targets at registration, so no ARN can name a project\'s; every statement '
      + 'on them requires a project id and a stage as tags (aws:RequestTag to register, aws:ResourceTag after), and registering '
      + 'and scaling policies SageMaker variant and inference-component targets',
  },
  {
    finding: arnOf('sns', String.raw`sagemaker-p-\*`),
    reason: "The projects' alarm topics (sagemaker-<id>-...)",
  },
  {
    finding: /^Resource::arn:<AWS::Partition>:s3:::sagemaker-project-p-\*\/(batch-input|batch-output\/smoke-test)\/\*$/,
    actions: ['s3:GetObject'],
    reason: "Boundary of the stage roles: read batch inputs and the batch staging test's outputs in this account's project buckets (held to this account by s3:ResourceAccount)",
  },
  {
    finding: arnOf('sagemaker', String.raw`transform-job\/\*`),
    actions: ['sagemaker:CreateTransformJob', 'sagemaker:AddTags', 'sagemaker:DescribeTransformJob'],
    reason: 'Boundary of the stage roles: transform jobs carrying a project-id tag only, required at creation (aws:RequestTag) and on the job to describe it (aws:ResourceTag); jobs are named at run time',
  },
  {
    finding: arnOf('cloudformation', String.raw`stack\/sagemaker-\*-deploy-staging\/\*`),
    actions: ['cloudformation:DescribeStacks'],
    reason: "Boundary of the stage roles: read the projects' staging stacks (the batch staging test's run definition is an output)",
  },
  {
    finding: arnOf('logs', String.raw`log-group:\/aws\/sagemaker\/TransformJobs:log-stream:\*`),
    reason: "Boundary of the stage roles: streams of the account's transform job log group, which SageMaker names after the jobs",
  },
  {
    finding: arnOf('scheduler', String.raw`schedule-group\/\*-batch`),
    reason: "The batch stages' schedule groups (<name>-<stage>-batch): created only with a project-id tag (aws:RequestTag), read, untagged and deleted only when they carry one (aws:ResourceTag)",
  },
  {
    finding: arnOf('scheduler', String.raw`schedule\/\*-batch\/transform`),
    actions: ['scheduler:CreateSchedule', 'scheduler:GetSchedule', 'scheduler:UpdateSchedule', 'scheduler:DeleteSchedule'],
    reason: "The schedule 'transform' of the batch stages' schedule groups; schedules carry no tags, their group's name is their scope",
  },
  {
    finding: /^Resource::arn:<AWS::Partition>:iam::(<AWS::AccountId>|\d{12}):role\/mlops-stage-roles\/sagemaker-\*-batch-schedule$/,
    actions: ['iam:PassRole'],
    reason: "The projects' batch schedule roles (under the stage roles' path, so made with the boundary), passed only to EventBridge Scheduler (iam:PassedToService)",
  },
  {
    finding: arnOf('events', String.raw`rule\/\*-batch-failed`),
    reason: "The batch stages' failed-run rules (<name>-<stage>-batch-failed, default bus): created only with a project-id tag, changed only when they carry one, targets only the projects' sagemaker-p-* topics",
  },
  {
    finding: arnOf('cloudformation', String.raw`stack\/sagemaker-\*\/\*`),
    reason: "The projects' stage stacks (sagemaker-*), created, updated and deleted only with the execution role (cloudformation:RoleArn); not the set-up stack",
  },
  {
    finding: arnOf('sagemaker', String.raw`transform-job\/\*-(staging|prod)-\*`),
    actions: ['sagemaker:ListTags', 'sagemaker:StopTransformJob'],
    reason: "A project teardown's session: the batch stages' transform jobs (<name>-<stage>-<run id>, named at run time); it reads their tags "
      + "and stops only those tagged with its own project id (aws:ResourceTag equal to the session's project-id tag)",
  },
  {
    finding: arnOf('cloudformation', String.raw`stack\/sagemaker-\*-<aws:PrincipalTag\/sagemaker:project-id>-(deploy|target)-\*\/\*`),
    actions: ['cloudformation:DeleteStack', 'cloudformation:DescribeStacks', 'cloudformation:DescribeStackEvents'],
    reason: "A project teardown's session: the stage and target stacks of its own project only (the session's project-id tag, which the trust binds to the teardown role's name), deleted only with the execution role",
  },
];
