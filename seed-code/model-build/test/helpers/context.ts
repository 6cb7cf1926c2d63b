import { codeLocations, scriptLocations } from '../../src/cli/scripts';
import { PIPELINES, type PipelineContext } from '../../src/pipelines';

export const KMS = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

/** A project context with fixed values; code entries for the names given. */
export function contextFor(key: string, code: readonly string[] = ['preprocess', 'evaluate'], extra: Partial<PipelineContext> = {}): PipelineContext {
  return {
    region: 'eu-west-1',
    pipelineKey: key,
    pipelineName: `${key}-p-abc123`,
    modelPackageGroupName: `${key}-p-abc123`,
    roleArn: 'arn:aws:iam::123456789012:role/pipeline',
    bucket: 'sagemaker-project-p-abc123',
    kmsKeyArn: KMS,
    code: Object.fromEntries(
      code.map((name) => [name, { s3Uri: `s3://sagemaker-project-p-abc123/${key}-p-abc123/code/sha-${name}/${name}.py`, files: [`${name}.py`] }]),
    ),
    jobTags: [
      { Key: 'sagemaker:project-name', Value: key },
      { Key: 'sagemaker:project-id', Value: 'p-abc123' },
    ],
    ...extra,
  };
}

/** The project images a shipped pipeline may run, by digest as the image build writes them. */
export const PROJECT_IMAGES = { tensorflow: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-p-abc123-images@sha256:${'b'.repeat(64)}` };

/** The context of a shipped pipeline with its real code files (entry points are checked) and {@link PROJECT_IMAGES}. */
export function shippedContext(key: string, extra: Partial<PipelineContext> = {}): PipelineContext {
  const base = contextFor(key, []);
  return { ...base, code: codeLocations(scriptLocations(PIPELINES[key].code, base.bucket, base.pipelineName)), projectImages: PROJECT_IMAGES, ...extra };
}

/** Every step of a parsed definition, condition branches included. */
export function stepsOf(def: any): any[] {
  const walk = (steps: any[]): any[] =>
    steps.flatMap((s) => [s, ...walk(s.Arguments?.IfSteps ?? []), ...walk(s.Arguments?.ElseSteps ?? [])]);
  return walk(def.Steps);
}

/** The step of a parsed definition with this name. */
export function stepNamed(def: any, name: string): any {
  const found = stepsOf(def).find((s) => s.Name === name);
  if (!found) {
    throw new Error(`no step ${name}`);
  }
  return found;
}
