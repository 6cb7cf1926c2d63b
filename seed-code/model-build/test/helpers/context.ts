import type { PipelineContext } from '../../src/pipelines';

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
