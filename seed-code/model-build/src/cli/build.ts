/** Builds the selected pipeline for resolved project settings. */
import { Pipeline } from '../workflow';
import { ProjectSettings, UsageError } from './settings';
import { ScriptLocation, codeLocations, scriptLocations } from './scripts';
import { FRAMEWORK_REGISTRY_ACCOUNTS, UnknownRegionError } from '../pipelines';

/** A built pipeline with the code it needs uploaded. */
export interface BuiltPipeline {
  readonly pipeline: Pipeline;
  readonly scripts: readonly ScriptLocation[];
}

/**
 * Builds the pipeline with the project tags on every job (whatever the blueprint set); an
 * unknown region becomes a usage error naming `--region`.
 */
export function buildPipeline(settings: ProjectSettings): BuiltPipeline {
  const scripts = scriptLocations(settings.blueprint.code, settings.bucket, settings.pipelineName);
  try {
    const pipeline = settings.blueprint.build({
      region: settings.region,
      pipelineKey: settings.pipelineKey,
      pipelineName: settings.pipelineName,
      modelPackageGroupName: settings.modelPackageGroupName,
      roleArn: settings.roleArn,
      bucket: settings.bucket,
      kmsKeyArn: settings.kmsKeyArn,
      code: codeLocations(scripts),
      imageUris: settings.imageUris,
      projectImages: settings.projectImages,
      jobTags: settings.tags,
    });
    return { pipeline: pipeline.withJobTags(settings.tags), scripts };
  } catch (error) {
    if (error instanceof UnknownRegionError) {
      throw new UsageError(
        `--region (AWS_REGION) '${error.region}' has no scikit-learn/XGBoost image in this seed's table; ` +
          `supported: ${Object.keys(FRAMEWORK_REGISTRY_ACCOUNTS).join(', ')}; ` +
          'or pass --sklearn-image-uri and --xgboost-image-uri',
      );
    }
    throw error;
  }
}
