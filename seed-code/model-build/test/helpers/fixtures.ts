import {
  ParameterString,
  Pipeline,
  ProcessingStep,
  ProcessingJobArguments,
  Step,
  TrainingStep,
} from '../../src/workflow';

export const ROLE = 'arn:aws:iam::123456789012:role/test';

/** Minimal valid processing-job arguments with one output per name. */
export function processingArgs(outputs: string[] = ['out']): ProcessingJobArguments {
  return {
    RoleArn: ROLE,
    AppSpecification: { ImageUri: 'image:1' },
    ProcessingResources: { ClusterConfig: { InstanceCount: 1, InstanceType: 'ml.m5.large', VolumeSizeInGB: 10 } },
    ProcessingOutputConfig: {
      Outputs: outputs.map((name) => ({
        OutputName: name,
        S3Output: { S3Uri: `s3://bucket/${name}`, LocalPath: `/opt/ml/processing/${name}`, S3UploadMode: 'EndOfJob' },
      })),
    },
  };
}

export function processingStep(name: string, extra: Partial<ConstructorParameters<typeof ProcessingStep>[0]> = {}) {
  return new ProcessingStep({ name, arguments: processingArgs(), ...extra });
}

export function trainingStep(name: string, s3Uri: TrainingInputUri = 's3://bucket/train') {
  return new TrainingStep({
    name,
    arguments: {
      RoleArn: ROLE,
      AlgorithmSpecification: { TrainingImage: 'image:1', TrainingInputMode: 'File' },
      InputDataConfig: [{ ChannelName: 'train', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: s3Uri } } }],
      OutputDataConfig: { S3OutputPath: 's3://bucket/model' },
      ResourceConfig: { InstanceCount: 1, InstanceType: 'ml.m5.large', VolumeSizeInGB: 10 },
      StoppingCondition: { MaxRuntimeInSeconds: 3600 },
    },
  });
}

type TrainingInputUri = NonNullable<
  NonNullable<NonNullable<ConstructorParameters<typeof TrainingStep>[0]['arguments']['InputDataConfig']>[number]['DataSource']>['S3DataSource']
>['S3Uri'];

export function pipelineOf(steps: Step[], parameters: ParameterString[] = []): Pipeline {
  return new Pipeline({ name: 'test-pipeline', parameters, steps });
}

/** The parsed definition of a pipeline. */
export function definitionOf(pipeline: Pipeline): any {
  return JSON.parse(pipeline.toJson());
}
