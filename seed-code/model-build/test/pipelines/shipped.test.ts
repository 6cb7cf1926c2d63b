/**
 * The pipelines this repository ships, checked for what must hold whatever a user changes in them
 * (hyperparameters, thresholds, instance types, step names): they build, validate, are
 * deterministic, tag every job with the project, register with their short name, gate on their
 * own threshold with a Fail step, and their code exists. Behaviour of the building blocks is
 * tested with fixtures in builders.test.ts.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runLocal } from '../../src/local/run-local';
import { PIPELINES } from '../../src/pipelines';
import { ACCURACY_THRESHOLD } from '../../src/pipelines/churn/pipeline';
import { MSE_THRESHOLD } from '../../src/pipelines/abalone/pipeline';
import { shippedContext, stepsOf } from '../helpers/context';

const JOB_TYPES = new Set(['Processing', 'Training', 'Transform']);

/** The condition steps that decide registration (not the builder's spot-wait check). */
const qualityGates = (def: any) =>
  stepsOf(def).filter((s) => s.Type === 'Condition' && s.Arguments.IfSteps.some((i: any) => i.Type === 'RegisterModel'));

describe.each(Object.keys(PIPELINES))('shipped pipeline %s', (key) => {
  const blueprint = PIPELINES[key];
  const ctx = shippedContext(key);
  const def = () => JSON.parse(blueprint.build(ctx).toJson());

  test('builds a valid, byte-identical definition', () => {
    const pipeline = blueprint.build(ctx);
    expect(pipeline.validate()).toEqual([]);
    expect(blueprint.build(ctx).toJson({ indent: 2 })).toBe(pipeline.toJson({ indent: 2 }));
  });

  test('every job step carries the project tags', () => {
    const jobs = stepsOf(def()).filter((s) => JOB_TYPES.has(s.Type));
    expect(jobs.length).toBeGreaterThan(0);
    for (const job of jobs) {
      expect(job.Arguments.Tags).toEqual(
        expect.arrayContaining([
          { Key: 'sagemaker:project-name', Value: key },
          { Key: 'sagemaker:project-id', Value: 'p-abc123' },
        ]),
      );
    }
  });

  test('registers into the project group with its short name and the feature count in CustomerMetadataProperties', () => {
    const registers = stepsOf(def()).filter((s) => s.Type === 'RegisterModel');
    expect(registers).toHaveLength(1);
    expect(registers[0].Arguments.ModelPackageGroupName).toBe(`${key}-p-abc123`);
    const metadata = registers[0].Arguments.CustomerMetadataProperties;
    expect(metadata.pipeline).toBe(key);
    // read from model-input.json, which the evaluation step declares as a property file
    const [value] = metadata.feature_count['Std:Join'].Values;
    expect(value['Std:JsonGet'].Path).toBe('feature_count');
    const [, evaluation, , file] = value['Std:JsonGet'].PropertyFile.Get.split('.');
    const declared = stepsOf(def()).find((s) => s.Name === evaluation).PropertyFiles.find((f: any) => f.PropertyFileName === file);
    expect(declared.FilePath).toBe('model-input.json');
  });

  test('the quality gate registers on success and otherwise fails with a message', () => {
    const gates = qualityGates(def());
    expect(gates).toHaveLength(1);
    expect(gates[0].Arguments.IfSteps.map((s: any) => s.Type)).toEqual(['RegisterModel']);
    expect(gates[0].Arguments.ElseSteps.map((s: any) => s.Type)).toEqual(['Fail']);
    expect(JSON.stringify(gates[0].Arguments.ElseSteps[0].Arguments.ErrorMessage)).toContain('Std:JsonGet');
  });

  test('a run started from Studio with a spot wait below a training runtime stops before any job, with the reason', async () => {
    const definition = def();
    const trainings = stepsOf(definition).filter((s) => s.Type === 'Training' && typeof s.Arguments.StoppingCondition.MaxWaitTimeInSeconds === 'object');
    // Holds whatever the user changes: with spot off (no wait parameter) there is nothing to check.
    for (const training of trainings) {
      const parameter = training.Arguments.StoppingCondition.MaxWaitTimeInSeconds.Get.replace('Parameters.', '');
      const runtime = training.Arguments.StoppingCondition.MaxRuntimeInSeconds;
      const result = await runLocal({
        definition,
        pipelineName: 'p',
        bucket: 'b',
        parameters: { [parameter]: String(runtime - 1) },
        code: [],
        runDir: mkdtempSync(path.join(tmpdir(), 'studio-')),
        python: '/nonexistent/python3',
        log: () => undefined,
      });
      expect(result.status).toBe('Failed');
      expect(result.steps.map((s) => s.type)).toEqual(['Condition', 'Fail']);
      expect(result.failureReason).toContain(`parameter ${parameter} is ${runtime - 1} but step ${training.Name} has MaxRuntimeInSeconds ${runtime}`);
    }
  });

  test('declares only parameters its steps read', () => {
    const definition = def();
    const text = JSON.stringify(definition.Steps);
    for (const parameter of definition.Parameters) {
      expect(text).toContain(`"Parameters.${parameter.Name}"`);
    }
  });

  test('its code exists on disk', () => {
    for (const file of Object.values(blueprint.code)) {
      expect(existsSync(file)).toBe(true);
    }
  });
});

test.each([
  ['abalone', 'LessThanOrEqualTo', 'regression_metrics.mse.value', MSE_THRESHOLD],
  ['churn', 'GreaterThanOrEqualTo', 'binary_classification_metrics.accuracy.value', ACCURACY_THRESHOLD],
])('the %s gate compares %s on %s with its exported threshold', (key, type, path, threshold) => {
  const def = JSON.parse(PIPELINES[key].build(shippedContext(key)).toJson());
  const [condition] = qualityGates(def)[0].Arguments.Conditions;
  expect(condition.Type).toBe(type);
  expect(condition.LeftValue['Std:JsonGet'].Path).toBe(path);
  expect(condition.RightValue).toBe(threshold);
});
