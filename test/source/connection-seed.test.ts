import { execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { App, CfnParameter, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { ProjectNames } from '../../lib/contract/names';
import { SEED_SCRIPT_DIR } from '../../lib/paths';
import { projectLogGroup } from '../../lib/private/log-settings';
import { ConnectionSeed, SeedFailureReporter, useConnectionStatements } from '../../lib/source/connection-seed';
import { gitHttpUrl } from '../../lib/source/source-provider';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- fragments of a synthesized template
type Json = any;

const ACCOUNT = '123456789012';
const BUILD_REGION = 'eu-west-1';
const CONNECTION_ID = '0123abcd-4567-89ab-cdef-0123456789ab';
const connectionArn = (region: string) => `arn:aws:codeconnections:${region}:${ACCOUNT}:connection/${CONNECTION_ID}`;
const REPOSITORY = 'acme/model-build';
const names = new ProjectNames('demo', 'p-abcdef123456');

/** One ConnectionSeed on a bare stack in BUILD_REGION, seeding through a connection of `connection`. */
function seedStack(connection: string, branch = 'main'): { stack: Stack; template: Template } {
  const stack = new Stack(new App(), 'Seeded', { env: { account: ACCOUNT, region: BUILD_REGION } });
  const key = new kms.Key(stack, 'Key');
  const logs = { key, retention: RetentionDays.ONE_WEEK };
  new ConnectionSeed(stack, 'Seed', {
    names,
    key,
    logs,
    functionLogGroup: projectLogGroup(stack, 'StartLogs', logs),
    failureReporter: new SeedFailureReporter(stack, 'Failures', { names, logs }),
    connectionArn: connection,
    repositoryFullName: REPOSITORY,
    gitHttpUrl: gitHttpUrl(connection, REPOSITORY),
    branch,
    // Any small folder: what it holds does not matter here.
    seedDirectory: SEED_SCRIPT_DIR,
    side: 'build',
    jobName: names.modelBuildSeedName,
  });
  return { stack, template: Template.fromStack(stack) };
}

function job(template: Template): Json {
  return Object.values(template.findResources('AWS::CodeBuild::Project'))[0].Properties;
}

function variables(template: Template): Record<string, unknown> {
  return Object.fromEntries((job(template).Environment.EnvironmentVariables as Json[]).map((v) => [v.Name, v.Value]));
}

function buildCommands(template: Template): string[] {
  return JSON.parse(job(template).Source.BuildSpec).phases.build.commands;
}

const sha256 = (data: string) => crypto.createHash('sha256').update(data, 'utf8').digest('hex');
const hmac = (key: Buffer | string, data: string) => crypto.createHmac('sha256', key).update(data, 'utf8').digest();

/** The password of AWS's CodeCommit credential helper (`<timestamp>Z<SigV4 signature>`) for `region`. */
function expectedPassword(secret: string, timestamp: string, region: string, host: string, requestPath: string): string {
  const canonical = `GIT\n/${requestPath}\n\nhost:${host}\n\nhost\n`;
  const scope = `${timestamp.slice(0, 8)}/${region}/codecommit/aws4_request`;
  const toSign = `AWS4-HMAC-SHA256\n${timestamp}\n${scope}\n${sha256(canonical)}`;
  let signingKey = hmac(`AWS4${secret}`, timestamp.slice(0, 8));
  for (const part of [region, 'codecommit', 'aws4_request']) signingKey = hmac(signingKey, part);
  return `${timestamp}Z${crypto.createHmac('sha256', signingKey).update(toSign, 'utf8').digest('hex')}`;
}

/**
 * Runs the job's git credential set-up from its buildspec in a fresh HOME, then asks git for the
 * credentials of `url` as it would before a fetch or push, in a build of BUILD_REGION.
 */
function credentialsFor(template: Template, url: string): { username: string; password: string } {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'seed-home-'));
  const env = {
    PATH: process.env.PATH!, HOME: home, GIT_TERMINAL_PROMPT: '0',
    // CodeBuild sets the CLI's region to the build's.
    AWS_DEFAULT_REGION: BUILD_REGION, AWS_REGION: BUILD_REGION,
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret-example',
    CONNECTION_REGION: variables(template).CONNECTION_REGION as string,
  };
  for (const command of buildCommands(template).filter((c) => c.startsWith('git config'))) {
    execFileSync('bash', ['-c', command], { env });
  }
  const { host, pathname } = new URL(url);
  const out = execFileSync('git', ['credential', 'fill'], { env, input: `protocol=https\nhost=${host}\npath=${pathname.slice(1)}\n\n`, encoding: 'utf8' });
  const fields = Object.fromEntries(out.trim().split('\n').map((l) => l.split(/=(.*)/s).slice(0, 2) as [string, string]));
  return { username: fields.username, password: fields.password };
}

describe('the seeding job signs for the connection\'s region', () => {
  test.each([
    ['in the build\'s region', BUILD_REGION],
    ['in another region', 'us-east-1'],
  ])('a connection created %s', (_where, region) => {
    // GIVEN
    const { template } = seedStack(connectionArn(region));
    const url = variables(template).REPOSITORY_URL as string;
    expect(url).toBe(`https://codeconnections.${region}.amazonaws.com/git-http/${ACCOUNT}/${region}/${CONNECTION_ID}/${REPOSITORY}.git`);
    expect(variables(template).CONNECTION_REGION).toBe(region);
    // WHEN git asks the configured credential helper
    const { username, password } = credentialsFor(template, url);
    // THEN the signature is SigV4 for the endpoint's region, whatever the build's
    expect(username).toBe('AKIDEXAMPLE');
    const timestamp = password.split('Z')[0];
    const { host, pathname } = new URL(url);
    expect(password).toBe(expectedPassword('secret-example', timestamp, region, host, pathname.slice(1)));
  });

  test('a connection ARN given as a template parameter: CloudFormation takes the region from it', () => {
    const stack = new Stack(new App(), 'Param', { env: { account: ACCOUNT, region: BUILD_REGION } });
    const arn = new CfnParameter(stack, 'ConnectionArn').valueAsString;
    const key = new kms.Key(stack, 'Key');
    const logs = { key, retention: RetentionDays.ONE_WEEK };
    new ConnectionSeed(stack, 'Seed', {
      names, key, logs, functionLogGroup: projectLogGroup(stack, 'StartLogs', logs),
      failureReporter: new SeedFailureReporter(stack, 'Failures', { names, logs }),
      connectionArn: arn, repositoryFullName: REPOSITORY, gitHttpUrl: gitHttpUrl(arn, REPOSITORY),
      branch: 'main', seedDirectory: SEED_SCRIPT_DIR, side: 'build',
    });
    expect(variables(Template.fromStack(stack)).CONNECTION_REGION).toEqual({
      'Fn::Select': [3, { 'Fn::Split': [':', { Ref: 'ConnectionArn' }] }],
    });
  });
});

describe('the wait condition handle', () => {
  const { template } = seedStack(connectionArn(BUILD_REGION));

  test('is not a variable of the job', () => {
    expect(Object.keys(variables(template))).not.toContain('WAIT_HANDLE_URL');
  });

  test('is passed to the one build the stack starts, as a start override', () => {
    const [start] = Object.values(template.findResources('Custom::SageMakerProjectRepositorySeed'));
    const create = JSON.stringify(start.Properties.Create);
    expect(create).toMatch(/\\"environmentVariablesOverride\\":\[\{\\"name\\":\\"WAIT_HANDLE_URL\\",\\"value\\":\\"",\{"Ref":"SeedHandle[0-9A-F]{8}"\},"\\",\\"type\\":\\"PLAINTEXT\\"\}\]/);
    // Its physical id is the build's id, which the connection grant names.
    expect(create).toContain('\\"physicalResourceId\\":{\\"responsePath\\":\\"build.id\\"}');
  });
});

/** Substitutes the references of a template fragment that the simulator cannot know. */
function resolveTokens(value: Json, refs: Record<string, string>): Json {
  if (Array.isArray(value)) return value.map((v) => resolveTokens(v, refs));
  if (value && typeof value === 'object') {
    if ('Ref' in value) {
      const ref = refs[value.Ref] ?? Object.entries(refs).find(([prefix]) => (value.Ref as string).startsWith(prefix))?.[1];
      // Resources the requests below never touch (log groups, assets) keep a placeholder.
      return ref ?? `unresolved-${value.Ref}`;
    }
    if ('Fn::GetAtt' in value) return `unresolved-${value['Fn::GetAtt'].join('.')}`;
    if ('Fn::Join' in value) return (resolveTokens(value['Fn::Join'][1], refs) as string[]).join(value['Fn::Join'][0]);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveTokens(v, refs)]));
  }
  return value;
}

const SEEDING_BUILD = `${names.modelBuildSeedName}:11111111-2222-3333-4444-555555555555`;
const buildArn = (id: string) => `arn:aws:codebuild:${BUILD_REGION}:${ACCOUNT}:build/${id}`;
const JOB_ROLE = `arn:aws:iam::${ACCOUNT}:role/seed-job-role`;

/**
 * CodeBuild sets `codebuild:buildArn` on every request made with a build's role, like EC2's
 * `ec2:SourceInstanceArn` for an instance's; the simulator knows only the latter among such
 * session keys, so the same ARN condition is evaluated under that name.
 */
const asSessionKey = (value: Json) => JSON.parse(JSON.stringify(value).replace(/codebuild:buildArn/g, 'ec2:SourceInstanceArn'));

/** What IAM decides for a UseConnection request of the job's role, given its policies. */
async function useConnection(statements: Json[], prefix: string, context: Record<string, string>): Promise<string> {
  const result = await runSimulation({
    request: {
      principal: JOB_ROLE,
      action: `${prefix}:UseConnection`,
      resource: { resource: connectionArn(BUILD_REGION).replace(':codeconnections:', `:${prefix}:`), accountId: ACCOUNT },
      contextVariables: { 'aws:PrincipalArn': JOB_ROLE, 'aws:PrincipalAccount': ACCOUNT, ...asSessionKey(context) },
    },
    identityPolicies: [{ name: 'job', policy: { Version: '2012-10-17', Statement: asSessionKey(statements) } }],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
  }, {});
  if (result.resultType === 'error') throw new Error(`simulation refused its input: ${JSON.stringify(result.errors)}`);
  return result.overallResult;
}

describe("aws-cdk-lib's function that starts the job", () => {
  const { template } = seedStack(connectionArn(BUILD_REGION));

  test('has a role without managed policies (a launch role may not attach any), allowed to write its log group only', () => {
    const roles = Object.values(template.findResources('AWS::IAM::Role'));
    expect(roles.filter((r: Json) => r.Properties.ManagedPolicyArns)).toEqual([]);
    const [, starter] = Object.entries(template.findResources('AWS::Lambda::Function')).find(([id]) => id.startsWith('AWS679f53fac002430cb0da5b7982bd2287'))!;
    const roleId = (starter as Json).Properties.Role['Fn::GetAtt'][0];
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p: Json) => p.Properties.Roles.some((r: Json) => r.Ref === roleId))
      .flatMap((p: Json) => p.Properties.PolicyDocument.Statement);
    const logStatements = statements.filter((st: Json) => [st.Action].flat().some((a: string) => a.startsWith('logs:')));
    expect(logStatements).toEqual([expect.objectContaining({
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: { 'Fn::GetAtt': [expect.stringMatching(/^StartLogs/), 'Arn'] },
    })]);
  });
});

describe('the seeding job\'s write access to the repository', () => {
  const { template } = seedStack(connectionArn(BUILD_REGION));
  const policies = template.findResources('AWS::IAM::Policy');
  const [jobRoleId] = Object.keys(template.findResources('AWS::IAM::Role', { Properties: { AssumeRolePolicyDocument: Match.objectLike({ Statement: [Match.objectLike({ Principal: { Service: 'codebuild.amazonaws.com' } })] }) } }));
  const jobStatements = Object.values(policies)
    .filter((p) => (p.Properties.Roles as Json[]).some((r) => r.Ref === jobRoleId))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Json[]);
  const refs = { 'AWS::Partition': 'aws', 'AWS::Region': BUILD_REGION, 'AWS::AccountId': ACCOUNT, 'SeedStart': SEEDING_BUILD };
  const resolved = resolveTokens(jobStatements, refs);

  test('comes from one policy, bound to the build the stack started', () => {
    const grants = Object.entries(policies).filter(([, p]) => JSON.stringify(p.Properties.PolicyDocument).includes(':UseConnection'));
    expect(grants.map(([id]) => id)).toEqual([expect.stringMatching(/^SeedConnectionGrant/)]);
    expect(grants[0][1].Properties.Roles).toEqual([{ Ref: jobRoleId }]);
  });

  test.each(['codeconnections', 'codestar-connections'])('%s: the started build may read and push its repository\'s branch', async (prefix) => {
    expect(await useConnection(resolved, prefix, {
      'codebuild:buildArn': buildArn(SEEDING_BUILD), [`${prefix}:FullRepositoryId`]: REPOSITORY, [`${prefix}:BranchName`]: 'main',
      [`${prefix}:ProviderPermissionsRequired`]: 'read_write',
    })).toBe('Allowed');
  });

  test.each([
    ['a later build of the job (commands overridden or not)', { 'codebuild:buildArn': buildArn(`${names.modelBuildSeedName}:99999999-0000-0000-0000-000000000000`) }],
    ['any request not made by a build', {}],
    ['the started build, on another repository', { 'codebuild:buildArn': buildArn(SEEDING_BUILD), 'codeconnections:FullRepositoryId': 'acme/other' }],
    ['the started build, on another branch', { 'codebuild:buildArn': buildArn(SEEDING_BUILD), 'codeconnections:BranchName': 'release' }],
  ])('nothing else may use the connection: %s', async (_what, context) => {
    expect(await useConnection(resolved, 'codeconnections', {
      'codeconnections:FullRepositoryId': REPOSITORY, 'codeconnections:ProviderPermissionsRequired': 'read_write', ...context,
    })).toBe('ImplicitlyDenied');
  });

  test('the former grant, on the job\'s role for its repository only, lets a later build push', async () => {
    // The old form, kept here to show what the build binding closes.
    const former = useConnectionStatements(connectionArn(BUILD_REGION), REPOSITORY).map((s) => s.toStatementJson());
    expect(await useConnection(former, 'codeconnections', {
      'codebuild:buildArn': buildArn(`${names.modelBuildSeedName}:99999999-0000-0000-0000-000000000000`),
      'codeconnections:FullRepositoryId': REPOSITORY, 'codeconnections:ProviderPermissionsRequired': 'read_write',
    })).toBe('Allowed');
  });
});

describe('a read-only grant (the pipelines\')', () => {
  const statements = new Stack().resolve(useConnectionStatements(connectionArn(BUILD_REGION), REPOSITORY, { branch: 'main', readOnly: true })
    .map((s) => s.toStatementJson()));
  const request = (context: Record<string, string>) => useConnection(statements, 'codeconnections', { 'codeconnections:FullRepositoryId': REPOSITORY, ...context });

  test('reads its repository\'s branch', async () => {
    expect(await request({ 'codeconnections:ProviderPermissionsRequired': 'read_only', 'codeconnections:BranchName': 'main' })).toBe('Allowed');
  });

  test.each([
    ['writes', { 'codeconnections:ProviderPermissionsRequired': 'read_write' }],
    ['reads another branch', { 'codeconnections:BranchName': 'other' }],
  ])('never %s', async (_what, context) => {
    expect(await request(context)).toBe('ImplicitlyDenied');
  });
});

describe('a seeding job that ends without success', () => {
  const { template } = seedStack(connectionArn(BUILD_REGION));

  test('fails the stack through the reporter: a rule on the job\'s failed builds invokes its function', () => {
    const rules = template.findResources('AWS::Events::Rule');
    expect(Object.values(rules).map((r) => r.Properties)).toEqual([expect.objectContaining({
      Name: names.seedRuleName,
      EventPattern: {
        'source': ['aws.codebuild'],
        'account': [ACCOUNT],
        'detail-type': ['CodeBuild Build State Change'],
        'detail': { 'build-status': ['FAILED', 'FAULT', 'STOPPED', 'TIMED_OUT'], 'project-name': [{ Ref: expect.stringMatching(/^SeedJob/) }] },
      },
      Targets: [expect.objectContaining({ Arn: { 'Fn::GetAtt': [expect.stringMatching(/^FailuresFunction/), 'Arn'] } })],
    })]);
  });

  test('the reporter\'s function may only write its logs', () => {
    const [roleId] = Object.keys(template.findResources('AWS::IAM::Role', { Properties: { Description: Match.stringLikeRegexp('^Fails the repository seeding') } }));
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => (p.Properties.Roles as Json[]).some((r) => r.Ref === roleId))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Json[]);
    expect(statements.map((s) => s.Action)).toEqual([['logs:CreateLogStream', 'logs:PutLogEvents']]);
  });

  test('the wait begins once the build has been started and granted', () => {
    const [wait] = Object.values(template.findResources('AWS::CloudFormation::WaitCondition'));
    expect(wait.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/^SeedStart/), expect.stringMatching(/^SeedConnectionGrant/)]));
  });
});

test('a connection ARN without a region is refused', () => {
  expect(() => seedStack(`arn:aws:codeconnections::${ACCOUNT}:connection/${CONNECTION_ID}`))
    .toThrow("`connectionArn` must name the connection's region; got 'arn:aws:codeconnections::123456789012:connection/0123abcd-4567-89ab-cdef-0123456789ab'");
});



