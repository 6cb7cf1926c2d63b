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
  /**
   * Paths of the step's arguments whose value looks like it changes on every run (a timestamp, an
   * epoch time, a UUID): such a step can never be reused from the cache.
   */
  readonly volatile?: readonly string[];
}

/** An edge of the pipeline graph: `to` reads from, depends on, or is a branch of `from`. */
export interface PlanEdge {
  readonly from: string;
  readonly to: string;
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
  /** The graph of the definition about to be upserted. */
  readonly edges?: readonly PlanEdge[];
}

/** How many executions (newest first) are searched for the last successful one. */
const EXECUTIONS_SEARCHED = 100;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
interface DefinitionStep {
  Name: string;
  Type: string;
  Arguments?: Json;
  DependsOn?: string[];
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

/**
 * Values that differ on every run: ISO or compact timestamps, epoch seconds or milliseconds. Not
 * UUIDs: KMS key ids and other stable ids look the same as random ones.
 */
const VOLATILE_PATTERNS: ReadonlyArray<[RegExp, string]> = [
  [/\b(19|20)\d\d-?[01]\d-?[0-3]\d[T_-]?[0-2]\d:?[0-5]\d:?[0-5]\d/, 'a timestamp'],
  [/(^|[^\d])1[5-9]\d{8}(\d{3})?($|[^\d])/, 'an epoch time'],
];

/**
 * Paths in a step's own arguments whose string value looks like it changes on every run, with
 * what it looks like (`Environment.STARTED (a timestamp)`). A `Get` or `Std:Join` is evaluated at run
 * time from parameters and execution variables, which the cache key sees as written: not flagged.
 */
export function volatileArguments(value: Json | undefined, at = ''): string[] {
  if (typeof value === 'string') {
    // An ARN names a resource; its digits are account ids and versions.
    const hit = value.startsWith('arn:') ? undefined : VOLATILE_PATTERNS.find(([pattern]) => pattern.test(value));
    return hit ? [`${at || '(whole value)'} (${hit[1]})`] : [];
  }
  if (Array.isArray(value)) return value.flatMap((item, i) => volatileArguments(item, `${at}[${i}]`));
  if (value && typeof value === 'object') {
    return Object.keys(value).sort().flatMap((k) => volatileArguments(value[k], at ? `${at}.${k}` : k));
  }
  return [];
}

/** The edges of a definition's graph: data references, DependsOn, and condition branches. */
function definitionEdges(definition: Definition): PlanEdge[] {
  const edges: PlanEdge[] = [];
  for (const step of definitionSteps(definition)) {
    const refs = references(ownArguments(step));
    for (const from of [...new Set([...refs.steps, ...(step.DependsOn ?? [])])].sort()) edges.push({ from, to: step.Name });
    const args = (step.Arguments ?? {}) as { IfSteps?: DefinitionStep[]; ElseSteps?: DefinitionStep[] };
    for (const branch of [...(args.IfSteps ?? []), ...(args.ElseSteps ?? [])]) edges.push({ from: step.Name, to: branch.Name });
  }
  return edges;
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
  const withVolatile = (step: DefinitionStep, plan: StepPlan): StepPlan => {
    const volatile = jobs.has(step.Name) ? volatileArguments(ownArguments(step)) : [];
    return volatile.length > 0 ? { ...plan, volatile } : plan;
  };
  for (let round = 0; round <= nextSteps.length; round++) {
    let changed = false;
    for (const step of nextSteps) {
      const plan = planOf(step);
      if (plan.status !== 'reused' && !runs.has(step.Name)) {
        runs.add(step.Name);
        changed = true;
      }
      plans.set(step.Name, withVolatile(step, plan));
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
    edges: definitionEdges(next),
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

/** A step's reasons, then its never-cacheable arguments. */
function whyOf(step: StepPlan): string {
  const never = (step.volatile ?? []).map((path) => `never reused: argument ${path} changes on every run`);
  return [...step.reasons, ...never].join('; ');
}

function worstCaseLine(plan: RunPlan, region: string): string {
  const table = `${PRICES.region} on-demand prices of ${PRICES.asOf} (src/cli/prices.json)${region === PRICES.region ? '' : `; prices in ${region} differ`}`;
  return plan.worstCaseUsd === undefined
    ? `worst case: unknown (${plan.unpriced.join('; ')})`
    : `worst case: ${usd(plan.worstCaseUsd)}, every job that runs at its maximum runtime (an estimate from the ${table})`;
}

/** How each mark of a {@link mermaidGraph} node is drawn: a Mermaid `classDef` style. */
export type GraphMarks = Readonly<Record<string, string>>;

/** The marks of a plan's graph. */
const PLAN_MARKS: GraphMarks = {
  'reused': 'fill:#d1e7dd,stroke:#0f5132',
  'will run': 'fill:#fff3cd,stroke:#664d03',
  'new': 'fill:#cfe2ff,stroke:#084298',
  'removed': 'fill:#e2e3e5,stroke:#41464b,stroke-dasharray:4',
};

/**
 * A Mermaid flowchart of a pipeline (a fenced `mermaid` block, one line per element): a node per
 * step labelled with its name and mark and drawn in its mark's style, and the edges between the
 * steps drawn (an edge to a step not in `nodes` is left out). The one rendering of the pipeline
 * graph: `--plan --format markdown` marks steps reused / will run / new / removed, the end of a
 * `--local` run marks them ran / cached / failed / skipped.
 */
export function mermaidGraph(nodes: ReadonlyArray<{ readonly step: string; readonly mark: string }>, edges: readonly PlanEdge[], marks: GraphMarks): string[] {
  const ids = new Map(nodes.map((n, i) => [n.step, `s${i}`]));
  const classOf = (mark: string) => mark.replace(/[^A-Za-z0-9]/g, '');
  const lines = ['```mermaid', 'flowchart TD'];
  for (const n of nodes) lines.push(`  ${ids.get(n.step)}["${n.step.replace(/"/g, '#quot;')}<br/>${n.mark}"]:::${classOf(n.mark)}`);
  for (const e of edges) {
    if (ids.has(e.from) && ids.has(e.to)) lines.push(`  ${ids.get(e.from)} --> ${ids.get(e.to)}`);
  }
  for (const [mark, style] of Object.entries(marks)) lines.push(`  classDef ${classOf(mark)} ${style}`);
  lines.push('```');
  return lines;
}

/** The steps (condition branches included, in definition order) and edges of a pipeline definition's graph. */
export function definitionGraph(definition: unknown): { readonly steps: readonly string[]; readonly edges: readonly PlanEdge[] } {
  const parsed = definition as Definition;
  return { steps: definitionSteps(parsed).map((s) => s.Name), edges: definitionEdges(parsed) };
}

/** Output formats of `--plan`. */
export const PLAN_FORMATS = ['text', 'markdown'] as const;

/** A `--plan` output format. */
export type PlanFormat = (typeof PLAN_FORMATS)[number];

/**
 * The plan as Markdown, ready to post as a pull-request comment: a table of the steps (plan and
 * why), the worst case with the price table's date, and a Mermaid graph of the pipeline with each
 * step marked reused, will run, new (or removed, unconnected).
 */
export function planMarkdown(plan: RunPlan, region: string): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const lines = [
    `### Pipeline plan`,
    '',
    plan.deployed
      ? `Compared with the deployed pipeline${plan.baseline ? ` and its last successful execution \`${plan.baseline.arn}\`` : ', which has no successful execution'}.`
      : 'No pipeline deployed yet: every step is new.',
    '',
    '| Step | Plan | Why |',
    '|---|---|---|',
    ...plan.steps.map((s) => `| ${cell(s.step)} | ${s.status} | ${cell(whyOf(s))} |`),
    '',
    `**${cell(worstCaseLine(plan, region))}**`,
  ];
  if (plan.costs.length > 0) {
    lines.push('', '| Job | Instances | Max hours | Worst case |', '|---|---|---|---|');
    for (const c of plan.costs) {
      lines.push(`| ${cell(c.step)} | ${c.count} x ${c.instanceType}${c.spot ? ' (spot)' : ''} | ${c.hours.toFixed(2)} | ${usd(c.usd ?? 0)} |`);
    }
  }
  lines.push('', ...mermaidGraph(plan.steps.map((s) => ({ step: s.step, mark: s.status })), plan.edges ?? [], PLAN_MARKS));
  return `${lines.join('\n')}\n`;
}

/** The plan as printed: one line per step, then the worst case with the price table's date and region. */
export function planLines(plan: RunPlan, region: string): string[] {
  const lines = [
    plan.deployed
      ? `plan (compared with the deployed pipeline${plan.baseline ? ` and its last successful execution ${plan.baseline.arn}` : ', which has no successful execution'}):`
      : 'plan (no pipeline deployed yet: every step is new):',
  ];
  for (const step of plan.steps) {
    const why = whyOf(step);
    lines.push(`  ${step.step.padEnd(32)} ${why ? `${step.status.padEnd(9)} ${why}` : step.status}`);
  }
  lines.push(worstCaseLine(plan, region));
  for (const cost of plan.costs) {
    lines.push(`  ${cost.step.padEnd(32)} ${cost.count} x ${cost.instanceType} x ${cost.hours.toFixed(2)} h = ${usd(cost.usd ?? 0)}`
      + `${cost.spot ? ' (managed spot: billed at the spot price, at most this)' : ''}`);
  }
  return lines;
}
