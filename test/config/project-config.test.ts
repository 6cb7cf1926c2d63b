import { spawnSync } from 'node:child_process';
import { parseProjectConfig, projectStackProps } from '../../lib/config/project-config';
import { cdkJsonContext } from '../support/app';
import { checkBranch } from '../../lib/contract/rules';
import { ConfigError } from '../../lib/contract/errors';

const CONNECTION = {
  sourceProvider: 'codeconnections',
  connectionArn: 'arn:aws:codeconnections:eu-west-1:123456789012:connection/0123abcd-4567-89ab-cdef-0123456789ab',
  buildRepository: 'acme/model-build',
  deployRepository: 'acme/ml-platform/model-deploy',
};

describe('parseProjectConfig', () => {
  test('gives a complete demo configuration with no settings (the id left to CloudFormation)', () => {
    // WHEN
    const config = parseProjectConfig({});
    // THEN
    expect(config).toEqual({
      projectName: 'mlops-demo',
      projectId: undefined,
      project: { branch: 'main', manualApproval: true, retainData: true, teardown: true, tags: {}, autoApproveModels: false, dataLocations: [], logRetentionDays: 365, sourceProvider: 'codecommit' },
      permissionsBoundary: undefined,
      serviceCatalog: false,
      portfolioPrincipals: [],
      productVersion: 'v1',
      connectionConstraints: {},
      warnings: [],
    });
  });

  test('reads typed values and their -c string forms alike', () => {
    // GIVEN: what `cdk.json` gives (typed) and what `-c key=value` gives (strings)
    const typed = parseProjectConfig({
      projectName: 'Churn-2', projectId: 'p-abc123def456', branch: 'release/v2', manualApproval: false,
      retainData: false, teardown: true, tags: { 'cost-center': '42' },
      permissionsBoundary: 'arn:aws:iam::123456789012:policy/Boundary',
      serviceCatalog: true, portfolioPrincipals: ['arn:aws:iam::123456789012:role/StudioRole'], productVersion: 'v2.1',
    });
    const strings = parseProjectConfig({
      projectName: 'Churn-2', projectId: 'p-abc123def456', branch: 'release/v2', manualApproval: 'false',
      retainData: 'false', teardown: 'true', tags: '{"cost-center":"42"}',
      permissionsBoundary: 'arn:aws:iam::123456789012:policy/Boundary',
      serviceCatalog: 'true', portfolioPrincipals: 'arn:aws:iam::123456789012:role/StudioRole', productVersion: 'v2.1',
    });
    // THEN
    expect(strings).toEqual(typed);
    expect(typed).toMatchObject({
      projectName: 'Churn-2', projectId: 'p-abc123def456',
      project: { branch: 'release/v2', manualApproval: false, retainData: false, teardown: true, tags: { 'cost-center': '42' } },
    });
  });

  test.each(['portfolioPrincipals', 'productVersion'])('warns that %s is ignored without serviceCatalog=true', (key) => {
    const value = key === 'productVersion' ? 'v2' : ['arn:aws:iam::123456789012:role/StudioRole'];
    expect(parseProjectConfig({ [key]: value }).warnings).toEqual([
      `\`${key}\` is ignored: it configures the Service Catalog product, which only \`serviceCatalog=true\` synthesizes`,
    ]);
    expect(parseProjectConfig({ [key]: value, serviceCatalog: true }).warnings).toEqual([]);
  });

  test('reads a CodeConnections source: both ARN forms, owner/name and GitLab subgroups', () => {
    // GIVEN
    const older = { ...CONNECTION, connectionArn: CONNECTION.connectionArn.replace('codeconnections', 'codestar-connections') };
    // WHEN
    const config = parseProjectConfig(CONNECTION);
    // THEN
    expect(config.project).toMatchObject(CONNECTION);
    expect(config.warnings).toEqual([]);
    expect(parseProjectConfig(older).project.connectionArn).toBe(older.connectionArn);
  });

  test('a connection source with the Service Catalog product keeps its settings (the product\'s parameter defaults)', () => {
    const config = parseProjectConfig({ ...CONNECTION, serviceCatalog: true });
    expect(config.serviceCatalog).toBe(true);
    expect(config.project).toMatchObject(CONNECTION);
  });

  test('a template-only app (the S3 publisher) may leave the connection settings to the template\'s parameters', () => {
    const config = parseProjectConfig({ sourceProvider: 'codeconnections' }, { templateOnly: true });
    expect(config.project).toMatchObject({ sourceProvider: 'codeconnections' });
    expect(config.project.connectionArn).toBeUndefined();
    expect(config.project.buildRepository).toBeUndefined();
  });

  test.each([
    ['connectionArn', 'arn:aws:codeconnections:eu-west-1:123456789012:host/abc', /`connectionArn` must be a connection ARN/],
    ['buildRepository', 'model-build', /`buildRepository` must be a repository's full name/],
  ])('fails when a template-only app is given a bad %s', (key, value, message) => {
    expect(() => parseProjectConfig({ sourceProvider: 'codeconnections', [key]: value }, { templateOnly: true })).toThrow(message);
  });

  test('warns that connection settings are ignored with the CodeCommit source', () => {
    const config = parseProjectConfig({ connectionArn: CONNECTION.connectionArn, buildRepository: 'acme/x' });
    expect(config.project.connectionArn).toBeUndefined();
    expect(config.warnings).toEqual([
      "`connectionArn` is ignored: it configures `sourceProvider=codeconnections`, and the source provider is 'codecommit'",
      "`buildRepository` is ignored: it configures `sourceProvider=codeconnections`, and the source provider is 'codecommit'",
    ]);
  });

  test('ignores the CDK CLI and feature-flag context keys', () => {
    expect(() => parseProjectConfig({
      '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true,
      'aws:cdk:enable-path-metadata': true,
      'acknowledged-issue-numbers': [1],
    })).not.toThrow();
  });

  test.each<[string, Record<string, unknown>, RegExp]>([
    ['the name has a space', { projectName: 'my project' }, /`projectName` must be 1-32 .*got 'my project'/],
    ['the name starts with a digit', { projectName: '1churn' }, /`projectName` .*starting with a letter.*got '1churn'/],
    ['the name ends with a hyphen', { projectName: 'churn-' }, /`projectName` .*got 'churn-'/],
    ['the name has an underscore', { projectName: 'churn_model' }, /`projectName` .*got 'churn_model'/],
    ['the name is empty', { projectName: '' }, /`projectName` must be 1-32/],
    ['the name is 33 characters', { projectName: 'a'.repeat(33) }, /`projectName` must be 1-32/],
    ['the name is a number', { projectName: 42 }, /`projectName` must be a string; got 42 \(number\)/],
    ['the id lacks the p- prefix', { projectId: 'abc123' }, /`projectId` must be 'p-' .*got 'abc123'/],
    ['the id has capitals', { projectId: 'p-ABC123' }, /`projectId` .*got 'p-ABC123'/],
    ['the id is too long', { projectId: 'p-' + 'a'.repeat(15) }, /`projectId` .*1-14 .*got 'p-a{15}'/],
    ['name and id exceed a composed limit', { projectName: 'a'.repeat(32), projectId: 'p-' + 'b'.repeat(14) },
      /`projectName` 'a{32}' with `projectId` 'p-b{14}' is too long: the EventBridge rule name 'sagemaker-a{32}-p-b{14}-build' has 65 characters; AWS allows at most 64; shorten the name or the id/],
    ['the branch has ..', { branch: 'feature..x' }, /`branch` 'feature..x' is not a valid git branch name: it must not contain '..'/],
    ['the branch ends with /', { branch: 'main/' }, /`branch` 'main\/' is not a valid git branch name: '\/' separates/],
    ['the branch starts with -', { branch: '-main' }, /`branch` '-main' is not a valid git branch name: it must not start with '-'/],
    ['a branch part ends with .lock', { branch: 'release.lock/x' },
      /`branch` 'release.lock\/x' .*must not end with '.lock' \(git keeps its lock files under that suffix\)/],
    ['the branch is HEAD', { branch: 'HEAD' }, /`branch` 'HEAD' is not a valid git branch name/],
    ['logRetentionDays is not a CloudWatch period', { logRetentionDays: 42 },
      /`logRetentionDays` must be one of the periods CloudWatch Logs accepts \(1, 3, 5, .*3653\); got 42/],
    ['logRetentionDays is not a number', { logRetentionDays: 'forever' }, /`logRetentionDays` must be a whole number; got 'forever'/],
    ['data is not retained and there is no teardown', { retainData: false, teardown: false },
      /`retainData=false` needs `teardown=true`: without the teardown, deleting the project would delete the KMS key/],
    ['manualApproval is not a boolean', { manualApproval: 'yes' }, /`manualApproval` must be true or false; got 'yes'/],
    ['retainData is a number', { retainData: 0 }, /`retainData` must be true or false; got 0/],
    ['tags is not JSON', { tags: '{cost:1}' }, /`tags` must be JSON when given as a string; got '\{cost:1\}'/],
    ['tags is a list', { tags: ['a'] }, /`tags` must be an object .*got \["a"\]/],
    ['a tag value is a number', { tags: { team: 7 } }, /`tags.team` must be a string; got 7/],
    ['a tag key is reserved by AWS', { tags: { 'aws:owner': 'x' } }, /`tags` key 'aws:owner' is not allowed/],
    ['a tag key is the project\'s own', { tags: { 'sagemaker:project-id': 'x' } }, /`tags` key 'sagemaker:project-id' is reserved/],
    ['the boundary is not a policy', { permissionsBoundary: 'arn:aws:iam::123456789012:role/Admin' },
      /`permissionsBoundary` must be a managed policy name or ARN .*got 'arn:aws:iam::123456789012:role\/Admin'/],
    ['a portfolio principal is not an ARN', { portfolioPrincipals: ['StudioRole'] },
      /`portfolioPrincipals` must list IAM role, user or group ARNs .*got 'StudioRole'/],
    ['the product version has a space', { productVersion: 'v 2' }, /`productVersion` must be .*got 'v 2'/],
    ['a setting is misspelt', { projectname: 'x' }, /unknown setting `projectname` \(did you mean `projectName`\?\); allowed settings: projectName, /],
    ['a setting is unknown', { region: 'eu-west-1' }, /unknown setting `region`; allowed settings: /],
    // Source provider settings
    ['the source provider is unknown', { sourceProvider: 'github' }, /`sourceProvider` must be 'codecommit' or 'codeconnections'; got 'github'/],
    ['a connection has no ARN', { ...CONNECTION, connectionArn: undefined },
      /`connectionArn` is required with `sourceProvider=codeconnections`: the ARN of an available connection/],
    ['the connection ARN is of another service', { ...CONNECTION, connectionArn: 'arn:aws:codecommit:eu-west-1:123456789012:connection/0123abcd-4567-89ab-cdef-0123456789ab' },
      /`connectionArn` must be a connection ARN, .*got 'arn:aws:codecommit:eu-west-1:/],
    ['the connection ARN is not a connection', { ...CONNECTION, connectionArn: 'arn:aws:codeconnections:eu-west-1:123456789012:host/abc' },
      /`connectionArn` must be a connection ARN, .*got 'arn:aws:codeconnections:eu-west-1:123456789012:host\/abc'/],
    ['the connection ARN is a bare id', { ...CONNECTION, connectionArn: '0123abcd-4567-89ab-cdef-0123456789ab' },
      /`connectionArn` must be a connection ARN, .*got '0123abcd-/],
    ['the build repository is missing', { ...CONNECTION, buildRepository: undefined },
      /`buildRepository` is required with `sourceProvider=codeconnections`: the full name of an existing repository, owner\/name/],
    ['the deploy repository is missing', { ...CONNECTION, deployRepository: undefined }, /`deployRepository` is required/],
    ['a repository name has no owner', { ...CONNECTION, buildRepository: 'model-build' },
      /`buildRepository` must be a repository's full name, owner\/name \(GitLab: group\/subgroup\/name\), .*got 'model-build'/],
    ['a repository name is a URL', { ...CONNECTION, deployRepository: 'https://github.com/acme/x' }, /`deployRepository` must be a repository's full name.*got 'https:/],
    ['a repository name ends with .git', { ...CONNECTION, buildRepository: 'acme/model-build.git' }, /`buildRepository` .*without '.git'; got 'acme\/model-build.git'/],
    ['a repository name has an empty part', { ...CONNECTION, buildRepository: 'acme//x' }, /`buildRepository` must be .*got 'acme\/\/x'/],
    ['both repositories are the same', { ...CONNECTION, deployRepository: 'ACME/model-build' },
      /`buildRepository` and `deployRepository` must be two different repositories; both are 'acme\/model-build'/],
    ['the Service Catalog product of a connection misses a repository (the app also builds the project stack)',
      { ...CONNECTION, serviceCatalog: true, deployRepository: undefined }, /`deployRepository` is required with `sourceProvider=codeconnections`/],
  ])('fails when %s', (_what, context, message) => {
    expect(() => parseProjectConfig(context)).toThrow(ConfigError);
    expect(() => parseProjectConfig(context)).toThrow(message);
  });
});

describe('projectStackProps', () => {
  test('a multi-account project stack is pinned to projectAccount, as its target stacks are to theirs', () => {
    const config = parseProjectConfig({ stagingAccount: '222222222222', prodAccount: '333333333333', projectAccount: '111111111111', projectId: 'p-1a2b3c4d5e6f' });
    expect(projectStackProps(config).env).toEqual({ account: '111111111111' });
  });

  test('a single-account project stack stays environment-agnostic', () => {
    expect(projectStackProps(parseProjectConfig({})).env).toBeUndefined();
  });
});

describe('checkBranch', () => {
  // git itself is the oracle: every name it refuses as a branch, the configuration refuses too.
  test.each([
    'main', 'release/v2', 'feature/ABC-12_x', 'v1.0', '-main', 'main/', '/main', 'a//b', 'a..b', 'a.lock', 'a/b.lock/c',
    '.hidden', 'a/.b', 'end.', '@', 'HEAD', 'a b', 'a~1', 'a^', 'a:b', 'a?', 'a*', 'a[b', 'a\\b', 'a@{1}',
  ])('agrees with `git check-ref-format --branch` on %j (or is stricter)', (branch) => {
    const git = spawnSync('git', ['check-ref-format', '--branch', branch], { encoding: 'utf8' });
    let ours = true;
    try {
      checkBranch(branch);
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      ours = false;
    }
    if (git.status !== 0) expect(ours).toBe(false);
    // Names git accepts are accepted too, but for characters CodeCommit triggers do not take and 'HEAD'.
    if (git.status === 0 && /^[A-Za-z0-9._/-]+$/.test(branch) && branch !== 'HEAD') expect(ours).toBe(true);
  });
});

describe('dataLocations', () => {
  test('reads a comma-separated list or a JSON list of bucket and bucket/prefix', () => {
    expect(parseProjectConfig({ dataLocations: 'my-lake/churn, shared-features' }).project.dataLocations)
      .toEqual(['my-lake/churn', 'shared-features']);
    expect(parseProjectConfig({ dataLocations: ['a.b-c/x/y'] }).project.dataLocations).toEqual(['a.b-c/x/y']);
  });

  test.each([
    ['s3://my-lake/churn', "write it without 's3://'"],
    ['My_Lake', "'My_Lake' is not an S3 bucket name"],
    ['ab', "'ab' is not an S3 bucket name"],
    ['my-lake/churn/*', 'wildcards are not allowed'],
    ['my-lake/', "the prefix must not be empty or start or end with '/'"],
    ['my-lake//x', "the prefix must not be empty or start or end with '/'"],
  ])('fails when an entry is %j, naming the setting and the entry', (entry, problem) => {
    expect(() => parseProjectConfig({ dataLocations: [entry] }))
      .toThrow(`\`dataLocations\` entry '${entry}' is not a bucket or bucket/prefix: ${problem}`);
  });
});

describe('alarmEmail', () => {
  test('is unset by default: no subscription', () => {
    expect(parseProjectConfig({}).project.alarmEmail).toBeUndefined();
  });

  test.each(['ml-team@example.com', 'first.last+alarms@sub.example.co.uk', "o'brien_x@example-corp.io", 'A@B.CD'])(
    'accepts %j', (email) => {
      expect(parseProjectConfig({ alarmEmail: email }).project.alarmEmail).toBe(email);
    });

  test.each<[string, unknown, string]>([
    ['it is not an address', 'not-an-email', "`alarmEmail` must be one e-mail address, like name@example.com; got 'not-an-email'"],
    ['it has no domain dot', 'ml@localhost', "`alarmEmail` must be one e-mail address, like name@example.com; got 'ml@localhost'"],
    ['it is two addresses', 'a@example.com,b@example.com',
      "`alarmEmail` must be one e-mail address, like name@example.com (for several people, use a distribution list); got 'a@example.com,b@example.com'"],
    ['it has a display name', 'ML Team <ml@example.com>', '(for several people, use a distribution list); got \'ML Team <ml@example.com>\''],
    ['it is empty', '', "`alarmEmail` must be one e-mail address, like name@example.com; got ''"],
    ['it has two dots in a row', 'a..b@example.com', "got 'a..b@example.com'"],
    ['it is too long', `${'a'.repeat(250)}@example.com`, '`alarmEmail` must be one e-mail address'],
    ['it is a list', ['a@example.com'], '`alarmEmail` must be a string; got ["a@example.com"] (object)'],
  ])('fails when %s, naming the setting and the value', (_what, value, message) => {
    expect(() => parseProjectConfig({ alarmEmail: value })).toThrow(ConfigError);
    expect(() => parseProjectConfig({ alarmEmail: value })).toThrow(message);
  });
});

describe('connection template constraints (allowedConnectionArns, repositoryOwner)', () => {
  const OTHER = 'arn:aws:codeconnections:eu-west-1:123456789012:connection/ffffffff-4567-89ab-cdef-0123456789ab';
  const template = (context: Record<string, unknown>) => parseProjectConfig({ sourceProvider: 'codeconnections', ...context }, { templateOnly: true });

  test('a template takes them (a list as JSON or comma-separated, as portfolioPrincipals)', () => {
    expect(template({ allowedConnectionArns: `${CONNECTION.connectionArn}, ${OTHER}`, repositoryOwner: 'acme' }).connectionConstraints)
      .toEqual({ allowedConnectionArns: [CONNECTION.connectionArn, OTHER], repositoryOwner: 'acme' });
    expect(parseProjectConfig({ ...CONNECTION, serviceCatalog: 'true', allowedConnectionArns: [CONNECTION.connectionArn] }).connectionConstraints)
      .toEqual({ allowedConnectionArns: [CONNECTION.connectionArn] });
  });

  test.each<[string, Record<string, unknown>, string]>([
    ['the configured connection is not allowed', { connectionArn: OTHER, allowedConnectionArns: [CONNECTION.connectionArn] },
      `\`connectionArn\` must be one of \`allowedConnectionArns\` (${CONNECTION.connectionArn}); got '${OTHER}'`],
    ['an allowed ARN is no connection ARN', { allowedConnectionArns: 'arn:aws:codeconnections:eu-west-1:123456789012:host/abc' },
      "`allowedConnectionArns` must list connection ARNs, arn:<partition>:codeconnections:<region>:<account>:connection/<uuid> (or the older codestar-connections form); got 'arn:aws:codeconnections:eu-west-1:123456789012:host/abc'"],
    ['the list is empty', { allowedConnectionArns: [] }, '`allowedConnectionArns` must list at least one connection ARN'],
    ['the owner ends with /', { repositoryOwner: 'acme/' }, "`repositoryOwner` must be an owner or group name (GitLab: group/subgroup), in parts of letters, digits, '.', '_' or '-', without a leading or trailing '/'; got 'acme/'"],
    ['the owner has a wildcard', { repositoryOwner: 'ac*' }, "got 'ac*'"],
    ['a configured repository is elsewhere', { repositoryOwner: 'acme', deployRepository: 'acme-evil/model-deploy' },
      "`deployRepository` must be a repository under `repositoryOwner` 'acme' (acme/<name>); got 'acme-evil/model-deploy'"],
  ])('fails when %s, naming the setting and the value', (_what, context, message) => {
    expect(() => template(context)).toThrow(ConfigError);
    expect(() => template(context)).toThrow(message);
  });

  test('a project stack or a CodeCommit source ignores them, with a warning', () => {
    const stack = parseProjectConfig({ ...CONNECTION, repositoryOwner: 'acme' });
    expect(stack.connectionConstraints).toEqual({});
    expect(stack.warnings).toEqual([expect.stringMatching(/^`repositoryOwner` is ignored: it constrains what Studio users of a template choose/)]);
    expect(parseProjectConfig({ serviceCatalog: 'true', allowedConnectionArns: OTHER }).warnings)
      .toEqual(["`allowedConnectionArns` is ignored: the source provider is 'codecommit'"]);
  });
});

describe('cdk.json', () => {
  test('its context is a valid configuration with nothing ignored', () => {
    const config = parseProjectConfig(cdkJsonContext());
    expect(config.warnings).toEqual([]);
    expect(config.projectName).toBe('mlops-demo');
  });
});
