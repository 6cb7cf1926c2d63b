import * as fs from 'fs';
import * as path from 'path';
import { isInsideRepository } from './stage-config';

/** Folder of the per-pipeline sample payloads, relative to the repository root. */
export const PAYLOADS_FOLDER = 'smoke-test/payloads';

/**
 * The pipeline assumed for a model package that does not say which pipeline built it (packages
 * registered before the model-build seed wrote `CustomerMetadataProperties.pipeline`).
 */
export const DEFAULT_PIPELINE = 'abalone';

/** The `CustomerMetadataProperties` key the model-build seed writes the pipeline name to. */
export const PIPELINE_METADATA_KEY = 'pipeline';

const PIPELINE_NAME = /^[a-z0-9](-?[a-z0-9])*$/i;

/** The payload file of a pipeline, relative to the repository root. */
export function pipelinePayloadFile(pipeline: string): string {
  return `${PAYLOADS_FOLDER}/${pipeline}.csv`;
}

/** Inputs of {@link chooseSmokeTestPayload}. */
export interface ChooseSmokeTestPayloadOptions {
  /** The package's `CustomerMetadataProperties.pipeline`, or undefined when it has none. */
  readonly pipeline: string | undefined;
  /** `smokeTest.samplePayloadFile` of the staging configuration, when set: it wins. */
  readonly configuredFile: string | undefined;
  /** Folder the paths are relative to. */
  readonly repositoryRoot: string;
  /** The package, for messages. */
  readonly modelPackageArn: string;
  /** @default - no logging */
  readonly log?: (line: string) => void;
}

/**
 * Chooses the sample rows the smoke test sends: the file the staging configuration names, else
 * the payload of the pipeline that built the model (`smoke-test/payloads/<pipeline>.csv`), else,
 * for a package that names no pipeline, abalone's.
 *
 * @returns the file, relative to the repository root
 * @throws Error when the pipeline name is not a name, or the chosen file does not exist
 */
export function chooseSmokeTestPayload(options: ChooseSmokeTestPayloadOptions): string {
  const log = options.log ?? (() => undefined);
  let file: string;
  if (options.configuredFile !== undefined) {
    file = options.configuredFile;
    log(`Smoke-test payload: ${file} (smokeTest.samplePayloadFile of config/staging.json, used whichever pipeline built the model).`);
  } else if (options.pipeline === undefined) {
    file = pipelinePayloadFile(DEFAULT_PIPELINE);
    log(`Smoke-test payload: ${file}. Model package ${options.modelPackageArn} has no CustomerMetadataProperties.${PIPELINE_METADATA_KEY}, so it is taken for an ${DEFAULT_PIPELINE} model.`);
  } else {
    if (!PIPELINE_NAME.test(options.pipeline)) {
      throw new Error(`CustomerMetadataProperties.${PIPELINE_METADATA_KEY} of model package ${options.modelPackageArn} must be a pipeline name (letters, digits and single hyphens); got '${options.pipeline}'`);
    }
    file = pipelinePayloadFile(options.pipeline);
    log(`Smoke-test payload: ${file} (the model was built by the '${options.pipeline}' pipeline).`);
  }
  if (!isInsideRepository(file) || !fs.existsSync(path.join(options.repositoryRoot, file))) {
    throw new Error(`No smoke-test payload ${file} for model package ${options.modelPackageArn}: add that file (CSV rows in the model's input format, no header; see README) or set smokeTest.samplePayloadFile in config/staging.json`);
  }
  return file;
}

/** Inputs of {@link payloadForRun}. */
export interface PayloadForRunOptions {
  /** A file named on the command line. */
  readonly argument?: string;
  /** `SMOKE_TEST_PAYLOAD`, exported by the build action for the model it deployed. */
  readonly exported?: string;
  /** `smokeTest.samplePayloadFile` of config/staging.json. */
  readonly configured?: string;
  /** @default - no logging */
  readonly log?: (line: string) => void;
}

/**
 * The payload file the smoke test sends, first found: the command-line argument, the build's
 * `SMOKE_TEST_PAYLOAD`, the configured file, abalone's payload (a test action that does not
 * receive the build's choice).
 * @throws Error when `SMOKE_TEST_PAYLOAD` leaves the repository
 */
export function payloadForRun(options: PayloadForRunOptions): string {
  const log = options.log ?? (() => undefined);
  if (options.argument) {
    log(`Payload ${options.argument}: named on the command line.`);
    return options.argument;
  }
  const exported = options.exported?.trim();
  if (exported) {
    if (!isInsideRepository(exported)) {
      throw new Error(`SMOKE_TEST_PAYLOAD must be a path inside the repository, relative to its root; got '${options.exported}'`);
    }
    log(`Payload ${exported}: chosen by the build for the deployed model's pipeline (SMOKE_TEST_PAYLOAD).`);
    return exported;
  }
  if (options.configured) {
    log(`Payload ${options.configured}: smokeTest.samplePayloadFile of config/staging.json.`);
    return options.configured;
  }
  const fallback = pipelinePayloadFile(DEFAULT_PIPELINE);
  log(`Payload ${fallback}: SMOKE_TEST_PAYLOAD is not set (the test action did not receive the build's choice), so the model is taken for an ${DEFAULT_PIPELINE} model.`);
  return fallback;
}
