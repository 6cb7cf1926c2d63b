/**
 * What the CLIs need to know about a pipeline: its local code and how to build it for a project.
 */
import type { JobTag, Pipeline } from '../workflow';
import type { Framework } from './image-uris';

/** An uploaded code file or folder. */
export interface CodeLocation {
  /** S3 URI: of the file, or of the folder's prefix (ending in `/`). */
  readonly s3Uri: string;
  /** Files relative to the folder (for a single file: its name), sorted. */
  readonly files: readonly string[];
}

/** Project-specific inputs of a pipeline build. */
export interface PipelineContext {
  /** AWS region the pipeline runs in (selects image URIs and the default input data). */
  readonly region: string;
  /** Short name of the pipeline in this repository (`abalone`, `churn`), as `--pipeline` / `PIPELINE` select it. */
  readonly pipelineKey: string;
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
  /** Where each code file or folder was uploaded, by the logical name used in {@link PipelineBlueprint.code}. */
  readonly code: Readonly<Record<string, CodeLocation>>;
  /** Image URIs to use instead of the region table. @default - from the region table */
  readonly imageUris?: Readonly<Partial<Record<Framework, string>>>;
  /**
   * URIs of the project's own images (folders `containers/<name>/` of this repository), by folder
   * name: by digest once the image build pushed them, otherwise by content tag (see
   * `src/containers/images.ts`). @default - none: a pipeline that needs one fails with how to build it
   */
  readonly projectImages?: Readonly<Record<string, string>>;
  /**
   * Tags of every job the pipeline starts (the CLIs pass the project tags). The CLIs also add them
   * to whatever pipeline a blueprint returns, so a blueprint cannot forget them.
   * @default - none
   */
  readonly jobTags?: readonly JobTag[];
}

/** A pipeline the CLIs can print and run. */
export interface PipelineBlueprint {
  /** One line for `--help`. */
  readonly description: string;
  /**
   * Local code the pipeline runs, by logical name: a file, or a folder (several modules and
   * optionally a `requirements.txt`); uploaded content-addressed to S3 before each run.
   */
  readonly code: Readonly<Record<string, string>>;
  /** Builds the pipeline for a project. */
  build(context: PipelineContext): Pipeline;
}
