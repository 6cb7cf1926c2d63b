import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { ProjectPipelineProps } from './pipeline-props';

/** What differs between the build and the deploy side's pipelines. */
export interface CommitTriggeredPipelineOptions {
  /** Pipeline name (also the CodeBuild project's name on that side). */
  readonly pipelineName: string;
  /** Name of the source action. */
  readonly sourceActionName: string;
  /** Name of the EventBridge rule that starts the pipeline on a commit. */
  readonly ruleName: string;
  /** The stages after `Source`, given the source artifact. */
  readonly stages: (source: codepipeline.Artifact) => codepipeline.StageProps[];
  /**
   * Pipeline-level variables.
   * @default - none
   */
  readonly variables?: codepipeline.Variable[];
  /**
   * File paths whose changes alone do not start the pipeline (glob patterns), where the source
   * provider can filter pushes on paths (CodeConnections triggers; CodeCommit rules cannot).
   * @default - every commit starts the pipeline
   */
  readonly ignoredPaths?: string[];
}

/**
 * The skeleton both sides of a project share: a V2 CodePipeline with the project's pipeline artifact bucket, one role
 * for all its actions, a `Source` stage on the configured branch and what starts it on a commit;
 * the repository's provider (`IProjectRepository`) decides what the last two are.
 *
 * A function rather than a construct: the pipeline and the rule keep the construct ids (and so the
 * logical ids) they had when each side built them itself. `scope` is the side's construct.
 */
export function commitTriggeredPipeline(
  scope: Construct,
  props: ProjectPipelineProps,
  options: CommitTriggeredPipelineOptions,
): codepipeline.Pipeline {
  const source = new codepipeline.Artifact('SourceArtifact');
  const sourceAction = props.repository.sourceAction(options.sourceActionName, props.branch, source);
  const pipeline = new codepipeline.Pipeline(scope, 'Pipeline', {
    pipelineName: options.pipelineName,
    pipelineType: codepipeline.PipelineType.V2,
    artifactBucket: props.pipelineArtifactsBucket,
    restartExecutionOnUpdate: false,
    // One role per pipeline, not one per action.
    usePipelineRoleForActions: true,
    variables: options.variables,
    stages: [
      { stageName: 'Source', actions: [sourceAction] },
      ...options.stages(source),
    ],
  });
  // The pipeline runs once on creation: after the first commit exists.
  pipeline.node.addDependency(props.repository.seeded);

  props.repository.triggerOnCommit(scope, {
    pipeline,
    pipelineName: options.pipelineName,
    sourceAction,
    branch: props.branch,
    ruleName: options.ruleName,
    eventsRole: props.eventsRole,
    ignoredPaths: options.ignoredPaths,
  });
  return pipeline;
}

/**
 * Where CodePipeline stores an output artifact's objects in the pipeline's bucket:
 * `<first 20 characters of the pipeline name>/<artifact name, cut to 10 characters>/<random key>`.
 * The prefix is matched with `*`: the pipeline's part is the only one in a bucket of its own, and
 * artifact names of at most 10 characters are never cut, so the pattern names exactly that artifact.
 */
export function artifactObjects(bucket: s3.IBucket, artifact: codepipeline.Artifact): string {
  const name = artifact.artifactName;
  if (name === undefined || name.length > MAX_UNCUT_ARTIFACT_NAME) {
    throw new Error(`output artifact '${name}' of a project build: name it with at most ${MAX_UNCUT_ARTIFACT_NAME} characters `
      + '(CodePipeline cuts longer names in its object keys, which the build\'s write grant is scoped to)');
  }
  return bucket.arnForObjects(`*/${name}/*`);
}

/** Artifact names up to this length appear whole in CodePipeline's object keys. */
const MAX_UNCUT_ARTIFACT_NAME = 10;

/**
 * A CodeBuild action whose project may read its pipeline's artifacts and write its own output
 * artifacts only. aws-cdk-lib's action grants a project with outputs read and write (and
 * delete) on the whole artifact bucket: code of the repository the project builds could then
 * replace any artifact of the pipeline, such as the templates waiting behind the approval. The
 * action is given the project without its role, so that it grants nothing; this grants instead.
 */
export function scopedCodeBuildAction(bucket: s3.IBucket, props: actions.CodeBuildActionProps & { readonly project: codebuild.Project }): actions.CodeBuildAction {
  const role = props.project.role;
  if (role === undefined) throw new Error(`CodeBuild project ${props.project.node.path} has no role to grant its artifacts to`);
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'ReadPipelineArtifacts',
    actions: ['s3:GetObject', 's3:GetObjectVersion'],
    resources: [bucket.arnForObjects('*')],
  }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'LocatePipelineArtifactBucket',
    actions: ['s3:GetBucketLocation', 's3:GetBucketAcl'],
    resources: [bucket.bucketArn],
  }));
  const outputs = props.outputs ?? [];
  if (outputs.length > 0) {
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: `Write${outputs.map((o) => o.artifactName).join('')}`,
      actions: ['s3:PutObject'],
      resources: outputs.map((o) => artifactObjects(bucket, o)),
    }));
  }
  // The project, seen without its role: CodeBuildAction grants a role-less project nothing.
  const withoutRole = Object.create(props.project, { role: { value: undefined } }) as codebuild.Project;
  return new actions.CodeBuildAction({ ...props, project: withoutRole });
}
