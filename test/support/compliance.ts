import { execFile } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks } from 'cdk-nag';
import { CONTROL_TOWER_ACKNOWLEDGEMENTS } from '../../lib/private/control-tower-acknowledgements';
import { withTemplateValidation } from './validation';

/** cfn-lint rules ignored on every template, each with its reason. Nothing else is ignored. */
export const CFN_LINT_IGNORED: Record<string, string> = {
  // aws-cdk-lib makes a function, pipeline or state machine depend on both its role and the
  // role's DefaultPolicy: the policy half is needed (the role's permissions must exist before
  // first use), the role half repeats what the GetAtt of the role's ARN already orders. cfn-lint
  // flags that repetition; it changes nothing in deployment.
  W3005: "aws-cdk-lib's DependsOn on a role that a GetAtt already orders (next to the needed DependsOn on its policy); harmless",
};

/** One cdk-nag (or template validation) finding: rule and the construct paths it names. */
export interface Finding {
  readonly rule: string;
  readonly paths: string[];
}

/**
 * Synthesizes `app` (written to `outdir`) with cdk-nag's AwsSolutions pack and returns every
 * unacknowledged finding, template validation's included: validation is on for this synthesis
 * whatever CDK_VALIDATION says, unless `validate` is false (tests of acknowledgements on small
 * stacks: the first validated synthesis of a process loads the CloudFormation schema, seconds of
 * CPU). With `packs`, cdk-nag's HIPAA Security and NIST 800-53 R5 packs run in the same synthesis
 * (a fraction of a second more). An empty list means clean.
 */
export function nagFindings(app: App, outdir: string, options: { validate?: boolean; packs?: boolean } = {}): { findings: Finding[]; error: unknown } {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), ...(options.packs ? compliancePacks(app) : []));
  let error: unknown;
  try {
    if (options.validate === false) app.synth();
    else withTemplateValidation(() => app.synth());
  } catch (e) {
    error = e;
  }
  // A failed validation writes its findings to the report: show them, not just "failed".
  const report = path.join(outdir, 'validation-report.json');
  if (!fs.existsSync(report)) return { findings: [], error };
  const parsed = JSON.parse(fs.readFileSync(report, 'utf8'));
  const findings = (parsed.pluginReports ?? []).flatMap((p: { violations: Array<{ ruleName: string; violatingConstructs: Array<{ constructPath: string }> }> }) =>
    p.violations.map((v) => ({ rule: v.ruleName, paths: v.violatingConstructs.map((c) => c.constructPath) })));
  return { findings, error };
}

/**
 * cdk-nag's HIPAA Security and NIST 800-53 R5 packs, whose findings the project fixes or acknowledges
 * (lib/private/compliance-pack-acknowledgements.ts).
 */
export function compliancePacks(app: App): [HIPAASecurityChecks, NIST80053R5Checks] {
  return [new HIPAASecurityChecks(app), new NIST80053R5Checks(app)];
}

/** The synthesized templates of a cloud assembly folder. */
export function templatesIn(outdir: string): string[] {
  return fs.readdirSync(outdir).filter((f) => f.endsWith('.template.json')).map((f) => path.join(outdir, f));
}

/**
 * Runs cfn-lint on templates, ignoring only {@link CFN_LINT_IGNORED}; returns its findings (empty:
 * clean). It does not block this process: a synthesis can go on while cfn-lint works on another
 * core. Shares the slots of the cfn-guard processes. A cfn-lint that is missing, or that exits
 * with an error and no finding (a crash), fails loudly rather than passing as clean.
 */
export async function cfnLintAsync(templates: string[]): Promise<string> {
  return lintFindings(await inGuardSlot(() => runProcess('cfn-lint', ['--format', 'parseable', '--ignore-checks', ...Object.keys(CFN_LINT_IGNORED), '--', ...templates])));
}

/** cfn-lint's findings from its exit (see {@link cfnLintAsync}). */
export function lintFindings(result: ProcessResult): string {
  if ((result.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
    throw new Error('cfn-lint is not on PATH: install it (pip install cfn-lint) to run this test');
  }
  if (result.error) throw result.error;
  if (result.status !== 0 && result.stdout.trim() === '') throw new Error(`cfn-lint failed (status ${result.status}) without a finding: ${result.stderr}`);
  return result.stdout.trim();
}

/** One failed AWS Control Tower proactive control: control id, template file and resource. */
export interface ControlTowerFinding {
  /** The control, as Control Tower names it (`CT.KMS.PR.3`). */
  readonly control: string;
  /** File name of the template. */
  readonly template: string;
  /** Logical id of the failing resource, or `(template)` when the rule names none. */
  readonly resource: string;
}

/** Whether a failed control is one the project acknowledges (lib/private/control-tower-acknowledgements.ts). */
export const isAcknowledgedControl = (f: ControlTowerFinding): boolean =>
  CONTROL_TOWER_ACKNOWLEDGEMENTS.some((a) => a.control === f.control && a.resources.test(f.resource));

/** A bundled Control Tower rule file, with the guard rule names it defines and the types it reads. */
interface ControlTowerRule {
  readonly file: string;
  readonly control: string;
  readonly ruleNames: string[];
  readonly resourceTypes: string[];
}

const CFN_GUARD_PACKAGE = path.dirname(require.resolve('@cdklabs/cdk-validator-cfnguard/package.json'));

/** The cfn-guard binary that @cdklabs/cdk-validator-cfnguard bundles for this machine. */
function cfnGuardBinary(): string {
  const platform = ({ linux: 'ubuntu', darwin: 'macos' } as Record<string, string>)[process.platform];
  const arch = ({ x64: 'x86_64', arm64: 'aarch64' } as Record<string, string>)[process.arch];
  if (!platform || !arch) throw new Error(`cfn-guard is bundled for linux and macOS on x64 and arm64 only; this is ${process.platform}/${process.arch}`);
  return path.join(CFN_GUARD_PACKAGE, 'bin', platform, arch, 'cfn-guard');
}

/**
 * The Control Tower proactive controls bundled with @cdklabs/cdk-validator-cfnguard: one guard file
 * per control, which names the control in its messages (`[CT.KMS.PR.3]`).
 */
export function controlTowerRules(): ControlTowerRule[] {
  const root = path.join(CFN_GUARD_PACKAGE, 'rules', 'control-tower', 'cfn-guard');
  const files = fs.readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.guard')).sort();
  return files.map((f) => {
    const file = path.join(root, f);
    const text = fs.readFileSync(file, 'utf8');
    return {
      file,
      // The id in the rule's message (`[CT.NETWORK-FIREWALL.PR.1]`); file names lose the hyphens.
      control: /\[(CT\.[A-Z0-9-]+\.PR\.\d+)\]/.exec(text)?.[1] ?? `(no control id in ${f})`,
      ruleNames: [...new Set([...text.matchAll(/^rule\s+(\w+)\s+when\b/gm)].map((m) => m[1]))],
      resourceTypes: [...new Set([...text.matchAll(/(["'])(AWS::\w+::\w+)\1/g)].map((m) => m[2]))],
    };
  });
}

/**
 * Runs AWS Control Tower's proactive controls (the guard rules bundled with
 * @cdklabs/cdk-validator-cfnguard, with its cfn-guard binary) on each template and returns every
 * failure, in the order of the templates, once per control and resource. Offline; cfn-guard's own
 * exit status is checked, so a rule that cannot run fails loudly.
 *
 * cfn-guard's cost is about (rules x size of the data) per process, and most of it is the
 * allocator's system time, so the rules do not all see the whole template. A rule reads only the
 * resources of the types it names (`Resources.*[ Type == ... ]`), and the resources these point
 * at with `Ref` or `GetAtt` (rules check that such a target exists, some also its type): the rules
 * of a template that name the same of its types run together, on the template cut down to the
 * resources of those types and the resources they refer to, reduced to their type (a rule that
 * names no type sees the whole template). A rule that names none of the template's types cannot
 * fail and does not run.
 *
 * The controls judge each resource on its own: that is how Control Tower runs them, as
 * CloudFormation hooks on one resource at a time (each rule's `is_cfn_hook` form), and the bundled
 * rules follow a reference only to check that its target exists and has the expected type. So a
 * group's verdict on a resource is kept for the process (by the group, the resource as written
 * and its targets' types), and a resource that an earlier template (another configuration) already
 * had is not run again: the configurations share most of their resources.
 *
 * `allRules` runs every bundled rule on each whole template (the tests of these shortcuts compare
 * the two). The processes of all calls share {@link GUARD_PROCESSES} slots, so calls may overlap
 * with a synthesis (which keeps this process busy while cfn-guard works on another core), and runs
 * of the same rules that wait together share a process ({@link guardOutput}).
 */
export async function controlTowerFindings(templates: string[], options: { allRules?: boolean } = {}): Promise<ControlTowerFinding[]> {
  const rules = controlTowerRules();
  const controlOf = new Map<string, string>();
  for (const rule of rules) {
    for (const name of rule.ruleNames) {
      const other = controlOf.get(name);
      if (other && other !== rule.control) throw new Error(`guard rule ${name} is defined by both ${other} and ${rule.control}`);
      controlOf.set(name, rule.control);
    }
  }
  const perTemplate = await Promise.all(templates.map(async (template) => {
    const document = JSON.parse(fs.readFileSync(template, 'utf8')) as GuardDocument;
    const failures = await Promise.all(guardGroups(document, rules, options.allRules ?? false).map(({ rules: group, own }) => (own
      ? judged(document, group, own, controlOf)
      : guardOutput(group, JSON.stringify(document)).then((results) => failuresIn(results, controlOf)))));
    const unique = new Map(failures.flat().map((f) => [`${f.control} ${f.resource}`, { control: f.control, template: path.basename(template), resource: f.resource }]));
    return [...unique.values()];
  }));
  return perTemplate.flat();
}

interface GuardDocument {
  Resources?: Record<string, { Type: string }>;
}

/** A failed control, without its template. */
type Failure = Omit<ControlTowerFinding, 'template'>;

/**
 * The guard runs of one template: its applicable rules, grouped by the template's types they name,
 * each with the resources of those types (`own`; none: the rules see the whole template).
 */
function guardGroups(document: GuardDocument, rules: ControlTowerRule[], allRules: boolean): Array<{ rules: ControlTowerRule[]; own?: string[] }> {
  if (allRules) return [{ rules }];
  const resources = document.Resources ?? {};
  const present = new Set(Object.values(resources).map((r) => r.Type));
  // Rules that read the same of the template's types share a run (most services' rules name a
  // KMS key beside their own type: grouping by connected service would put IAM's large policies
  // in front of every encryption rule).
  const groups = new Map<string, ControlTowerRule[]>();
  for (const rule of rules) {
    const types = rule.resourceTypes.filter((t) => present.has(t)).sort();
    if (rule.resourceTypes.length > 0 && types.length === 0) continue;
    const key = rule.resourceTypes.length ? types.join(' ') : '(whole template)';
    groups.set(key, [...(groups.get(key) ?? []), rule]);
  }
  return [...groups.entries()].map(([key, group]) => {
    if (key === '(whole template)') return { rules: group };
    const types = new Set(group.flatMap((r) => r.resourceTypes));
    return { rules: group, own: Object.keys(resources).filter((id) => types.has(resources[id].Type)) };
  });
}

/** Each group's verdict on each resource (see {@link controlTowerFindings}), for this process. */
const verdicts = new Map<string, Promise<Failure[]>>();

/**
 * The failures of `group` on the resources `own` of `document`: the verdicts kept for them, and
 * one run on those it has not judged yet (the template cut down to them and their targets, the
 * targets reduced to their type). A failure that names no resource counts for every resource of its run.
 */
function judged(document: GuardDocument, group: ControlTowerRule[], own: string[], controlOf: Map<string, string>): Promise<Failure[]> {
  const resources = document.Resources ?? {};
  const keyOf = (id: string) => crypto.createHash('sha256')
    .update(group.map((r) => r.file).join('\n')).update('\0').update(id).update('\0').update(JSON.stringify(resources[id]))
    .update([...referencedIds(resources[id])].map((target) => `${target}:${resources[target]?.Type ?? ''}`).join(','))
    .digest('hex');
  const keys = new Map(own.map((id) => [id, keyOf(id)]));
  const missing = own.filter((id) => !verdicts.has(keys.get(id)!));
  if (missing.length) {
    const cut: Record<string, unknown> = Object.fromEntries(missing.map((id) => [id, resources[id]]));
    for (const id of missing) {
      for (const target of referencedIds(resources[id])) if (resources[target] && !cut[target]) cut[target] = { Type: resources[target].Type };
    }
    const run = guardOutput(group, JSON.stringify({ ...document, Resources: cut })).then((results) => failuresIn(results, controlOf));
    for (const id of missing) verdicts.set(keys.get(id)!, run.then((failures) => failures.filter((f) => f.resource === id || f.resource === '(template)')));
  }
  return Promise.all(own.map((id) => verdicts.get(keys.get(id)!)!)).then((lists) => lists.flat());
}

/** The failed controls in cfn-guard's results, with the resources each names (`(template)`: none). */
function failuresIn(results: GuardResults, controlOf: Map<string, string>): Failure[] {
  return results.flatMap((result) => (result.not_compliant ?? []).flatMap((failure) => {
    const name = failure.Rule?.name ?? '(unnamed)';
    const control = controlOf.get(name) ?? `(unknown guard rule ${name})`;
    const ids = resourcesNamedIn(failure);
    return (ids.size ? [...ids] : ['(template)']).map((resource) => ({ control, resource }));
  }));
}

/** Logical ids that a resource points at with `Ref` or `Fn::GetAtt`. */
function referencedIds(value: unknown, ids = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    for (const v of value) referencedIds(v, ids);
  } else if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (key === 'Ref' && typeof v === 'string') ids.add(v);
      else if (key === 'Fn::GetAtt') ids.add(Array.isArray(v) ? String(v[0]) : String(v).split('.')[0]);
      else referencedIds(v, ids);
    }
  }
  return ids;
}

/** cfn-guard's structured results: one entry per data file (`name`: its path). */
type GuardResults = Array<{ name?: string; not_compliant?: Array<{ Rule?: { name?: string } }> }>;

/** Folder of the data files cfn-guard reads, and how many it holds. */
let guardDataDir: string | undefined;
let guardDataFiles = 0;

/** A guard run waiting for a process: its data file and what to do with its results. */
interface GuardRequest {
  readonly file: string;
  readonly resolve: (results: GuardResults) => void;
  readonly reject: (error: Error) => void;
}

/** Guard runs waiting for a slot, by their rules (the rule files, joined): the same rules share a process. */
const waitingGuards = new Map<string, GuardRequest[]>();

/**
 * cfn-guard's results of these rules on this data (the verdicts are kept by {@link judged}).
 *
 * Runs of the same rules that wait for a slot together share one cfn-guard process, one `--data`
 * file each: cfn-guard judges each data file on its own and reports each under its file's name,
 * so the results are the same as one process per run, without the start of a process (and the
 * parsing of the rules) per run: the configurations' templates ask for the same rule groups.
 */
function guardOutput(rules: ControlTowerRule[], data: string): Promise<GuardResults> {
  guardDataDir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'cfn-guard-'));
  const file = path.join(guardDataDir, `${++guardDataFiles}.json`);
  fs.writeFileSync(file, data);
  const key = rules.map((r) => r.file).join('\n');
  return new Promise<GuardResults>((resolve, reject) => {
    const waiting = waitingGuards.get(key);
    if (waiting) {
      waiting.push({ file, resolve, reject });
      return;
    }
    waitingGuards.set(key, [{ file, resolve, reject }]);
    void inGuardSlot(async () => {
      // The runs asked for in the same turn (one call's templates) join before the batch closes;
      // it closes when its process starts: later runs of these rules start another.
      await new Promise((resolve) => setImmediate(resolve));
      const batch = waitingGuards.get(key)!;
      waitingGuards.delete(key);
      try {
        const results = await guardRun(rules, batch.map((b) => b.file));
        for (const b of batch) {
          const own = results.filter((r) => r.name === b.file);
          if (own.length === 1) b.resolve(own);
          else b.reject(new Error(`cfn-guard reported ${own.length} results for ${b.file} (one expected)`));
        }
      } catch (e) {
        for (const b of batch) b.reject(e as Error);
      }
    });
  });
}

/** One cfn-guard process: these rules on these data files. */
async function guardRun(rules: ControlTowerRule[], files: string[]): Promise<GuardResults> {
  const guard = await runProcess(cfnGuardBinary(), [
    'validate', ...rules.flatMap((r) => ['--rules', r.file]), ...files.flatMap((file) => ['--data', file]),
    '--output-format', 'json', '--show-summary', 'none', '--structured',
  ]);
  // 0: all compliant; 19: some rule failed. Anything else is cfn-guard failing to run.
  if (guard.error || (guard.status !== 0 && guard.status !== 19)) {
    throw new Error(`cfn-guard failed on ${files.join(', ')} (status ${guard.status}): ${guard.error ?? guard.stderr}`);
  }
  return JSON.parse(guard.stdout) as GuardResults;
}

/** cfn-guard processes at a time: one per processor. */
const GUARD_PROCESSES = Math.max(1, os.availableParallelism());
let guardsRunning = 0;
const guardQueue: Array<() => void> = [];

/** Runs `task` once fewer than {@link GUARD_PROCESSES} others run. */
async function inGuardSlot<T>(task: () => Promise<T>): Promise<T> {
  if (guardsRunning >= GUARD_PROCESSES) await new Promise<void>((resolve) => guardQueue.push(resolve));
  guardsRunning++;
  try {
    return await task();
  } finally {
    guardsRunning--;
    guardQueue.shift()?.();
  }
}

/** A child process's exit status and output (spawnSync's fields). */
export interface ProcessResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly error?: Error;
}

/** Runs a child process without blocking this process. */
function runProcess(command: string, args: string[]): Promise<ProcessResult> {
  return new Promise((resolve) => {
    execFile(command, args, { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = (error as { code?: unknown } | null)?.code;
      resolve({
        status: error ? (typeof code === 'number' ? code : null) : 0,
        stdout,
        stderr,
        error: error && typeof code !== 'number' ? error : undefined,
      });
    });
  });
}

/**
 * Logical ids of the resources a cfn-guard result points at: the `/Resources/<id>/...` paths it
 * traversed to. The template content next to such a path (its `value`) is not searched.
 */
function resourcesNamedIn(value: unknown, ids = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    for (const v of value) resourcesNamedIn(v, ids);
  } else if (value && typeof value === 'object') {
    const node = value as Record<string, unknown>;
    const at = typeof node.path === 'string' ? /^\/Resources\/([^/]+)/.exec(node.path) : null;
    if (at) ids.add(at[1]);
    for (const [key, v] of Object.entries(node)) {
      if (typeof node.path === 'string' && key === 'value') continue;
      resourcesNamedIn(v, ids);
    }
  }
  return ids;
}
