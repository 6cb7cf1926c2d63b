import { Template } from 'aws-cdk-lib/assertions';
import { projectApp } from '../support/app';
import { CONNECTION_CONFIG } from '../support/connection';

/**
 * Whole-stack regression net. Template validation is off (as everywhere but the compliance gate,
 * which synthesizes both configurations with it on).
 * Asset hashes (seed code, Lambda bundles) are normalised so that a
 * change of seed code alone does not churn the snapshot; fine-grained tests hold the contract.
 * Update deliberately with `npx jest -u test/gate/snapshot.test.ts` after reviewing the diff; CI runs
 * with --ci, which never writes snapshots.
 */
function normalisedTemplate(config: Record<string, unknown> = {}): unknown {
  const template = Template.fromStack(projectApp({ config }).stack).toJSON();
  return JSON.parse(JSON.stringify(template).replace(/[0-9a-f]{64}(\.zip)?/g, 'ASSET-HASH$1'));
}

test('the default project stack matches its snapshot', () => {
  expect(normalisedTemplate()).toMatchSnapshot();
});

test('the project stack with a CodeConnections source matches its snapshot', () => {
  expect(normalisedTemplate(CONNECTION_CONFIG)).toMatchSnapshot();
});
