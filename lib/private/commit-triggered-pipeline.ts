import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import { Construct } from 'constructs';
import { ProjectPipelineProps } from '../project-pipeline-props';

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
}

/**
 * The skeleton both sides of a project share: a V2 CodePipeline with the project's pipeline artifact bucket, one role
 * for all its actions, a `Source` stage on the configured branch and what starts it on a commit.
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
  const pipeline = new codepipeline.Pipeline(scope, 'Pipeline', {
    pipelineName: options.pipelineName,
    pipelineType: codepipeline.PipelineType.V2,
    artifactBucket: props.pipelineArtifactsBucket,
    restartExecutionOnUpdate: false,
    // One role per pipeline, not one per action.
    usePipelineRoleForActions: true,
    variables: options.variables,
    stages: [
      {
        stageName: 'Source',
        actions: [new actions.CodeCommitSourceAction({
          actionName: options.sourceActionName,
          repository: props.repository,
          branch: props.branch,
          output: source,
          // The named EventBridge rule below starts the pipeline; no second, generated rule.
          trigger: actions.CodeCommitTrigger.NONE,
        })],
      },
      ...options.stages(source),
    ],
  });

  props.repository.onCommit('CommitRule', {
    ruleName: options.ruleName,
    description: `Runs ${options.pipelineName} on every commit to ${props.branch}`,
    branches: [props.branch],
    target: new targets.CodePipeline(pipeline, { eventRole: props.eventsRole }),
  });
  return pipeline;
}
