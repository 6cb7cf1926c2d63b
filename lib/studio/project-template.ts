import { Aspects, CfnParameter, CfnRule, Fn, Stack } from 'aws-cdk-lib/core';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { ConnectionTemplateConstraints, DEFAULT_PROJECT_SETTINGS, ProjectOptions } from '../contract/options';
import { projectPropsFromSettings, SageMakerProject } from '../project/sagemaker-project';
import { managedPolicyFromNameOrArn } from '../private/iam';
import { PROJECT_ROLE_PATH, ProjectRolePath } from './project-role-boundary';
import type { DeploymentAccounts } from '../contract/accounts';
import { AcknowledgeWildcards, WildcardReason } from '../private/wildcard-acknowledgements';
import { ALARM_EMAIL_MAX_LENGTH, ALARM_EMAIL_PATTERN, BRANCH_MAX_LENGTH, BRANCH_PATTERN, CONNECTION_ARN_PATTERN, PROJECT_NAME_PATTERN, REPOSITORY_FULL_NAME_MAX_LENGTH, REPOSITORY_FULL_NAME_PATTERN, repositoryOwnerPattern, STUDIO_PROJECT_ID_MAX_LENGTH, STUDIO_PROJECT_ID_PATTERN, STUDIO_PROJECT_NAME_MAX_LENGTH } from '../contract/rules';

/** Description of the project template, shown by Studio and CloudFormation. */
export const STUDIO_TEMPLATE_DESCRIPTION = 'SageMaker MLOps project: model building, training and deployment (CodeCommit, CodePipeline)';
/** Description of the project template whose repositories are reached through a connection. */
export const STUDIO_CONNECTION_TEMPLATE_DESCRIPTION = 'SageMaker MLOps project: model building, training and deployment '
  + '(your GitHub, GitLab or Bitbucket repositories through CodeConnections, CodePipeline)';

/** The template description for the project's source provider. */
export function studioTemplateDescription(project?: ProjectOptions): string {
  return project?.sourceProvider === 'codeconnections' ? STUDIO_CONNECTION_TEMPLATE_DESCRIPTION : STUDIO_TEMPLATE_DESCRIPTION;
}

/** Properties of {@link defineStudioProjectTemplate}. */
export interface StudioProjectTemplateProps {
  /** The project's settings, baked into the template. @default - the defaults of every setting */
  readonly project?: ProjectOptions;
  /**
   * Permissions boundary of every role of the template: a policy, or its name or ARN.
   * @default - none
   */
  readonly permissionsBoundary?: iam.IManagedPolicy | string;
  /**
   * What the Studio user of a connection template may choose: the connection parameter takes only
   * the allowed ARNs, the repository parameters only repositories under the owner.
   * @default - any connection and any repository
   */
  readonly connectionConstraints?: ConnectionTemplateConstraints;
  /**
   * Multi-account deployment, fixed when the template is published: the Studio user cannot change
   * the accounts the stages deploy to. The project must be created in `projectAccount`.
   * @default - single-account
   */
  readonly deploymentAccounts?: DeploymentAccounts;
}

/** What {@link defineStudioProjectTemplate} adds to its stack. */
export interface StudioProjectTemplate {
  readonly project: SageMakerProject;
  readonly projectNameParameter: CfnParameter;
  readonly projectIdParameter: CfnParameter;
  /** The repository parameters, when the template's source is a CodeConnections connection. */
  readonly connectionParameters?: ConnectionParameters;
}

/** The parameter of the CodeConnections variant's template that takes the connection (the CodeCommit variant has none). */
export const CONNECTION_PARAMETER = 'CodeConnectionArn';

/** The parameters of a template whose repositories are reached through a connection. */
export interface ConnectionParameters {
  /** `CodeConnectionArn`. */
  readonly connectionArn: CfnParameter;
  /** `ModelBuildCodeRepositoryFullname`. */
  readonly buildRepository: CfnParameter;
  /** `ModelDeployCodeRepositoryFullname`. */
  readonly deployRepository: CfnParameter;
  /** `CodeRepositoryBranch`: one branch for both repositories, as the `branch` setting. */
  readonly branch: CfnParameter;
}

/** Studio's group of the repository parameters. */
const REPOSITORY_GROUP = 'Git repositories (through a CodeConnections connection)';

/** A template parameter as Studio shows it. */
interface StudioParameter {
  readonly parameter: CfnParameter;
  readonly label: string;
  readonly group: string;
  /** Studio lets the user leave it empty (`SagemakerTemplateParameterRules`). */
  readonly optional: boolean;
}

/**
 * Fills a stack with the project template that SageMaker Studio instantiates: the parameters Studio
 * passes (`SageMakerProjectName`, `SageMakerProjectId`), the metadata Studio reads (labels, groups,
 * optional parameters) and the same {@link SageMakerProject} construct as the `cdk deploy` path.
 *
 * One body for both ways of publishing the template (Service Catalog product and S3 object), so
 * the two cannot drift apart. The construct ids are those of the first product stack: keep them.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/sagemaker-projects-templates-custom.html
 */
export function defineStudioProjectTemplate(stack: Stack, props: StudioProjectTemplateProps): StudioProjectTemplate {
  // A published template is compared (Service Catalog snapshots) and read by people: no machine
  // paths (`aws:asset:path` is a local folder when a command skips bundling), no construct paths.
  stack.node.setContext(cxapi.ASSET_RESOURCE_METADATA_ENABLED_CONTEXT, false);
  stack.node.setContext(cxapi.PATH_METADATA_ENABLE_CONTEXT, false);

  const projectNameParameter = new CfnParameter(stack, 'SageMakerProjectName', {
    type: 'String',
    description: 'Name of the project',
    allowedPattern: PROJECT_NAME_PATTERN,
    minLength: 1,
    maxLength: STUDIO_PROJECT_NAME_MAX_LENGTH,
    constraintDescription: `1-${STUDIO_PROJECT_NAME_MAX_LENGTH} letters, digits or hyphens, starting with a letter and not ending with a hyphen`,
  });
  const projectIdParameter = new CfnParameter(stack, 'SageMakerProjectId', {
    type: 'String',
    description: 'Service generated Id of the project',
    allowedPattern: STUDIO_PROJECT_ID_PATTERN,
    minLength: 1,
    maxLength: STUDIO_PROJECT_ID_MAX_LENGTH,
    constraintDescription: "'p-' followed by lowercase letters or digits (SageMaker generates it)",
  });
  const connection = props.project?.sourceProvider === 'codeconnections' ? connectionParameters(stack, props.project, props.connectionConstraints ?? {}) : undefined;
  const alarmEmailParameter = new CfnParameter(stack, 'AlarmEmail', {
    type: 'String',
    description: 'E-mail address told when an endpoint alarm of the project fires or recovers (SNS asks it to confirm first); empty for none',
    allowedPattern: `^$|${ALARM_EMAIL_PATTERN}`,
    maxLength: ALARM_EMAIL_MAX_LENGTH,
    constraintDescription: 'one e-mail address, like name@example.com (for several people, a distribution list), or empty',
    // A value configured at synth pre-fills the field.
    default: props.project?.alarmEmail ?? '',
  });
  addStudioMetadata(stack, [
    { parameter: projectNameParameter, label: 'Project name', group: 'SageMaker project (SageMaker fills these in)', optional: false },
    { parameter: projectIdParameter, label: 'Project id', group: 'SageMaker project (SageMaker fills these in)', optional: false },
    // Studio may leave a parameter empty only when CloudFormation then has a default to use; the
    // repositories never: each project needs its own two (a configured default only pre-fills them).
    ...(connection ? [
      { parameter: connection.connectionArn, label: 'Code Connection ARN', group: REPOSITORY_GROUP, optional: connection.connectionArn.default !== undefined },
      { parameter: connection.buildRepository, label: 'Model build repository (full name)', group: REPOSITORY_GROUP, optional: false },
      { parameter: connection.deployRepository, label: 'Model deploy repository (full name)', group: REPOSITORY_GROUP, optional: false },
      { parameter: connection.branch, label: 'Branch', group: REPOSITORY_GROUP, optional: true },
    ] : []),
    { parameter: alarmEmailParameter, label: 'Alarm e-mail address', group: 'Notifications', optional: true },
  ]);

  const project = new SageMakerProject(stack, 'Project', {
    ...projectPropsFromSettings({
      ...props.project,
      ...(connection ? {
        connectionArn: connection.connectionArn.valueAsString,
        buildRepository: connection.buildRepository.valueAsString,
        deployRepository: connection.deployRepository.valueAsString,
        branch: connection.branch.valueAsString,
      } : {}),
    }),
    projectName: projectNameParameter.valueAsString,
    projectId: projectIdParameter.valueAsString,
    alarmEmail: alarmEmailParameter.valueAsString,
    deploymentAccounts: props.deploymentAccounts,
    // Where ProjectRolePath puts every role; the target accounts trust the named ones by it.
    rolePath: PROJECT_ROLE_PATH,
  });
  const boundary = typeof props.permissionsBoundary === 'string'
    ? managedPolicyFromNameOrArn(stack, 'PermissionsBoundary', props.permissionsBoundary)
    : props.permissionsBoundary;
  if (boundary) iam.PermissionsBoundary.of(stack).apply(boundary);
  // The launch role creates and passes roles under this path only.
  Aspects.of(stack).add(new ProjectRolePath());
  Aspects.of(stack).add(new AcknowledgeWildcards(TOKEN_NAME_WILDCARD_REASONS));
  return { project, projectNameParameter, projectIdParameter, connectionParameters: connection };
}

/**
 * The repository parameters of a connection template, shaped like those of AWS's third-party Git
 * templates, with the patterns the configuration parser checks (`lib/project-config.ts`). Values
 * configured at synth become their defaults. One branch parameter, not one per repository: the
 * project follows one `branch` on every path (seeding, pipelines, Studio).
 */
function connectionParameters(stack: Stack, project: ProjectOptions, constraints: ConnectionTemplateConstraints): ConnectionParameters {
  const { allowedConnectionArns, repositoryOwner: owner } = constraints;
  const repository = (id: string, what: string, configured?: string) => new CfnParameter(stack, id, {
    type: 'String',
    description: owner === undefined
      ? `Full name of the existing model ${what} repository at its Git provider: owner/name (GitLab: group/subgroup/name)`
      : `Full name of the existing model ${what} repository at its Git provider, under ${owner}: ${owner}/name`,
    allowedPattern: owner === undefined ? REPOSITORY_FULL_NAME_PATTERN : repositoryOwnerPattern(owner),
    minLength: 3,
    maxLength: REPOSITORY_FULL_NAME_MAX_LENGTH,
    constraintDescription: owner === undefined
      ? "owner/name (GitLab: group/subgroup/name), in parts of letters, digits, '.', '_' or '-', without '.git'"
      : `a repository under ${owner} (the owner your platform team allows): ${owner}/name, in parts of letters, digits, '.', '_' or '-', without '.git'`,
    default: configured,
  });
  const parameters: ConnectionParameters = {
    connectionArn: new CfnParameter(stack, CONNECTION_PARAMETER, {
      type: 'String',
      description: 'ARN of an available CodeConnections connection (tagged sagemaker=true) with access to both repositories, in the project\'s account and region',
      ...(allowedConnectionArns === undefined ? {
        allowedPattern: CONNECTION_ARN_PATTERN,
        constraintDescription: 'arn:<partition>:codeconnections:<region>:<account>:connection/<uuid>, or the older codestar-connections form',
      } : {
        allowedValues: [...allowedConnectionArns],
        constraintDescription: `one of the connections your platform team allows: ${allowedConnectionArns.join(', ')}`,
      }),
      // One allowed connection pre-fills the field when none is configured.
      default: project.connectionArn ?? (allowedConnectionArns?.length === 1 ? allowedConnectionArns[0] : undefined),
    }),
    buildRepository: repository('ModelBuildCodeRepositoryFullname', 'build', project.buildRepository),
    deployRepository: repository('ModelDeployCodeRepositoryFullname', 'deploy', project.deployRepository),
    branch: new CfnParameter(stack, 'CodeRepositoryBranch', {
      type: 'String',
      description: 'Branch of both repositories that the seed code goes to (if it does not exist yet) and the pipelines follow',
      allowedPattern: BRANCH_PATTERN,
      minLength: 1,
      maxLength: BRANCH_MAX_LENGTH,
      constraintDescription: "a git branch name of letters, digits, '.', '_', '-' and '/' (no '..', '//', leading '-' or '/', trailing '/' or '.', no part starting with '.' or ending with '.lock')",
      default: project.branch ?? DEFAULT_PROJECT_SETTINGS.branch,
    }),
  };
  // Case differences are caught at synth only: CloudFormation cannot lower-case a parameter.
  new CfnRule(stack, 'DifferentRepositories', {
    assertions: [{
      assert: Fn.conditionNot(Fn.conditionEquals(parameters.buildRepository.valueAsString, parameters.deployRepository.valueAsString)),
      assertDescription: 'The model build and model deploy repositories must be two different repositories',
    }],
  });
  return parameters;
}

/**
 * Parameter labels and groups (`AWS::CloudFormation::Interface`) and, when a parameter may be
 * left empty, `SagemakerTemplateParameterRules` (`{<name>: {Optional: true}}`), which Studio reads
 * to mark the field optional.
 */
function addStudioMetadata(stack: Stack, parameters: readonly StudioParameter[]): void {
  const groups = [...new Set(parameters.map((p) => p.group))];
  stack.addMetadata('AWS::CloudFormation::Interface', {
    ParameterGroups: groups.map((group) => ({
      Label: { default: group },
      Parameters: parameters.filter((p) => p.group === group).map((p) => p.parameter.logicalId),
    })),
    ParameterLabels: Object.fromEntries(parameters.map((p) => [p.parameter.logicalId, { default: p.label }])),
  });
  const optional = parameters.filter((p) => p.optional);
  if (optional.length > 0) {
    stack.addMetadata('SagemakerTemplateParameterRules',
      Object.fromEntries(optional.map((p) => [p.parameter.logicalId, { Optional: true }])));
  }
}

/**
 * Wildcards the project has only with unresolved names. SageMaker lower-cases names in ARNs and a
 * CloudFormation parameter cannot be lower-cased, so the project matches `*-<id>` (see
 * `ProjectNames.pipelineNameInArn`); project ids are lower-case and unique per account.
 */
const TOKEN_NAME_WILDCARD_REASONS: readonly WildcardReason[] = [
  {
    finding: /^Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:(pipeline|model-package-group)\/\*-<SageMakerProjectId>$/,
    reason: "This project's SageMaker pipeline or model package group <name>-<id>; the name is a parameter SageMaker lower-cases in ARNs, so the id scopes it",
  },
  {
    finding: /^Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:(model-package\/\*-<SageMakerProjectId>\/\*|pipeline\/\*-<SageMakerProjectId>\/execution\/\*)$/,
    reason: "Versions of this project's model package group, or executions of its pipeline (generated ids), scoped by the project id",
  },
  {
    finding: /^Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:endpoint\/\*-(staging|prod)$/,
    reason: "This project's endpoints <name>-<stage>; the name is a parameter SageMaker lower-cases in ARNs; every statement requires the project-id tag",
  },
  {
    finding: /^Resource::<\w+\.Arn>\/<SageMakerProjectName>-<SageMakerProjectId>\/\*$/,
    reason: "Objects under this project's <name>-<id>/ prefix of its own artifact bucket; keys are created at run time",
  },
];
