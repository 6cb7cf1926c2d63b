/**
 * Compile-time guarantees: `npm test` runs `tsc --noEmit` over this file, and each
 * `@ts-expect-error` fails the type-check if the line below it ever compiles.
 */
import { ParameterInteger, ParameterString, ProcessingStep } from '../../src/workflow';
import { processingArgs, trainingStep } from '../helpers/fixtures';

describe('typed arguments', () => {
  test('misspelt, misplaced or mistyped fields do not compile', () => {
    const count = new ParameterInteger('Count', 1);
    const type = new ParameterString('Type', 'ml.m5.large');
    const train = trainingStep('Train');
    const build = () => [
      new ProcessingStep({
        name: 'Misspelt',
        arguments: {
          ...processingArgs(),
          // @ts-expect-error AppSpecification is misspelt
          AppSpecificaton: { ImageUri: 'image:1' },
        },
      }),
      new ProcessingStep({
        name: 'Misplaced',
        arguments: {
          ...processingArgs(),
          // @ts-expect-error TrainingImage belongs to a training job, not a processing job
          AppSpecification: { ImageUri: 'image:1', TrainingImage: 'image:1' },
        },
      }),
      new ProcessingStep({
        name: 'WrongParameterType',
        arguments: {
          ...processingArgs(),
          ProcessingResources: {
            // @ts-expect-error an Integer parameter where a string (instance type) is expected
            ClusterConfig: { InstanceCount: type, InstanceType: count, VolumeSizeInGB: 10 },
          },
        },
      }),
      new ProcessingStep({
        name: 'UnknownInstanceType',
        arguments: {
          ...processingArgs(),
          ProcessingResources: {
            // @ts-expect-error not an instance type of the API's enum
            ClusterConfig: { InstanceCount: 1, InstanceType: 'ml.m5.huge', VolumeSizeInGB: 10 },
          },
        },
      }),
      // @ts-expect-error Describe* properties are typed: there is no ModelArtifact
      train.properties.ModelArtifact,
      // Correct wiring compiles.
      new ProcessingStep({
        name: 'Ok',
        arguments: {
          ...processingArgs(),
          ProcessingResources: { ClusterConfig: { InstanceCount: count, InstanceType: type, VolumeSizeInGB: 10 } },
          Environment: { MODEL: train.properties.ModelArtifacts.S3ModelArtifacts },
        },
      }),
    ];
    expect(build).not.toThrow();
  });
});
