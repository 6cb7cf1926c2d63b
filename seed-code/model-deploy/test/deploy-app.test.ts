import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Token } from 'aws-cdk-lib';
import { createDeployApp } from '../lib/deploy-app';

/** The tests' own stage files (test/fixtures/config); the repository's config/ is the user's. */
const CONFIG_DIR = path.join(__dirname, 'fixtures', 'config');

function synth(environments?: Parameters<typeof createDeployApp>[0]['environments']) {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-app-'));
  const { app, stacks } = createDeployApp({ app: new App({ outdir }), projectName: 'churn', projectId: 'p-abc123def456', configDir: CONFIG_DIR, environments });
  // cdk-nag is attached: a finding would throw here.
  const assembly = app.synth();
  const artifacts = { staging: assembly.getStackArtifact(stacks.staging.artifactId), prod: assembly.getStackArtifact(stacks.prod.artifactId) };
  // Read before the folder goes: the artifacts read their templates lazily.
  const templates = { staging: artifacts.staging.template, prod: artifacts.prod.template };
  const files = fs.readdirSync(outdir);
  fs.rmSync(outdir, { recursive: true, force: true });
  return { stacks, artifacts, templates, files };
}

describe('createDeployApp', () => {
  test('without environments, both stacks are environment-agnostic', () => {
    const { stacks, artifacts } = synth();
    expect(Token.isUnresolved(stacks.staging.account)).toBe(true);
    expect(artifacts.prod.environment.name).toBe('aws://unknown-account/unknown-region');
  });

  test('a stage with an environment gets a stack of that account and region; the template does not change', () => {
    // GIVEN
    const agnostic = synth();

    // WHEN
    const { stacks, artifacts, templates, files } = synth({ prod: { account: '222222222222', region: 'us-east-1' } });

    // THEN
    expect([stacks.prod.account, stacks.prod.region]).toEqual(['222222222222', 'us-east-1']);
    expect(artifacts.prod.environment.name).toBe('aws://222222222222/us-east-1');
    expect(artifacts.staging.environment.name).toBe('aws://unknown-account/unknown-region');
    expect(templates).toEqual(agnostic.templates);
    // Deployable by a CloudFormation action as is: no bootstrap version rule, no assets.
    expect(templates.prod.Rules).toBeUndefined();
    expect(templates.prod.Parameters.BootstrapVersion).toBeUndefined();
    expect(files.filter((f) => f.startsWith('asset.'))).toEqual([]);
  });

  test('a bad prod file throws before any stack exists, so nothing of the app can be written', () => {
    // GIVEN a valid staging file and a bad prod file
    const configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-app-config-'));
    fs.copyFileSync(path.join(CONFIG_DIR, 'staging.json'), path.join(configDir, 'staging.json'));
    fs.writeFileSync(path.join(configDir, 'prod.json'), JSON.stringify({ instanceCount: 0 }));
    const app = new App({ autoSynth: false });

    // WHEN / THEN
    expect(() => createDeployApp({ app, projectName: 'churn', projectId: 'p-abc123def456', configDir })).toThrow('prod.json');
    expect(app.node.children).toEqual([]);
    fs.rmSync(configDir, { recursive: true, force: true });
  });
});
