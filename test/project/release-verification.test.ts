import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CfnParameter, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import { ModelDeploy } from '../../lib/project/model-deploy';
import { EXPECTED_DIGEST_ENV, RELEASE_CHECK_SCRIPT, RELEASE_FILES, writeFileCommand } from '../../lib/project/release-verification';
import { buildArtifactFiles, releaseDigest } from '../../seed-code/model-deploy/lib/build-output';
import { PREFIX, projectParts } from '../support/project-parts';

/** A folder holding a build artifact's four files. */
function artifactDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'release-check-'));
  for (const file of RELEASE_FILES) fs.writeFileSync(path.join(dir, file), JSON.stringify({ file, Resources: {} }));
  return dir;
}

/** Runs the release check as CodeBuild would (bash, in the artifact's folder). */
function check(dir: string, expected: string | undefined): { status: number | null; stdout: string; stderr: string } {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH };
  if (expected !== undefined) env[EXPECTED_DIGEST_ENV] = expected;
  const result = spawnSync('bash', ['--norc', '--noprofile', '-c', RELEASE_CHECK_SCRIPT], { cwd: dir, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('the release check script', () => {
  let dir: string;
  beforeEach(() => { dir = artifactDir(); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('checks the files the deploy seed writes, and accepts the digest the seed exports for them', () => {
    expect([...buildArtifactFiles()].sort()).toEqual(RELEASE_FILES);
    const result = check(dir, releaseDigest(dir));
    expect(result).toMatchObject({ status: 0, stderr: '' });
    expect(result.stdout).toContain('Release check passed');
  });

  test.each(RELEASE_FILES)('refuses the artifact when %s changed after the build', (file) => {
    const digest = releaseDigest(dir);
    fs.writeFileSync(path.join(dir, file), JSON.stringify({ Resources: { Backdoor: { Type: 'AWS::IAM::Role' } } }));
    const result = check(dir, digest);
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([
      `Release check failed: the templates' digest is ${releaseDigest(dir)}, but the deploy build of this run exported ${digest}: the artifact changed after the build, refusing to deploy it`,
    ]);
  });

  test('refuses an artifact without one of its files', () => {
    const digest = releaseDigest(dir);
    fs.rmSync(path.join(dir, 'prod.template.json'));
    expect(check(dir, digest)).toMatchObject({ status: 1, stderr: 'Release check failed: the build artifact has no prod.template.json\n' });
  });

  test.each([
    ['no digest (a deploy buildspec that does not export RELEASE_DIGEST)', undefined],
    ['an empty digest', ''],
    ['an unresolved variable reference', '#{BuildVariables.RELEASE_DIGEST}'],
    ['an uppercase or short digest', 'ABC123'],
  ])('refuses %s with a one-line reason', (_what, expected) => {
    const result = check(dir, expected);
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(`Release check failed: ${EXPECTED_DIGEST_ENV} must be the SHA-256 (64 hex digits) the deploy build exports as RELEASE_DIGEST`);
  });
});

describe('the release check in the deploy pipeline', () => {
  const parts = projectParts();
  const pipelineRole = new iam.Role(parts.scope, 'SageMakerPipelineRole', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
  new ModelDeploy(parts.scope, 'ModelDeploy', { ...parts.pipelineProps('deploy'), pipelineRole, alarmTopic: new sns.Topic(parts.scope, 'AlarmTopic') });
  const template = Template.fromStack(parts.stack);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- fragments of synthesized templates
  type Json = any;
  const pipeline = Object.values(template.findResources('AWS::CodePipeline::Pipeline', { Properties: { Name: `${PREFIX}-modeldeploy` } }))[0] as Json;
  const stage = (name: string) => (pipeline.Properties.Stages as Json[]).find((s) => s.Name === name);
  const verifyProjects = Object.entries(template.findResources('AWS::CodeBuild::Project', { Properties: { Name: `${PREFIX}-verify-release` } }));

  test('runs this project\'s own buildspec (the script above), not one from the deploy repository', () => {
    expect(verifyProjects).toHaveLength(1);
    const buildSpec = JSON.parse(verifyProjects[0][1].Properties.Source.BuildSpec);
    expect(buildSpec.phases.build.commands).toEqual([RELEASE_CHECK_SCRIPT]);
    expect(buildSpec.artifacts).toEqual({ files: RELEASE_FILES });
  });

  test('checks the build\'s templates first in staging, and again right before the prod deploy, against the digest the build exported', () => {
    const [verifyId] = verifyProjects[0];
    const expected = [{ name: EXPECTED_DIGEST_ENV, type: 'PLAINTEXT', value: '#{BuildVariables.RELEASE_DIGEST}' }];
    const staging = stage('DeployStaging').Actions as Json[];
    const prod = stage('DeployProd').Actions as Json[];
    for (const [actions, name, input] of [[staging, 'VerifyRelease', 'Templates'], [prod, 'VerifyProdRelease', 'Release']] as const) {
      const verify = actions.find((a: Json) => a.Name === name);
      expect(verify).toMatchObject({ RunOrder: 1, InputArtifacts: [{ Name: input }], Configuration: { ProjectName: { Ref: verifyId } } });
      expect(JSON.parse(verify.Configuration.EnvironmentVariables)).toEqual(expected);
      // Every other action of the stage comes after the check.
      for (const other of actions.filter((a: Json) => a !== verify)) expect(other.RunOrder).toBeGreaterThan(1);
    }
    expect(staging.find((a: Json) => a.Name === 'VerifyRelease').OutputArtifacts).toEqual([{ Name: 'Release' }]);
    expect(prod.find((a: Json) => a.Name === 'VerifyProdRelease').OutputArtifacts).toBeUndefined();
  });

  test('both stages deploy the checked release, never the build\'s own output', () => {
    const deploys = [...stage('DeployStaging').Actions, ...stage('DeployProd').Actions].filter((a: Json) => a.ActionTypeId.Provider === 'CloudFormation');
    expect(deploys).toHaveLength(2);
    for (const deploy of deploys) {
      expect(deploy.InputArtifacts).toEqual([{ Name: 'Release' }]);
      expect(deploy.Configuration.TemplatePath).toMatch(/^Release::(staging|prod)\.template\.json$/);
    }
  });
});

describe('writeFileCommand', () => {
  /** Runs the command as CodeBuild would, with the deploy-time values CloudFormation fills in; returns the file. */
  const written = (command: unknown, values: string[] = []): string => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'release-file-'));
    const join = (command as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
    const filled = join ? join[1].map((part) => (typeof part === 'string' ? part : values.shift())).join('') : String(command);
    const result = spawnSync('bash', ['--norc', '--noprofile', '-c', filled], { cwd: dir, encoding: 'utf8' });
    expect(result).toMatchObject({ status: 0, stderr: '' });
    return fs.readFileSync(path.join(dir, 'file.json'), 'utf8');
  };

  test('packs content known at synth (gzip, base64) and writes it back byte for byte', () => {
    const content = JSON.stringify({ Tags: { owner: "o'brien", team: '$HOME `x`' } });
    const command = writeFileCommand('file.json', content);
    expect(command).toMatch(/^echo '[A-Za-z0-9+/=]+' \| base64 -d \| gunzip > file\.json$/);
    expect(written(command)).toBe(content);
  });

  test('writes content with a deploy-time value (a Studio project\'s id) as it is, quotes kept, the value filled in', () => {
    // GIVEN tags holding a template parameter, and a value with a single quote and shell characters
    const stack = new Stack();
    const id = new CfnParameter(stack, 'SageMakerProjectId').valueAsString;
    const content = JSON.stringify({ Tags: { 'sagemaker:project-id': id, owner: "o'brien", team: '$HOME `x`' } });
    // WHEN CloudFormation resolves the command and bash runs it
    const file = written(stack.resolve(writeFileCommand('file.json', content)), ['p-abc123def456']);
    // THEN
    expect(JSON.parse(file)).toEqual({ Tags: { 'sagemaker:project-id': 'p-abc123def456', owner: "o'brien", team: '$HOME `x`' } });
  });
});
