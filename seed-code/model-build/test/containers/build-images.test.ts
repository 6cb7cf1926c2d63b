import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CommandResult, CommandRunner, buildImages, keepImages, main, parseRepositoryUri } from '../../src/containers/build-images';
import { containerFolders } from '../../src/containers/images';
import { UsageError, resolveProjectSettings } from '../../src/cli/settings';
import { DLC_REGISTRY_ACCOUNTS, FRAMEWORK_REGISTRY_ACCOUNTS, dlcRegistry } from '../../src/pipelines/image-uris';

const URI = '111122223333.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-project-p-abc123def456';
const REPOSITORY = parseRepositoryUri(URI);
const DLC = '763104351884.dkr.ecr.eu-west-1.amazonaws.com';

/**
 * A stand-in for `aws ecr` and `docker`: an ECR repository (tag -> digest) that `docker push` adds
 * to, and the commands it was asked to run. Nothing runs for real.
 */
class FakeTools {
  public readonly tags = new Map<string, string>();
  public readonly commands: string[][] = [];
  public readonly inputs: Array<string | undefined> = [];
  public readonly run: CommandRunner = async (command, options) => {
    this.commands.push([...command]);
    this.inputs.push(options?.input);
    return this.answer(command);
  };

  private answer(c: readonly string[]): CommandResult {
    const ok = (stdout = ''): CommandResult => ({ code: 0, stdout, stderr: '' });
    const arg = (name: string) => c[c.indexOf(name) + 1];
    if (c[0] === 'aws' && c[2] === 'describe-images') {
      const tag = arg('--image-ids').replace(/^imageTag=/, '');
      const digest = this.tags.get(tag);
      return digest ? ok(`${digest}\n`) : { code: 254, stdout: '', stderr: `An error occurred (ImageNotFoundException) when calling the DescribeImages operation: The image with imageId {imageTag:'${tag}'} does not exist` };
    }
    if (c[0] === 'aws' && c[2] === 'get-login-password') return ok('token\n');
    if (c[0] === 'docker' && (c[1] === 'login' || c[1] === 'build')) return ok();
    if (c[0] === 'docker' && c[1] === 'push') {
      const tag = c[2].slice(c[2].lastIndexOf(':') + 1);
      this.tags.set(tag, `sha256:${createHash('sha256').update(tag).digest('hex')}`);
      return ok();
    }
    if (c[0] === 'aws' && c[2] === 'batch-get-image') {
      return ok(JSON.stringify({ images: [{ imageManifest: '{"schemaVersion":2}', imageManifestMediaType: 'application/vnd.docker.distribution.manifest.v2+json' }], failures: [] }));
    }
    if (c[0] === 'aws' && c[2] === 'put-image') {
      const tag = arg('--image-tag');
      if (this.tags.has(tag)) return { code: 254, stdout: '', stderr: 'An error occurred (ImageAlreadyExistsException) when calling the PutImage operation: Image with digest ... and tag ... already exists' };
      this.tags.set(tag, arg('--image-digest'));
      return ok();
    }
    return { code: 127, stdout: '', stderr: `unexpected command ${c.join(' ')}` };
  }

  /** The folders `docker build` was run on, by name. */
  public get built(): string[] {
    return this.commands.filter((c) => c[0] === 'docker' && c[1] === 'build').map((c) => path.basename(c[c.length - 1]));
  }
}

/** A build repository checkout: a script outside containers/, and two image folders. */
function checkout(): string {
  const root = mkdtempSync(path.join(tmpdir(), 'build-images-'));
  const files: Record<string, string> = {
    'src/pipelines/abalone/preprocess.py': 'print("v1")\n',
    'containers/train/Dockerfile': 'ARG DLC_REGISTRY\nFROM ${DLC_REGISTRY}/tensorflow-training:2.16-cpu-py310\nCOPY requirements.txt /opt/\n',
    'containers/train/requirements.txt': 'pandas==2.2.2\n',
    'containers/serve/Dockerfile': 'FROM public.ecr.aws/docker/library/python:3.11-slim\n',
  };
  for (const [rel, body] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), body);
  }
  return root;
}

const logs: string[] = [];
const build = (root: string, tools: FakeTools) => buildImages({
  repository: REPOSITORY,
  imagesFile: path.join(root, 'out', 'images.json'),
  containersDir: path.join(root, 'containers'),
  run: tools.run,
  log: (line) => logs.push(line),
});

describe('build-images: builds and pushes changed containers/ folders only', () => {
  test('first build: every image is built with the region\'s registry arguments, pushed, and written by digest', async () => {
    const root = checkout();
    const tools = new FakeTools();
    const result = await build(root, tools);
    expect(tools.built.sort()).toEqual(['serve', 'train']);
    const train = containerFolders(path.join(root, 'containers')).find((f) => f.name === 'train')!;
    expect(tools.commands).toContainEqual([
      'docker', 'build', '--tag', `${URI}:${train.tag}`, '--build-arg', 'AWS_REGION=eu-west-1', '--build-arg', `DLC_REGISTRY=${DLC}`, path.join(root, 'containers', 'train'),
    ]);
    expect(tools.commands).toContainEqual(['docker', 'push', `${URI}:${train.tag}`]);
    // Logged in to the deep learning container registry (a Dockerfile uses it) and to the project's, with the token on stdin.
    const logins = tools.commands.map((c, i) => [c, tools.inputs[i]] as const).filter(([c]) => c[1] === 'login');
    expect(logins.map(([c, input]) => [c[c.length - 1], input])).toEqual([[DLC, 'token'], ['111122223333.dkr.ecr.eu-west-1.amazonaws.com', 'token']]);
    const written = JSON.parse(readFileSync(path.join(root, 'out', 'images.json'), 'utf8'));
    expect(written).toEqual(result.images);
    expect(written.train).toBe(`${URI}@${tools.tags.get(train.tag)}`);
    expect(Object.values(written)).toEqual([expect.stringMatching(/@sha256:[0-9a-f]{64}$/), expect.stringMatching(/@sha256:[0-9a-f]{64}$/)]);
  });

  test('a change to a script outside containers/ rebuilds nothing and logs in nowhere; the file names the same digests', async () => {
    const root = checkout();
    const tools = new FakeTools();
    const first = await build(root, tools);
    writeFileSync(path.join(root, 'src/pipelines/abalone/preprocess.py'), 'print("v2")\n');
    tools.commands.length = 0;
    const second = await build(root, tools);
    expect(tools.built).toEqual([]);
    expect(tools.commands.every((c) => c[0] === 'aws' && c[2] === 'describe-images')).toBe(true);
    expect(second.skipped).toEqual(['serve', 'train']);
    expect(second.images).toEqual(first.images);
  });

  test('a change to a Dockerfile rebuilds that image only, under a new tag', async () => {
    const root = checkout();
    const tools = new FakeTools();
    const first = await build(root, tools);
    writeFileSync(path.join(root, 'containers/serve/Dockerfile'), 'FROM public.ecr.aws/docker/library/python:3.12-slim\n');
    tools.commands.length = 0;
    const second = await build(root, tools);
    expect(tools.built).toEqual(['serve']);
    expect(second.built).toEqual(['serve']);
    expect(second.images.train).toBe(first.images.train);
    expect(second.images.serve).not.toBe(first.images.serve);
    // serve does not use the deep learning container registry: only the project's registry is logged in to.
    expect(tools.commands.filter((c) => c[1] === 'login').map((c) => c[c.length - 1])).toEqual(['111122223333.dkr.ecr.eu-west-1.amazonaws.com']);
  });

  test('no change: nothing is built or pushed', async () => {
    const root = checkout();
    const tools = new FakeTools();
    await build(root, tools);
    tools.commands.length = 0;
    await build(root, tools);
    expect(tools.commands.filter((c) => c[0] === 'docker')).toEqual([]);
  });

  test('a failed docker build fails with the command\'s last line and writes no images file', async () => {
    const root = checkout();
    const tools = new FakeTools();
    const failing: CommandRunner = async (command, options) => (command[0] === 'docker' && command[1] === 'build'
      ? { code: 1, stdout: '', stderr: 'step 2/3\nERROR: failed to solve: pandas==9.9 not found' }
      : tools.run(command, options));
    await expect(buildImages({ repository: REPOSITORY, imagesFile: path.join(root, 'images.json'), containersDir: path.join(root, 'containers'), run: failing, log: () => undefined }))
      .rejects.toThrow('docker build --tag failed (exit code 1): ERROR: failed to solve: pandas==9.9 not found');
    expect(existsSync(path.join(root, 'images.json'))).toBe(false);
  });

  test('a region without a deep learning container registry in the table is refused for a Dockerfile that needs one', async () => {
    const root = checkout();
    const far = parseRepositoryUri('111122223333.dkr.ecr.xx-nowhere-1.amazonaws.com/sagemaker-project-p-abc123def456');
    await expect(buildImages({ repository: far, imagesFile: path.join(root, 'images.json'), containersDir: path.join(root, 'containers'), run: new FakeTools().run, log: () => undefined }))
      .rejects.toThrow("containers/train/Dockerfile uses DLC_REGISTRY, but region 'xx-nowhere-1' has no deep learning container registry");
  });
});

describe('build-images --keep', () => {
  test('tags every image of the file with the kept prefix and its content tag, on the same digest; twice is fine', async () => {
    const root = checkout();
    const tools = new FakeTools();
    const { images } = await build(root, tools);
    const options = { repository: REPOSITORY, imagesFile: path.join(root, 'out', 'images.json'), keepPrefix: '_kept-', containersDir: path.join(root, 'containers'), run: tools.run, log: () => undefined };
    expect(await keepImages(options)).toEqual(['serve', 'train']);
    for (const folder of containerFolders(path.join(root, 'containers'))) {
      expect(`${URI}@${tools.tags.get(`_kept-${folder.tag}`)}`).toBe(images[folder.name]);
    }
    expect(await keepImages(options)).toEqual(['serve', 'train']);
  });
});

describe('build-images CLI', () => {
  const io = (env: NodeJS.ProcessEnv) => {
    const out = { stdout: '', stderr: '' };
    return { out, io: { stdout: (t: string) => (out.stdout += t), stderr: (t: string) => (out.stderr += t), env } };
  };

  test('without IMAGE_REPOSITORY_URI: one line naming it, usage exit code, nothing run', async () => {
    const tools = new FakeTools();
    const { out, io: cliIo } = io({});
    expect(await main([], cliIo, tools.run)).toBe(2);
    expect(out.stderr).toBe("build-images: IMAGE_REPOSITORY_URI is required: the project's image repository, <account>.dkr.ecr.<region>.amazonaws.com/<repository>\n");
    expect(tools.commands).toEqual([]);
  });

  test('a repository URI that is not ECR\'s is refused by name and value', async () => {
    const { out, io: cliIo } = io({ IMAGE_REPOSITORY_URI: 'docker.io/me/images' });
    expect(await main([], cliIo, new FakeTools().run)).toBe(2);
    expect(out.stderr).toBe("build-images: IMAGE_REPOSITORY_URI 'docker.io/me/images' is not an ECR repository URI; expected <account>.dkr.ecr.<region>.amazonaws.com/<repository>\n");
  });

  test('--keep needs the kept prefix the project sets', async () => {
    const { out, io: cliIo } = io({ IMAGE_REPOSITORY_URI: URI });
    expect(await main(['--keep'], cliIo, new FakeTools().run)).toBe(2);
    expect(out.stderr).toMatch(/^build-images: IMAGE_KEEP_TAG_PREFIX is required with --keep/);
  });
});

describe('the pipeline CLIs read the image build\'s file', () => {
  test('a broken images file is a one-line usage error naming it', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'images-file-')), 'images.json');
    writeFileSync(file, '{"train": "latest"}');
    expect(() => resolveProjectSettings({ 'images-file': file }, { AWS_REGION: 'eu-west-1' }, true))
      .toThrow(new UsageError(`PIPELINE_IMAGES_FILE ${file}: 'train' is "latest"; expected <registry>/<repository>@sha256:<digest> or :<tag>`));
    expect(() => resolveProjectSettings({}, { AWS_REGION: 'eu-west-1', PIPELINE_IMAGES_FILE: file }, true)).toThrow(UsageError);
  });
});

describe('the deep learning container registry table', () => {
  test('covers exactly the regions of the framework image table, with the accounts the SageMaker Python SDK lists', () => {
    expect(Object.keys(DLC_REGISTRY_ACCOUNTS).sort()).toEqual(Object.keys(FRAMEWORK_REGISTRY_ACCOUNTS).sort());
    // image_uri_config/tensorflow.json: one account for most regions, its own for the newer ones.
    const own: Record<string, string> = {
      'af-south-1': '626614931356', 'ap-east-1': '871362719292', 'ap-northeast-3': '364406365360', 'ap-south-2': '772153158452',
      'ap-southeast-3': '907027046896', 'ap-southeast-4': '457447274322', 'ca-west-1': '204538143572', 'eu-central-2': '380420809688',
      'eu-south-1': '692866216735', 'eu-south-2': '503227376785', 'il-central-1': '780543022126', 'me-central-1': '914824155844',
      'me-south-1': '217643126080',
    };
    for (const region of Object.keys(FRAMEWORK_REGISTRY_ACCOUNTS)) {
      expect([region, DLC_REGISTRY_ACCOUNTS[region]]).toEqual([region, own[region] ?? '763104351884']);
      expect(dlcRegistry(region)).toBe(`${own[region] ?? '763104351884'}.dkr.ecr.${region}.amazonaws.com`);
    }
    expect(dlcRegistry('xx-nowhere-1')).toBeUndefined();
  });
});
