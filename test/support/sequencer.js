// Jest's order of test files: the few that take most of a run's time first, so that on two
// workers no long file starts last and runs alone. Jest's own order (failed first, then by the
// durations it cached, then by file size) is kept otherwise; on a fresh clone (CI) it has no
// durations, and file size puts the gates, which are short files that synthesize whole apps,
// in the second half.
const Sequencer = require('@jest/test-sequencer').default;

/** Files known to be long (whole-app syntheses, real CLIs, cfn-lint/cfn-guard, Python, moto). */
const LONG = [
  /test\/gate\/(compliance|service-catalog-cli|library-package)\.test\.ts$/,
  /seed-code\/model-deploy\/test\/(cdk-cli|scripts\.moto)\.test\.ts$/,
  /seed-code\/model-build\/test\/python\//,
];

const rank = (test) => {
  const index = LONG.findIndex((pattern) => pattern.test(test.path.split('\\').join('/')));
  return index === -1 ? LONG.length : index;
};

class LongFirst extends Sequencer {
  sort(tests) {
    const ordered = super.sort(tests);
    // Array.prototype.sort is stable: within a rank, Jest's order stays.
    return [...ordered].sort((a, b) => rank(a) - rank(b));
  }
}

module.exports = LongFirst;
