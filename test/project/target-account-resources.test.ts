import * as fs from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Annotations } from 'aws-cdk-lib/assertions';
import { parseTargetAccountSetup } from '../../lib/config/project-config';
import { TARGET_SETUP } from '../../lib/contract/accounts';
import { ConfigError } from '../../lib/contract/errors';
import { ProjectNames } from '../../lib/contract/names';
import { targetAccountResourcesStack } from '../../lib/project/target-account-resources';
import { addTargetAccountSetupStack } from '../../lib/project-app';
import { nagFindings } from '../support/compliance';
import { PROD_ACCOUNT, PROJECT_ACCOUNT, STAGING_ACCOUNT } from '../support/multi-account';
import { cdkJsonContext } from '../support/app';

const names = new ProjectNames('churn', 'p-abcdef123456');
const accounts = { projectAccount: PROJECT_ACCOUNT, stageAccounts: { staging: STAGING_ACCOUNT, prod: PROD_ACCOUNT } };

test('a target account\'s resources: cdk-nag AwsSolutions finds nothing unacknowledged', () => {
  const stack = targetAccountResourcesStack({ names, accounts, account: STAGING_ACCOUNT, settings: { retainData: true, tags: {} }, context: cdkJsonContext() });
  const app = stack.node.root as App;
  try {
    const { findings, error } = nagFindings(app, app.outdir, { validate: false });
    expect(error).toBeUndefined();
    expect(findings).toEqual([]);
  } finally {
    fs.rmSync(app.outdir, { recursive: true, force: true });
  }
});

describe('-c prepareTargetAccount=true', () => {
  test('synthesizes the set-up stack trusting the project account, and warns of project settings it ignores', () => {
    const setup = parseTargetAccountSetup({ prepareTargetAccount: 'true', projectAccount: PROJECT_ACCOUNT, projectName: 'churn', '@aws-cdk/core:flag': true });
    expect(setup).toEqual({ projectAccount: PROJECT_ACCOUNT, ignoredKeys: ['projectName'] });
    const stack = addTargetAccountSetupStack(new App(), setup!);
    expect(stack.stackName).toBe(TARGET_SETUP.stackName);
    Annotations.fromStack(stack).hasWarning('*', '`projectName` is ignored: `prepareTargetAccount=true` synthesizes the account\'s set-up, which no project setting changes [ack: @mlops/config:ignored-setting]');
  });

  test('is not asked for otherwise', () => {
    expect(parseTargetAccountSetup({ projectAccount: PROJECT_ACCOUNT })).toBeUndefined();
  });

  test.each([
    [{ prepareTargetAccount: 'true' }, '`projectAccount` is required with `prepareTargetAccount=true`: the 12-digit id of the account whose projects deploy to this account'],
    [{ prepareTargetAccount: 'true', projectAccount: '1234' }, "got '1234'"],
    [{ prepareTargetAccount: 'false', projectAccount: PROJECT_ACCOUNT }, '`prepareTargetAccount` only takes true'],
    [{ prepareTargetAccount: 'true', projectAcount: PROJECT_ACCOUNT }, 'unknown setting `projectAcount` (did you mean `projectAccount`?)'],
  ])('refuses %j in one line', (context, message) => {
    expect(() => parseTargetAccountSetup(context)).toThrow(ConfigError);
    expect(() => parseTargetAccountSetup(context)).toThrow(message);
  });
});
