#!/usr/bin/env node
/**
 * `npm run bench`: synth, test and Lambda bundle benchmarks of this app (issue 6).
 *
 * Plain Node.js, no dependencies beyond the project's own. Every measurement runs in a fresh child
 * process; wall time by process.hrtime, peak memory (max RSS of the child and its descendants)
 * by /usr/bin/time when present. Comparisons run alternating in one run, so the ratios share the
 * machine's noise. Nothing here calls AWS: AWS credentials and profiles are removed from the children's
 * environment, instance metadata lookups disabled, CLI notices, version check and telemetry off.
 *
 * Environment:
 *   BENCH_RUNS=5            runs per measurement (medians, min-max)
 *   BENCH_SCALING=1,10,50   project counts of the scaling benchmark
 *   BENCH_SCALING_RUNS=3    runs per project count
 *   BENCH_INIT_RUNS=10      fresh-process requires per Lambda bundle
 *   BENCH_JEST=app|all|none which Jest runs (default all: `--selectProjects app` twice, whole suite once)
 *   BENCH_WRITE=0           do not update BENCHMARKS.md
 */
'use strict';

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const BENCH_MD = path.join(ROOT, 'BENCHMARKS.md');
const RUNS = positiveInt(process.env.BENCH_RUNS, 5);
const SCALING = (process.env.BENCH_SCALING ?? '1,10,50').split(',').map((s) => positiveInt(s.trim()));
const SCALING_RUNS = positiveInt(process.env.BENCH_SCALING_RUNS, Math.min(RUNS, 3));
const INIT_RUNS = positiveInt(process.env.BENCH_INIT_RUNS, 10);
const JEST = process.env.BENCH_JEST ?? 'all';
const JEST_TIMEOUT_MS = 10 * 60 * 1000;
const TIME_BIN = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-bench-'));
const CDK_CONTEXT = JSON.parse(fs.readFileSync(path.join(ROOT, 'cdk.json'), 'utf8')).context ?? {};
const TS_NODE = ['-r', 'ts-node/register/transpile-only'];
/** The TypeScript loader of both apps' `cdk.json` (transpile only, no type-check). */
const LOADER = ['-r', 'esbuild-register'];
const PERF = ['-r', path.join(__dirname, 'perf-dump.js')];

function positiveInt(value, fallback) {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`expected a positive integer, got '${value}'`);
  return n;
}

/** The children's environment: no way to reach AWS, no CLI side traffic. */
function childEnv(extra = {}) {
  const env = { ...process.env };
  for (const key of Object.keys(env)) {
    if (/^AWS_/.test(key) || /^CDK_(CONTEXT_JSON|OUTDIR|VALIDATION)$/.test(key) || key === 'TS_NODE_SWC') delete env[key];
  }
  return {
    ...env,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_REGION: 'us-east-1',
    CDK_DISABLE_VERSION_CHECK: 'true',
    CDK_DISABLE_CLI_TELEMETRY: 'true',
    FORCE_COLOR: '0',
    ...extra,
  };
}

let outCounter = 0;
/** A fresh output folder under os.tmpdir() for every synth. */
function freshOut(label) {
  const dir = path.join(TMP, `${label}-${++outCounter}`);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * Runs a command in its own process group; resolves with wall ms, peak RSS (MB) and output.
 * Rejects on a non-zero exit; on timeout kills the whole group and resolves with timedOut.
 */
function run(cmd, args, { cwd = ROOT, env = {}, timeoutMs } = {}) {
  return new Promise((resolve, reject) => {
    const rssFile = path.join(TMP, `rss-${process.pid}-${++outCounter}`);
    const [file, argv] = TIME_BIN ? [TIME_BIN, ['-f', '%M', '-o', rssFile, cmd, ...args]] : [cmd, args];
    const t0 = process.hrtime.bigint();
    const child = spawn(file, argv, { cwd, env: childEnv(env), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    let timedOut = false;
    const timer = timeoutMs ? setTimeout(() => {
      timedOut = true;
      try { process.kill(-child.pid, 'SIGTERM'); } catch { /* gone */ }
      setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } }, 5000).unref();
    }, timeoutMs) : undefined;
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (timer) clearTimeout(timer);
      let rssMb;
      try {
        const kb = Number(fs.readFileSync(rssFile, 'utf8').trim().split('\n').pop());
        if (Number.isFinite(kb)) rssMb = kb / 1024;
        fs.rmSync(rssFile, { force: true });
      } catch { /* no /usr/bin/time output */ }
      if (timedOut) return resolve({ ms, rssMb, stdout, stderr, timedOut: true, code });
      if (code !== 0) {
        return reject(new Error(`${cmd} ${args.join(' ')} exited ${code}\n${stderr.slice(-3000)}\n${stdout.slice(-2000)}`));
      }
      resolve({ ms, rssMb, stdout, stderr, code });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// statistics and formatting

function stats(values) {
  const v = values.filter((x) => x !== undefined && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return undefined;
  const mid = Math.floor(v.length / 2);
  const median = v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
  return { median, min: v[0], max: v[v.length - 1], n: v.length };
}
const sec = (ms) => (ms / 1000).toFixed(2);
function fmtTime(s) {
  if (!s) return 'n/a';
  return s.n > 1 ? `${sec(s.median)} s (${sec(s.min)}-${sec(s.max)})` : `${sec(s.median)} s`;
}
function fmtMs(s) {
  if (!s) return 'n/a';
  const f = (x) => (x < 10 ? x.toFixed(2) : x.toFixed(0));
  return s.n > 1 ? `${f(s.median)} ms (${f(s.min)}-${f(s.max)})` : `${f(s.median)} ms`;
}
const fmtMb = (s) => (s ? `${s.median.toFixed(0)} MB` : 'n/a');
function table(header, rows) {
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const r of rows) lines.push(`| ${r.join(' | ')} |`);
  return lines.join('\n');
}
function log(msg) { process.stderr.write(`[bench] ${msg}\n`); }

/** Medians of aws-cdk-lib's own performance counters, printed by bench/perf-dump.js. */
function perfStats(results) {
  const samples = results.map((r) => {
    const line = (r.stderr ?? '').split('\n').find((l) => l.startsWith('BENCH_PERF '));
    return line ? JSON.parse(line.slice('BENCH_PERF '.length)) : undefined;
  }).filter(Boolean);
  if (samples.length === 0) return undefined;
  const keys = new Set(samples.flatMap((x) => Object.keys(x.counters)));
  const out = { processMs: stats(samples.map((x) => x.processMs)) };
  for (const k of keys) out[k] = stats(samples.map((x) => x.counters[k]?.total ?? 0));
  return out;
}

/** Runs each named variant `runs` times, round-robin, the order rotating each round. */
async function alternate(variants, runs, { warmup = true } = {}) {
  const names = Object.keys(variants);
  const results = Object.fromEntries(names.map((n) => [n, []]));
  if (warmup) {
    for (const n of names) { log(`warm-up: ${n}`); await variants[n]().catch((e) => log(`warm-up failed: ${e.message.split('\n')[0]}`)); }
  }
  for (let i = 0; i < runs; i++) {
    const order = names.map((_, k) => names[(k + i) % names.length]);
    for (const n of order) {
      // A failed run (e.g. node_modules changed under us) is recorded and left out of the figures.
      const r = await variants[n]().catch((e) => ({ error: e.message.split('\n').slice(0, 3).join(' ').slice(0, 300) }));
      results[n].push(r);
      log(`run ${i + 1}/${runs} ${n}: ${r.error ? `FAILED ${r.error}` : `${sec(r.ms)} s${r.rssMb ? `, ${r.rssMb.toFixed(0)} MB` : ''}`}`);
    }
  }
  return Object.fromEntries(names.map((n) => [n, {
    time: stats(results[n].map((r) => r.ms)),
    rss: stats(results[n].map((r) => r.rssMb)),
    failed: results[n].filter((r) => r.error).length,
    perf: perfStats(results[n]),
    raw: results[n],
  }]));
}

// ---------------------------------------------------------------------------------------------
// 1. synth: project vs one-bucket app through the CLI, then where the time goes

const cliSynth = (cwd, label, extraArgs = [], env = {}) => () =>
  run('npx', ['cdk', 'synth', '-q', '--no-notices', '--output', freshOut(label), ...extraArgs], { cwd, env });

/** The app command run directly, as the CLI runs it (context from cdk.json, outdir given). */
const directSynth = (label, nodeArgs, { context = {}, env = {}, cwd = ROOT } = {}) => () =>
  run('node', nodeArgs, {
    cwd,
    env: {
      CDK_OUTDIR: freshOut(label),
      CDK_CONTEXT_JSON: JSON.stringify({ ...CDK_CONTEXT, ...context }),
      ...env,
    },
  });

async function synthBenchmarks() {
  log(`synth through the CLI, ${RUNS} runs alternating`);
  const cli = await alternate({
    project: cliSynth(ROOT, 'cli-project'),
    baseline: cliSynth(path.join(__dirname, 'baseline'), 'cli-baseline'),
    // The same app with the V8 setting bin/app.ts makes (Liftoff only): what the setting alone
    // gives a one-bucket app, so that the project's ratio can be read both ways.
    baselineLiftoff: cliSynth(path.join(__dirname, 'baseline'), 'cli-baseline-liftoff', ['--app', `node --liftoff-only ${LOADER.join(' ')} app.ts`]),
    // A user's repeated synth: the same cdk.out, where the Lambda bundles (hashed by source)
    // are reused instead of rebuilt. The warm-up run fills it.
    warm: () => run('npx', ['cdk', 'synth', '-q', '--no-notices', '--output', path.join(TMP, 'warm-project')], { cwd: ROOT }),
  }, RUNS);

  log(`where the time goes (app command run directly, no CLI), ${RUNS} runs alternating`);
  const app = ['bin/app.ts'];
  const breakdown = await alternate({
    'node startup (`node -e 0`)': () => run('node', ['-e', '0']),
    "require('aws-cdk-lib')": () => run('node', ['-e', "require('aws-cdk-lib')"]),
    'load app modules (esbuild-register, no synth)': () => run('node', [...LOADER, '-e', "require('./lib')"]),
    'one-bucket app, direct': directSynth('d-baseline', [...PERF, ...LOADER, 'app.ts'], { cwd: path.join(__dirname, 'baseline') }),
    'project, esbuild-register (product)': directSynth('d-esbuild', [...PERF, ...LOADER, ...app]),
    'project, ts-node transpile-only': directSynth('d-tsnode', [...TS_NODE, ...app]),
    'project, ts-node + swc (TS_NODE_SWC=true)': directSynth('d-swc', [...TS_NODE, ...app], { env: { TS_NODE_SWC: 'true' } }),
    'project, bundling skipped (aws:cdk:bundling-stacks=[])': directSynth('d-nobundle', [...LOADER, ...app], { context: { 'aws:cdk:bundling-stacks': [] } }),
    'project, CDK_VALIDATION=false': directSynth('d-novalid', [...LOADER, ...app], { env: { CDK_VALIDATION: 'false' } }),
    'one-bucket app, direct, node --liftoff-only (the V8 setting of bin/app.ts)': directSynth('d-baseline-liftoff', ['--liftoff-only', ...LOADER, 'app.ts'], { cwd: path.join(__dirname, 'baseline') }),
    'one-bucket app, direct, CDK_VALIDATION=false': directSynth('d-baseline-novalid', [...LOADER, 'app.ts'], { cwd: path.join(__dirname, 'baseline'), env: { CDK_VALIDATION: 'false' } }),
  }, RUNS, { warmup: false });

  log('seed folder hashing (FileSystem.fingerprint, in-process timing)');
  const hashRuns = { excluded: [], all: [] };
  try {
    for (let i = 0; i < RUNS; i++) {
      hashRuns.excluded.push(JSON.parse((await run('node', [...TS_NODE, 'bench/hash-seeds.ts', 'excluded'])).stdout));
    }
    // Hashing node_modules too is slow: only to show what the exclusion saves.
    for (let i = 0; i < Math.min(RUNS, 2); i++) {
      hashRuns.all.push(JSON.parse((await run('node', [...TS_NODE, 'bench/hash-seeds.ts', 'all'])).stdout));
    }
  } catch (e) {
    log(`seed hashing failed: ${e.message.split('\n')[0]}`);
  }
  const hashing = {};
  for (const mode of ['excluded', 'all']) {
    hashing[mode] = {};
    for (const seed of Object.keys(hashRuns[mode][0] ?? {})) {
      hashing[mode][seed] = {
        time: stats(hashRuns[mode].map((r) => r[seed].ms)),
        files: hashRuns[mode][0][seed].files,
      };
    }
  }
  return { cli, breakdown, hashing };
}

// ---------------------------------------------------------------------------------------------
// 2. jest

async function jestBenchmarks() {
  const out = {};
  if (JEST === 'none') return out;
  const runJest = async (args) => {
    const r = await run('npx', ['jest', ...args], { timeoutMs: JEST_TIMEOUT_MS }).catch((e) => ({ error: e.message }));
    if (r.error) log(`jest ${args.join(' ')} failed: ${r.error.split('\n')[0]}`);
    return r;
  };
  const appRuns = positiveInt(process.env.BENCH_JEST_APP_RUNS, 2);
  log(`npx jest --selectProjects app (${appRuns} runs)`);
  out.app = [];
  for (let i = 0; i < appRuns; i++) {
    const r = await runJest(['--selectProjects', 'app']);
    out.app.push(r);
    if (r.timedOut) break;
  }
  if (JEST === 'all') {
    log('npx jest (whole suite, once, 10 min limit)');
    out.all = await runJest([]);
  }
  return out;
}

function jestCell(results) {
  const list = [].concat(results);
  if (list.some((r) => r.timedOut)) return { cell: 'skipped: over 10 min', rss: 'n/a' };
  const ok = list.filter((r) => !r.error);
  const failed = list.length - ok.length;
  const s = stats(ok.map((r) => r.ms));
  const note = failed ? ` (${failed} run(s) failed, not counted)` : '';
  return { cell: `${fmtTime(s)}${ok.length ? ` x${ok.length}` : ''}${note}`, rss: fmtMb(stats(ok.map((r) => r.rssMb))) };
}

// ---------------------------------------------------------------------------------------------
// 3. scaling

async function scalingBenchmarks() {
  log(`scaling: ${SCALING.join(', ')} projects, ${SCALING_RUNS} runs each alternating`);
  const variants = {};
  for (const n of SCALING) {
    variants[n] = directSynth(`scale-${n}`, [...LOADER, 'bench/scaling-app.ts'], { env: { BENCH_PROJECTS: String(n) } });
  }
  return alternate(variants, SCALING_RUNS, { warmup: false });
}

// ---------------------------------------------------------------------------------------------
// 4. lambda bundles

async function lambdaBenchmarks() {
  const esbuild = require(path.join(ROOT, 'node_modules', 'esbuild'));
  const lambdaDir = path.join(ROOT, 'lambda');
  const out = [];
  for (const name of fs.readdirSync(lambdaDir).sort()) {
    const entry = path.join(lambdaDir, name, 'index.ts');
    if (!fs.existsSync(entry)) continue;
    const outfile = path.join(TMP, 'bundles', name, 'index.js');
    // As lib/private/bundled-function.ts has NodejsFunction run it.
    const t0 = process.hrtime.bigint();
    await esbuild.build({
      entryPoints: [entry], bundle: true, minify: true, platform: 'node', target: 'node24', format: 'cjs',
      external: ['@aws-sdk/*'], sourcemap: false, outfile, logLevel: 'silent',
    });
    const buildMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const bytes = fs.statSync(outfile).size;
    const gzip = require('node:zlib').gzipSync(fs.readFileSync(outfile)).length;
    // Module initialisation: require the bundle in a fresh process; @aws-sdk/* from the root node_modules.
    const script = `const t=process.hrtime.bigint();const m=require(${JSON.stringify(outfile)});`
      + `const ms=Number(process.hrtime.bigint()-t)/1e6;`
      + `if(!Object.values(m).some((v)=>typeof v==='function'))throw new Error('no handler export');console.log(ms)`;
    const init = [];
    const procMs = [];
    let error;
    for (let i = 0; i < INIT_RUNS; i++) {
      try {
        const r = await run('node', ['-e', script], { cwd: TMP, env: { NODE_PATH: path.join(ROOT, 'node_modules') } });
        init.push(Number(r.stdout.trim().split('\n').pop()));
        procMs.push(r.ms);
      } catch (e) {
        error = (e.message.split('\n').find((l) => /Error/.test(l)) ?? e.message.split('\n')[0]).slice(0, 200);
        break;
      }
    }
    out.push({ name, bytes, gzip, buildMs, init: stats(init), proc: stats(procMs), error });
    log(`lambda ${name}: ${(bytes / 1024).toFixed(1)} KB, init ${fmtMs(stats(init))}${error ? ` ERROR ${error}` : ''}`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// report

function machine() {
  const cpus = os.cpus();
  return {
    nproc: os.availableParallelism ? os.availableParallelism() : cpus.length,
    cpu: cpus[0]?.model?.trim() ?? 'unknown',
    memGb: (os.totalmem() / 1024 ** 3).toFixed(1),
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    cdkLib: require(path.join(ROOT, 'node_modules', 'aws-cdk-lib', 'package.json')).version,
    cdkCli: require(path.join(ROOT, 'node_modules', 'aws-cdk', 'package.json')).version,
  };
}

function report({ synth, jest, scaling, lambdas, m, startedAt, totalMs }) {
  const md = [];
  md.push(`Run of ${startedAt} (took ${(totalMs / 60000).toFixed(1)} min): ${RUNS} runs per figure unless noted; `
    + 'median, (min-max); peak memory is the max RSS of the process tree.');
  md.push('');
  md.push(`Machine: ${m.nproc} cores (${m.cpu}), ${m.memGb} GB memory, ${m.platform}; Node.js ${m.node}; `
    + `aws-cdk-lib ${m.cdkLib}, CDK CLI ${m.cdkCli}.`);
  md.push('');

  const p = synth.cli.project;
  const b = synth.cli.baseline;
  const w = synth.cli.warm;
  const bl = synth.cli.baselineLiftoff;
  const ratio = p.time.median / b.time.median;
  const liftoffRatio = p.time.median / bl.time.median;
  const warmRatio = w.time.median / b.time.median;
  /** A ratio against the 1.5x target. */
  const verdict = (r) => (r <= 1.5 ? 'met' : `MISSED by ${((r / 1.5 - 1) * 100).toFixed(0)}%`);
  const pairRatios = stats(p.raw.map((r, i) => r.ms / b.raw[i].ms));
  md.push('### Synth: project vs one-bucket app (`npx cdk synth -q`, alternating)');
  md.push('');
  md.push(table(['App', 'Wall time', 'Peak memory'], [
    ['Default project (`cdk.json` app)', fmtTime(p.time), fmtMb(p.rss)],
    ['Default project, repeated synth into the same cdk.out (bundles reused)', fmtTime(w.time), fmtMb(w.rss)],
    ['One-bucket app (`bench/baseline`)', fmtTime(b.time), fmtMb(b.rss)],
    ['One-bucket app with the V8 setting of `bin/app.ts` (`node --liftoff-only`)', fmtTime(bl.time), fmtMb(bl.rss)],
    ['Ratio, repeated synth', `${warmRatio.toFixed(2)}x ${verdict(warmRatio)}`, ''],
    // Not the target (that is a plain one-bucket app): what remains once both apps have the setting.
    ['For comparison, not the target: ratio against the one-bucket app with the same V8 setting', `${liftoffRatio.toFixed(2)}x`, ''],
    ['**Ratio**, fresh cdk.out (target <= 1.5x)', `**${ratio.toFixed(2)}x** (per-pair ${pairRatios ? `${pairRatios.min.toFixed(2)}-${pairRatios.max.toFixed(2)}` : 'n/a'}) ${verdict(ratio)}`, ''],
  ]));
  md.push('');

  md.push('### Where the time goes (app command run directly with cdk.json context, no CLI)');
  md.push('');
  const bd = synth.breakdown;
  const base = bd['project, esbuild-register (product)'].time.median;
  const rows = Object.entries(bd).map(([name, r]) => {
    const delta = name.startsWith('project,') && !name.includes('(product)') ? `${r.time.median - base >= 0 ? '+' : ''}${sec(r.time.median - base)} s` : '';
    return [name, fmtTime(r.time), delta, fmtMb(r.rss)];
  });
  const cliOverhead = p.time.median - base;
  const cliOverheadB = b.time.median - bd['one-bucket app, direct'].time.median;
  rows.push(['CDK CLI + npx overhead (CLI synth - direct run; project / one-bucket)', `${sec(cliOverhead)} s / ${sec(cliOverheadB)} s`, '', '']);
  md.push(table(['Step', 'Wall time', 'vs product synth', 'Peak memory'], rows));
  md.push('');
  const pp = bd['project, esbuild-register (product)'].perf;
  const bp = bd['one-bucket app, direct'].perf;
  if (pp) {
    md.push('In-process profile: aws-cdk-lib\'s own performance counters (`bench/perf-dump.js` preloaded in the two direct runs above), medians:');
    md.push('');
    const keys = [
      ['processMs', 'whole process (from preload to exit)'],
      ['phase:Load', 'phase:Load (module loading + TypeScript transpile)'],
      ['phase:Construction', 'phase:Construction (constructors, incl. bundling and asset staging)'],
      ['bundle:NodejsFunction', 'bundle:NodejsFunction (esbuild)'],
      ['FileSystem.fingerprint', 'FileSystem.fingerprint (asset hashing)'],
      ['FileSystem.copyDirectory', 'FileSystem.copyDirectory (asset staging)'],
      ['Stack.resolve', 'Stack.resolve (token resolution)'],
      ['validateTemplates', 'validateTemplates (template validation, total)'],
      ['CloudFormationValidate.validate', 'CloudFormationValidate.validate (the rule check itself)'],
    ];
    md.push(table(['Counter', 'Project', 'One-bucket app'], keys.map(([k, label]) => [
      label, pp[k] ? `${sec(pp[k].median)} s` : '-', bp?.[k] ? `${sec(bp[k].median)} s` : '-',
    ])));
    md.push('');
  }
  const failedRuns = Object.entries(bd).filter(([, r]) => r.failed).map(([n, r]) => `${n}: ${r.failed}`);
  if (failedRuns.length) md.push(`Failed runs left out: ${failedRuns.join('; ')}.\n`);
  const h = synth.hashing;
  md.push(table(['Seed folder hashing (FileSystem.fingerprint)', 'With SEED_EXCLUDES (product)', 'Without excludes'],
    Object.keys(h.excluded).map((seed) => [
      seed,
      `${fmtMs(h.excluded[seed].time)}, ${h.excluded[seed].files} files`,
      h.all[seed] ? `${fmtMs(h.all[seed].time)}, ${h.all[seed].files} files (x${h.all[seed].time.n})` : 'n/a',
    ])));
  md.push('');

  md.push('### Tests');
  md.push('');
  if (JEST === 'none') {
    md.push('Skipped (BENCH_JEST=none).');
  } else {
    const rowsJ = [];
    if (jest.app) { const c = jestCell(jest.app); rowsJ.push(['`npx jest --selectProjects app`', c.cell, c.rss]); }
    if (jest.all) { const c = jestCell(jest.all); rowsJ.push(['`npx jest` (app + both seeds)', c.cell, c.rss]); }
    md.push(table(['Command', 'Wall time', 'Peak memory'], rowsJ));
  }
  md.push('');

  md.push(`### Scaling: one app holding N projects (\`bench/scaling-app.ts\`, direct, ${SCALING_RUNS} runs each)`);
  md.push('');
  const ns = Object.keys(scaling).map(Number).filter((n) => scaling[n].time).sort((a, b2) => a - b2);
  md.push(table(['Projects', 'Wall time', 'Peak memory', 'Per project'], ns.map((n) => [
    String(n), fmtTime(scaling[n].time), fmtMb(scaling[n].rss), `${sec(scaling[n].time.median / n)} s`,
  ])));
  md.push('');
  if (ns.length >= 2) {
    const lo = ns[0];
    const hi = ns[ns.length - 1];
    const marginal = (scaling[hi].time.median - scaling[lo].time.median) / (hi - lo);
    const marginalMb = (scaling[hi].rss?.median - scaling[lo].rss?.median) / (hi - lo);
    const first = scaling[lo].time.median;
    md.push(`Marginal cost of one more project: (t${hi} - t${lo}) / ${hi - lo} = **${sec(marginal)} s** `
      + `and ${Number.isFinite(marginalMb) ? marginalMb.toFixed(1) : 'n/a'} MB, vs ${sec(first)} s for an app with ${lo} project `
      + `(${(marginal / first * 100).toFixed(0)}% of it).`);
    if (ns.length >= 3) {
      const mid = ns[1];
      const m1 = (scaling[mid].time.median - scaling[lo].time.median) / (mid - lo);
      const m2 = (scaling[hi].time.median - scaling[mid].time.median) / (hi - mid);
      md.push(`Linearity: ${sec(m1)} s/project between ${lo} and ${mid}, ${sec(m2)} s/project between ${mid} and ${hi}.`);
    }
  }
  md.push('');

  md.push(`### Lambda bundles (root esbuild, as \`lib/private/bundled-function.ts\`; init = \`require\` of the bundle in a fresh node, ${INIT_RUNS} runs)`);
  md.push('');
  md.push(table(['Function', 'Bundle', 'gzip', 'esbuild', 'Module init', 'Whole `node` process'], lambdas.map((l) => [
    l.name,
    `${(l.bytes / 1024).toFixed(1)} KB${l.name === 'start-deploy' ? (l.bytes < 50 * 1024 ? ' (goal < 50 KB: met)' : ' (goal < 50 KB: MISSED)') : ''}`,
    `${(l.gzip / 1024).toFixed(1)} KB`,
    `${l.buildMs.toFixed(0)} ms`,
    l.error ? `error: ${l.error}` : fmtMs(l.init),
    fmtMs(l.proc),
  ])));
  md.push('');
  md.push('Module init loads the AWS SDK v3 clients from the root node_modules (the runtime provides them in Lambda), '
    + 'so it includes their load time; the handlers do no network work at load.');
  return md.join('\n');
}

const BEGIN = '<!-- bench:begin (written by `npm run bench`) -->';
const END = '<!-- bench:end -->';
function writeMarkdown(block) {
  let text = fs.existsSync(BENCH_MD) ? fs.readFileSync(BENCH_MD, 'utf8') : '# Benchmarks\n\n## Latest figures\n\n';
  const inner = `${BEGIN}\n${block}\n${END}`;
  const i = text.indexOf(BEGIN);
  const j = text.indexOf(END);
  text = i >= 0 && j > i ? text.slice(0, i) + inner + text.slice(j + END.length) : `${text.trimEnd()}\n\n${inner}\n`;
  fs.writeFileSync(BENCH_MD, text);
}

async function main() {
  const startedAt = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const t0 = Date.now();
  log(`temporary outputs in ${TMP}`);
  const m = machine();
  const section = (name, fn) => fn().catch((e) => { log(`${name} failed: ${e.stack ?? e}`); return undefined; });
  const lambdas = await section('lambda bundles', lambdaBenchmarks) ?? [];
  const synth = await section('synth', synthBenchmarks);
  if (!synth) throw new Error('synth benchmarks failed; nothing to report');
  const scaling = await section('scaling', scalingBenchmarks) ?? {};
  const jest = await section('jest', jestBenchmarks) ?? {};
  const block = report({ synth, jest, scaling, lambdas, m, startedAt, totalMs: Date.now() - t0 });
  process.stdout.write(`\n${block}\n`);
  const raw = path.join(TMP, 'results.json');
  fs.writeFileSync(raw, JSON.stringify({ m, synth, scaling, lambdas, jest: Object.fromEntries(Object.entries(jest).map(([k, v]) => [k, [].concat(v).map((r) => ({ ms: r.ms, rssMb: r.rssMb, error: r.error, timedOut: r.timedOut }))])) }, (k, v) => (k === 'stdout' || k === 'stderr' ? undefined : v), 2));
  if (process.env.BENCH_WRITE !== '0') {
    writeMarkdown(block);
    log(`figures written to ${path.relative(process.cwd(), BENCH_MD) || BENCH_MD}`);
  }
  // Synth outputs are large; keep only the raw figures.
  for (const entry of fs.readdirSync(TMP)) if (entry !== 'results.json') fs.rmSync(path.join(TMP, entry), { recursive: true, force: true });
  log(`raw figures: ${raw}`);
}

main().catch((e) => {
  process.stderr.write(`${e.stack ?? e}\n`);
  process.exit(1);
});
