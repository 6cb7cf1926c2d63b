/**
 * `run-pipeline --plan`: what a run of the definition about to be upserted will do, before anything
 * is changed. Each step is compared with the deployed pipeline's definition (DescribePipeline) and
 * with the pipeline's last successful execution (its parameter values and which steps succeeded):
 * reused (cacheable and nothing it depends on changed), will run (and why), new, or removed. Then
 * the worst case of the run's cost: per job that runs, instance type x count x maximum runtime,
 * priced from the dated table in prices.json. Read-only: Describe and List calls only.
 */
import {
  DescribePipelineCommand,
  ListPipelineExecutionsCommand,
  ListPipelineParametersForExecutionCommand,
  PipelineExecutionSummary,
} from '@aws-sdk/client-sagemaker';
import { JobResources, Pipeline, jobResources } from '../workflow';
import { SageMakerApi, listSteps } from './aws';
import PRICES from './prices.json';

/** What one step will do. */
export interface StepPlan {
  readonly step: string;
  readonly status: 'reused' | 'will run' | 'new' | 'removed';
  /** Why it runs (empty when reused or removed). */
  readonly reasons: readonly string[];
}

/** The worst-case cost of one job that runs. */
export interface JobCost {
  readonly step: string;
  readonly instanceType: string;
  readonly count: number;
  readonly hours: number;
  readonly spot: boolean;
  /** Undefined when the price table has no price for the instance type. */
  readonly usd?: number;
}

/** The plan of a run. */
export interface RunPlan {
  /** The execution compared with, if any succeeded. */
  readonly baseline?: { readonly arn: string; readonly started?: Date };
  readonly deployed: boolean;
  readonly steps: readonly StepPlan[];
  readonly costs: readonly JobCost[];
  /** Sum of the jobs' worst cases; undefined when a price or a maximum runtime is unknown. */
  readonly worstCaseUsd?: number;
  /** Jobs whose worst case cannot be priced, with why. */
  readonly unpriced: readonly string[];
}

/** How many executions (newest first) are searched for the last successful one. */
const EXECUTIONS_SEARCHED = 100;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
interface DefinitionStep {
  Name: string;
  Type: string;
  Arguments?: Json;
  CacheConfig?: { Enabled?: boolean };
}
interface Definition {
  Parameters?: Array<{ Name: string; DefaultValue?: Json }>;
  Steps: DefinitionStep[];
}

/** Every step of a definition, condition branches included. */
function definitionSteps(definition: Definition): DefinitionStep[] {
  const walk = (steps: readonly DefinitionStep[]): DefinitionStep[] =>
    steps.flatMap((s) => {
      const args = (s.Arguments ?? {}) as { IfSteps?: DefinitionStep[]; ElseSteps?: DefinitionStep[] };
      return [s, ...walk(args.IfSteps ?? []), ...walk(args.ElseSteps ?? [])];
    });
  return walk(definition.Steps);
}

/** The arguments a cache key is made of: a condition's branches are steps of their own. */
function ownArguments(step: DefinitionStep): Json | undefined {
  if (step.Type !== 'Condition' || step.Arguments === undefined || step.Arguments === null || typeof step.Arguments !== 'object') {
    return step.Arguments;
  }
  const { IfSteps, ElseSteps, ...rest } = step.Arguments as Record<string, Json>;
  void IfSteps;
  void ElseSteps;
  return rest;
}

/** Paths (`a.b[2].c`) where two JSON values differ. */
export function differences(a: Json | undefined, b: Json | undefined, at = ''): string[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    return a.flatMap((item, i) => differences(item, b[i], `${at}[${i}]`));
  }
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => differences(a[k], b[k], at ? `${at}.${k}` : k));
  }
  return [at || '(whole value)'];
}

/** The `Get` references in a value: `Parameters.X` and `Steps.Y....`. */
function references(value: Json | undefined): { parameters: Set<string>; steps: Set<string> } {
  const parameters = new Set<string>();
  const steps = new Set<string>();
  const walk = (v: Json | undefined): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) {
        if (k === 'Get' && typeof child === 'string') {
          const [kind, name] = child.split('.');
          if (kind === 'Parameters') parameters.add(name);
          if (kind === 'Steps') steps.add(name);
        } else walk(child);
      }
    }
  };
  walk(value);
  return { parameters, steps };
}

async function lastSucceeded(sagemaker: SageMakerApi, pipelineName: string): Promise<PipelineExecutionSummary | undefined> {
  let nextToken: string | undefined;
  let searched = 0;
  do {
    const page = await sagemaker.send(new ListPipelineExecutionsCommand({
      PipelineName: pipelineName, SortBy: 'CreationTime', SortOrder: 'Descending', NextToken: nextToken,
    }));
    const found = page.PipelineExecutionSummaries?.find((e) => e.PipelineExecutionStatus === 'Succeeded');
    if (found) return found;
    searched += page.PipelineExecutionSummaries?.length ?? 0;
    nextToken = page.NextToken;
  } while (nextToken && searched < EXECUTIONS_SEARCHED);
  return undefined;
}

async function executionParameters(sagemaker: SageMakerApi, executionArn: string): Promise<Map<string, string>> {
  const values = new Map<string, string>();
  let nextToken: string | undefined;
  do {
    const page = await sagemaker.send(new ListPipelineParametersForExecutionCommand({ PipelineExecutionArn: executionArn, NextToken: nextToken }));
    for (const p of page.PipelineParameters ?? []) if (p.Name !== undefined && p.Value !== undefined) values.set(p.Name, p.Value);
    nextToken = page.NextToken;
  } while (nextToken);
  return values;
}

/** A parameter's value in a run: the override, else the definition's default, as text. */
function valueOf(name: string, overrides: ReadonlyMap<string, string>, definition: Definition): string | undefined {
  const override = overrides.get(name);
  if (override !== undefined) return override;
  const declared = definition.Parameters?.find((p) => p.Name === name)?.DefaultValue;
  return declared === undefined ? undefined : String(declared);
}

/** Plans a run of `pipeline` (its definition `definitionJson`) with the given parameter overrides. */
export async function planRun(
  sagemaker: SageMakerApi,
  props: { readonly pipeline: Pipeline; readonly definitionJson: string; readonly overrides: ReadonlyMap<string, string> },
): Promise<RunPlan> {
  const next = JSON.parse(props.definitionJson) as Definition;
  let deployed: Definition | undefined;
  try {
    const out = await sagemaker.send(new DescribePipelineCommand({ PipelineName: props.pipeline.name }));
    deployed = out.PipelineDefinition ? (JSON.parse(out.PipelineDefinition) as Definition) : undefined;
  } catch (error) {
    if ((error as { name?: string }).name !== 'ResourceNotFound') throw error;
  }
  const baseline = deployed ? await lastSucceeded(sagemaker, props.pipeline.name) : undefined;
  const baselineValues = baseline?.PipelineExecutionArn ? await executionParameters(sagemaker, baseline.PipelineExecutionArn) : new Map<string, string>();
  const succeededSteps = new Set(
    baseline?.PipelineExecutionArn
      ? (await listSteps(sagemaker, baseline.PipelineExecutionArn)).filter((s) => s.StepStatus === 'Succeeded').map((s) => s.StepName)
      : [],
  );

  const deployedSteps = new Map((deployed ? definitionSteps(deployed) : []).map((s) => [s.Name, s]));
  const nextSteps = definitionSteps(next);
  const jobs = new Map(jobResources(props.pipeline.allSteps(), props.overrides).map((j) => [j.step, j]));
  const runs = new Set<string>();
  const plans = new Map<string, StepPlan>();
  // Steps appear after the steps they read from (the definition's order is the builder's), but a
  // step may list a later one; resolve in rounds until nothing changes.
  const planOf = (step: DefinitionStep): StepPlan => {
    const old = deployedSteps.get(step.Name);
    if (!deployed || !old) return { step: step.Name, status: 'new', reasons: [] };
    // Conditions, registrations and failures are evaluated on every run and bill no instances.
    if (!jobs.has(step.Name)) return { step: step.Name, status: 'will run', reasons: ['not a job: runs every time, bills nothing'] };
    const reasons: string[] = [];
    if (!step.CacheConfig?.Enabled) reasons.push('caching off');
    const changed = differences(ownArguments(old) ?? null, ownArguments(step) ?? null);
    if (changed.length > 0) reasons.push(`arguments changed: ${changed.slice(0, 3).join(', ')}${changed.length > 3 ? ` (+${changed.length - 3})` : ''}`);
    const refs = references(ownArguments(step));
    for (const name of [...refs.parameters].sort()) {
      const now = valueOf(name, props.overrides, next);
      const then = baselineValues.get(name) ?? (deployed ? valueOf(name, new Map(), deployed) : undefined);
      if (baseline && now !== then) reasons.push(`parameter ${name}: ${then ?? '(unset)'} -> ${now ?? '(unset)'}`);
    }
    if (!baseline) reasons.push('no successful execution to reuse');
    else if (!succeededSteps.has(step.Name)) reasons.push('did not run in the last successful execution');
    for (const upstream of [...refs.steps].sort()) if (runs.has(upstream) && jobs.has(upstream)) reasons.push(`reads from ${upstream}, which runs`);
    return { step: step.Name, status: reasons.length === 0 ? 'reused' : 'will run', reasons };
  };
  for (let round = 0; round <= nextSteps.length; round++) {
    let changed = false;
    for (const step of nextSteps) {
      const plan = planOf(step);
      if (plan.status !== 'reused' && !runs.has(step.Name)) {
        runs.add(step.Name);
        changed = true;
      }
      plans.set(step.Name, plan);
    }
    if (!changed) break;
  }
  const removed = [...deployedSteps.keys()].filter((name) => !nextSteps.some((s) => s.Name === name))
    .map((step): StepPlan => ({ step, status: 'removed', reasons: [] }));

  const costs: JobCost[] = [];
  const unpriced: string[] = [];
  for (const step of nextSteps) {
    const job = jobs.get(step.Name);
    if (!job || plans.get(step.Name)?.status === 'reused') continue;
    const cost = jobCost(job);
    if (typeof cost === 'string') unpriced.push(`${step.Name}: ${cost}`);
    else costs.push(cost);
  }
  const worstCaseUsd = unpriced.length > 0 ? undefined : costs.reduce((sum, c) => sum + (c.usd ?? 0), 0);
  return {
    ...(baseline?.PipelineExecutionArn ? { baseline: { arn: baseline.PipelineExecutionArn, started: baseline.StartTime } } : {}),
    deployed: deployed !== undefined,
    steps: [...nextSteps.map((s) => plans.get(s.Name)!), ...removed],
    costs,
    ...(worstCaseUsd === undefined ? {} : { worstCaseUsd }),
    unpriced,
  };
}

/** A job's worst case, or why it cannot be priced. */
function jobCost(job: JobResources): JobCost | string {
  if (job.instanceType === undefined) return 'its instance type is computed at run time';
  if (job.maxRuntimeSeconds === undefined) return 'it has no maximum runtime';
  const price = (PRICES.perInstanceHour as Record<string, number>)[job.instanceType];
  if (price === undefined) return `no price for ${job.instanceType} in src/cli/prices.json`;
  const count = job.instanceCount ?? 1;
  const hours = job.maxRuntimeSeconds / 3600;
  return { step: job.step, instanceType: job.instanceType, count, hours, spot: job.spot, usd: count * hours * price };
}

const usd = (value: number): string => `${value.toFixed(2)} USD`;

/** The plan as printed: one line per step, then the worst case with the price table's date and region. */
export function planLines(plan: RunPlan, region: string): string[] {
  const lines = [
    plan.deployed
      ? `plan (compared with the deployed pipeline${plan.baseline ? ` and its last successful execution ${plan.baseline.arn}` : ', which has no successful execution'}):`
      : 'plan (no pipeline deployed yet: every step is new):',
  ];
  for (const step of plan.steps) {
    lines.push(`  ${step.step.padEnd(32)} ${step.reasons.length > 0 ? `${step.status.padEnd(9)} ${step.reasons.join('; ')}` : step.status}`);
  }
  const table = `${PRICES.region} on-demand prices of ${PRICES.asOf} (src/cli/prices.json)${region === PRICES.region ? '' : `; prices in ${region} differ`}`;
  if (plan.worstCaseUsd === undefined) {
    lines.push(`worst case: unknown (${plan.unpriced.join('; ')})`);
  } else {
    lines.push(`worst case: ${usd(plan.worstCaseUsd)}, every job that runs at its maximum runtime (an estimate from the ${table})`);
  }
  for (const cost of plan.costs) {
    lines.push(`  ${cost.step.padEnd(32)} ${cost.count} x ${cost.instanceType} x ${cost.hours.toFixed(2)} h = ${usd(cost.usd ?? 0)}`
      + `${cost.spot ? ' (managed spot: billed at the spot price, at most this)' : ''}`);
  }
  return lines;
}
