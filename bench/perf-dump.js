// Preload (`node -r ./bench/perf-dump.js ...`): at exit, prints aws-cdk-lib's own performance
// counters (the ones it keeps for its telemetry: synthesis phases, bundling, asset and fs work,
// validation) as one JSON line on stderr, prefixed with BENCH_PERF. Benchmark profile only.
//
// aws-cdk-lib keeps them in a global state object (created with `??=`, so this one is used) and
// resets them at the end of App.synth(); the setter below keeps what each reset would discard.
const KEY = Symbol.for('@aws-cdk/core:performanceProfilingState');
const t0 = process.hrtime.bigint();
const discarded = [];
let current = {};
globalThis[KEY] = {
  builtinsHooked: false,
  nesting: 0,
  telemetryCounters: {},
  get allCounters() { return current; },
  set allCounters(value) { discarded.push(current); current = value; },
};
process.on('exit', () => {
  const counters = {};
  for (const set of [...discarded, current]) {
    for (const [key, { count, total }] of Object.entries(set)) {
      const c = (counters[key] ??= { count: 0, total: 0 });
      c.count += count;
      c.total += total;
    }
  }
  const processMs = Number(process.hrtime.bigint() - t0) / 1e6;
  process.stderr.write(`BENCH_PERF ${JSON.stringify({ processMs, counters })}\n`);
});
