import { Aspects, CfnParameter, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as cxapi from 'aws-cdk-lib/cx-api';
import {
  PROJECT_NAME_MAX_LENGTH,
  PROJECT_NAME_PATTERN,
  STUDIO_PROJECT_ID_MAX_LENGTH,
  STUDIO_PROJECT_ID_PATTERN,
} from '../project-config';
import { ProjectOptions } from '../project-options';
import { SageMakerProject } from '../sagemaker-project';
import { managedPolicyFromNameOrArn } from './iam';
import { AcknowledgeWildcards, WildcardReason } from './wildcard-acknowledgements';

/** Description of the project template, shown by Studio and CloudFormation. */
export const STUDIO_TEMPLATE_DESCRIPTION = 'SageMaker MLOps project: model building, training and deployment (CodeCommit, CodePipeline)';

/** Properties of {@link defineStudioProjectTemplate}. */
export interface StudioProjectTemplateProps {
  /** The project's settings, baked into the template. @default - the defaults of every setting */
  readonly project?: ProjectOptions;
  /**
   * Permissions boundary of every role of the template: a policy, or its name or ARN.
   * @default - none
   */
  readonly permissionsBoundary?: iam.IManagedPolicy | string;
}

/** What {@link defineStudioProjectTemplate} adds to its stack. */
export interface StudioProjectTemplate {
  readonly project: SageMakerProject;
  readonly projectNameParameter: CfnParameter;
  readonly projectIdParameter: CfnParameter;
}

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
    maxLength: PROJECT_NAME_MAX_LENGTH,
    constraintDescription: `1-${PROJECT_NAME_MAX_LENGTH} letters, digits or hyphens, starting with a letter and not ending with a hyphen`,
  });
  const projectIdParameter = new CfnParameter(stack, 'SageMakerProjectId', {
    type: 'String',
    description: 'Service generated Id of the project',
    allowedPattern: STUDIO_PROJECT_ID_PATTERN,
    minLength: 1,
    maxLength: STUDIO_PROJECT_ID_MAX_LENGTH,
    constraintDescription: "'p-' followed by lowercase letters or digits (SageMaker generates it)",
  });
  addStudioMetadata(stack, [
    { parameter: projectNameParameter, label: 'Project name', group: 'SageMaker project (SageMaker fills these in)', optional: false },
    { parameter: projectIdParameter, label: 'Project id', group: 'SageMaker project (SageMaker fills these in)', optional: false },
  ]);

  const project = new SageMakerProject(stack, 'Project', {
    ...props.project,
    projectName: projectNameParameter.valueAsString,
    projectId: projectIdParameter.valueAsString,
  });
  const boundary = typeof props.permissionsBoundary === 'string'
    ? managedPolicyFromNameOrArn(stack, 'PermissionsBoundary', props.permissionsBoundary)
    : props.permissionsBoundary;
  if (boundary) iam.PermissionsBoundary.of(stack).apply(boundary);
  Aspects.of(stack).add(new AcknowledgeWildcards(TOKEN_NAME_WILDCARD_REASONS));
  return { project, projectNameParameter, projectIdParameter };
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
