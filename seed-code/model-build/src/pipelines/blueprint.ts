/**
 * What the CLIs need to know about a pipeline: its local scripts and how to build it for a project.
 */
import type { Pipeline } from '../workflow';
import type { Framework } from './image-uris';

/** Project-specific inputs of a pipeline build. */
export interface PipelineContext {
  /** AWS region the pipeline runs in (selects image URIs and the default input data). */
  readonly region: string;
  /** SageMaker pipeline name, `<project-name>-<project-id>` in a SageMaker project. */
  readonly pipelineName: string;
  /** Model package group that receives registered models. */
  readonly modelPackageGroupName: string;
  /** Role the pipeline's jobs run as. */
  readonly roleArn: string;
  /** Bucket for job outputs, under the `<pipelineName>/` prefix. */
  readonly bucket: string;
  /** KMS key for job outputs and volumes. @default - the bucket's and the service's default encryption */
  readonly kmsKeyArn?: string;
  /** S3 URI of each script, by the logical name used in {@link PipelineBlueprint.scripts}. */
  readonly scriptUris: Readonly<Record<string, string>>;
  /** Image URIs to use instead of the region table. @default - from the region table */
  readonly imageUris?: Readonly<Partial<Record<Framework, string>>>;
}

/** A pipeline the CLIs can print and run. */
export interface PipelineBlueprint {
  /** One line for `--help`. */
  readonly description: string;
  /** Local scripts the pipeline runs, by logical name; uploaded to S3 before each run. */
  readonly scripts: Readonly<Record<string, string>>;
  /** Builds the pipeline for a project. */
  build(context: PipelineContext): Pipeline;
}
