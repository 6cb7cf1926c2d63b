import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
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
