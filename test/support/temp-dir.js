// Jest's globalSetup and globalTeardown (jest.config.js): every temporary folder of a run in one
// folder, removed at the end. Tests make thousands (synthesized apps, `new App()`'s default
// outdir, product snapshots, sample data, CLI copies), hundreds of megabytes per run, and many
// are never removed by the test that made them. Node.js's os.tmpdir() and the tools the tests
// start (cfn-lint, cfn-guard, Python, moto_server, git, npm) all follow TMPDIR; Jest's workers
// start after globalSetup and inherit it. Set KEEP_TEST_TMPDIR=1 to keep the folder (its path
// is printed) for a look after a failure.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const VARIABLE = 'MLOPS_TEST_TMPDIR';

async function setup() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-test-'));
  process.env[VARIABLE] = dir;
  process.env.TMPDIR = dir;
}

async function teardown() {
  const dir = process.env[VARIABLE];
  if (!dir) return;
  if (process.env.KEEP_TEST_TMPDIR) {
    process.stderr.write(`Temporary files of this run kept in ${dir}\n`);
    return;
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

module.exports = { setup, teardown };
