/**
 * A SageMaker pipeline: parameters and steps, validated and rendered to the definition JSON.
 *
 * @see https://aws-sagemaker-mlops.github.io/sagemaker-model-building-pipeline-definition-JSON-schema/
 */
import { JsonValue, Parameter, Scalar } from './expressions';
import { canonicalJson } from './json';
import { localStorageProblems, spotWaitProblems } from './job-resources';
import { JobTag, Step } from './steps';
import { PipelineValidationError, allSteps, validateJobTags, validatePipeline } from './validation';

/** Definition language version this library emits. */
export const DEFINITION_VERSION = '2020-12-01';

/**
 * Largest definition CreatePipeline accepts inline, in bytes; larger ones must be passed as
 * `PipelineDefinitionS3Location`.
 */
export const INLINE_DEFINITION_LIMIT_BYTES = 1024 * 1024;

/** Properties of {@link Pipeline}. */
export interface PipelineProps {
  /** Pipeline name, 1-256 letters, digits or hyphens. */
  readonly name: string;
  /** Parameters every reference must be declared in. @default - none */
  readonly parameters?: ReadonlyArray<Parameter<Scalar>>;
  /** Top-level steps; condition branch steps are reached through their condition step. */
  readonly steps: readonly Step[];
  /**
   * Tags put on every job the pipeline starts (the `Tags` of each processing, training and
   * transform request), e.g. the SageMaker project tags that IAM conditions such as
   * `aws:RequestTag/sagemaker:project-id` require. A key here wins over the same key in a step.
   * @default - none
   */
  readonly jobTags?: readonly JobTag[];
}

/** Options of {@link Pipeline.toJson}. */
export interface ToJsonOptions {
  /** Spaces per indentation level; 0 gives compact JSON (what is sent to the service). @default 0 */
  readonly indent?: number;
}

/** A pipeline definition. Nothing is emitted unless every validation rule passes. */
export class Pipeline {
  public readonly name: string;
  public readonly parameters: ReadonlyArray<Parameter<Scalar>>;
  public readonly steps: readonly Step[];
  public readonly jobTags: readonly JobTag[];

  public constructor(props: PipelineProps) {
    this.name = props.name;
    this.parameters = [...(props.parameters ?? [])];
    this.steps = [...props.steps];
    this.jobTags = [...(props.jobTags ?? [])];
  }

  /** This pipeline with `tags` added to its job tags (a key given here wins). */
  public withJobTags(tags: readonly JobTag[]): Pipeline {
    const keys = new Set(tags.map((t) => t.Key));
    return new Pipeline({
      name: this.name,
      parameters: this.parameters,
      steps: this.steps,
      jobTags: [...this.jobTags.filter((t) => !keys.has(t.Key)), ...tags],
    });
  }

  /** Every step, condition branches included. */
  public allSteps(): Step[] {
    return allSteps(this.steps);
  }

  /** The problems of this pipeline; empty when it is valid. */
  public validate(): string[] {
    const steps = this.allSteps();
    return [...validatePipeline(this), ...validateJobTags(steps, this.jobTags), ...localStorageProblems(steps), ...spotWaitProblems(steps)];
  }

  /**
   * The definition as a JSON value.
   *
   * @throws PipelineValidationError listing every problem
   */
  public definition(): JsonValue {
    const errors = this.validate();
    if (errors.length > 0) {
      throw new PipelineValidationError(this.name, errors);
    }
    return {
      Version: DEFINITION_VERSION,
      Parameters: this.parameters.map((p) => p.declaration()),
      Steps: this.steps.map((s) => s.toDefinition({ jobTags: this.jobTags })),
    };
  }

  /**
   * The definition as canonical JSON: byte-identical for the same pipeline.
   *
   * @throws PipelineValidationError listing every problem
   */
  public toJson(options: ToJsonOptions = {}): string {
    return canonicalJson(this.definition(), options.indent ?? 0);
  }
}

/** Whether a definition can be sent inline or must go through S3. */
export function fitsInline(definitionJson: string, limitBytes = INLINE_DEFINITION_LIMIT_BYTES): boolean {
  return Buffer.byteLength(definitionJson, 'utf8') <= limitBytes;
}
