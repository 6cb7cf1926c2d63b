/**
 * `build-images`: builds and pushes the project's images (`containers/<name>/` with a Dockerfile)
 * whose content tag is not yet in the project's ECR repository, and writes every image by digest to
 * the images file the run action reads (`PIPELINE_IMAGES_FILE`). `build-images --keep`, after a
 * successful pipeline execution, tags the images in that file `<IMAGE_KEEP_TAG_PREFIX><name>-<sha256>`,
 * which the repository's lifecycle never expires.
 *
 * Talks to ECR with the `aws` CLI and to the registry with `docker`, both of the CodeBuild image,
 * through an injectable command runner (tests run it without either).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { CliIo, ExitCode, processIo, reportError } from '../cli/io';
import { UsageError, parseFlags } from '../cli/settings';
import { dlcRegistry } from '../pipelines/image-uris';
import { CONTAINERS_DIR, ContainerFolder, containerFolders, readImagesFile } from './images';

/** What a command printed and how it ended. */
export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command: `input` goes to its stdin; `stream` shows its output as it runs (not captured). */
export type CommandRunner = (command: readonly string[], options?: { input?: string; stream?: boolean }) => Promise<CommandResult>;

/** Runs commands on this machine. */
export const spawnRunner: CommandRunner = (command, options = {}) => new Promise((resolve, reject) => {
  const [program, ...args] = command;
  const child = spawn(program, args, { stdio: ['pipe', options.stream ? 'inherit' : 'pipe', options.stream ? 'inherit' : 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => (stdout += chunk));
  child.stderr?.on('data', (chunk) => (stderr += chunk));
  child.on('error', (error) => reject(new Error(`cannot run ${program}: ${error.message}`)));
  child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  child.stdin?.end(options.input ?? '');
});

/** `<account>.dkr.ecr.<region>.amazonaws.com[.cn]/<repository>`. */
const REPOSITORY_URI = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([a-z0-9]+(?:[._/-][a-z0-9]+)*)$/;

/** The project's repository, from its URI. */
export interface ImageRepositoryRef {
  readonly uri: string;
  readonly registry: string;
  readonly registryId: string;
  readonly region: string;
  readonly name: string;
}

/** Parses `IMAGE_REPOSITORY_URI`; the error names the variable, the value and the expected form. */
export function parseRepositoryUri(uri: string): ImageRepositoryRef {
  const match = REPOSITORY_URI.exec(uri);
  if (!match) {
    throw new UsageError(`IMAGE_REPOSITORY_URI '${uri}' is not an ECR repository URI; expected <account>.dkr.ecr.<region>.amazonaws.com/<repository>`);
  }
  return { uri, registry: uri.slice(0, uri.indexOf('/')), registryId: match[1], region: match[2], name: match[3] };
}

/** Options of {@link buildImages}. */
export interface BuildImagesOptions {
  readonly repository: ImageRepositoryRef;
  /** Where to write `{ "<name>": "<repository>@sha256:<digest>" }`. */
  readonly imagesFile: string;
  /** @default 'containers' */
  readonly containersDir?: string;
  readonly run: CommandRunner;
  readonly log: (line: string) => void;
}

/** What {@link buildImages} did. */
export interface BuildImagesResult {
  readonly images: Record<string, string>;
  readonly built: readonly string[];
  readonly skipped: readonly string[];
}

/** Fails with the command and the last line it printed. */
async function must(run: CommandRunner, command: readonly string[], options?: { input?: string; stream?: boolean }): Promise<CommandResult> {
  const result = await run(command, options);
  if (result.code !== 0) {
    const last = (result.stderr || result.stdout).trim().split('\n').pop() ?? '';
    throw new Error(`${command.slice(0, 3).join(' ')} failed (exit code ${result.code})${last ? `: ${last}` : ''}`);
  }
  return result;
}

/** The digest of `tag` in the repository, or undefined when the repository has no such tag. */
async function digestOf(repository: ImageRepositoryRef, tag: string, run: CommandRunner): Promise<string | undefined> {
  const result = await run([
    'aws', 'ecr', 'describe-images', '--region', repository.region, '--registry-id', repository.registryId,
    '--repository-name', repository.name, '--image-ids', `imageTag=${tag}`,
    '--query', 'imageDetails[0].imageDigest', '--output', 'text',
  ]);
  if (result.code !== 0) {
    if (result.stderr.includes('ImageNotFoundException')) {
      return undefined;
    }
    throw new Error(`aws ecr describe-images failed for ${tag} (exit code ${result.code}): ${result.stderr.trim().split('\n').pop() ?? ''}`);
  }
  const digest = result.stdout.trim();
  if (!/^sha256:[0-9a-f]{64}$/.test(digest)) {
    throw new Error(`aws ecr describe-images returned '${digest}' for ${tag}; expected sha256:<64 hex digits>`);
  }
  return digest;
}

/** `docker login` to an ECR registry of `region` with a token from `aws ecr get-login-password`. */
async function login(registry: string, region: string, run: CommandRunner): Promise<void> {
  const password = (await must(run, ['aws', 'ecr', 'get-login-password', '--region', region])).stdout.trim();
  await must(run, ['docker', 'login', '--username', 'AWS', '--password-stdin', registry], { input: password });
}

/** Whether a Dockerfile names the deep learning container registry build argument. */
function usesDlcRegistry(folder: ContainerFolder): boolean {
  return /\bDLC_REGISTRY\b/.test(readFileSync(path.join(folder.dir, 'Dockerfile'), 'utf8'));
}

/**
 * Builds and pushes every image folder whose content tag the repository lacks; writes the images
 * file (every folder, by digest) only when all of them are pushed.
 */
export async function buildImages(options: BuildImagesOptions): Promise<BuildImagesResult> {
  const { repository, run, log } = options;
  const folders = containerFolders(options.containersDir ?? CONTAINERS_DIR);
  const digests: Record<string, string> = {};
  const missing: ContainerFolder[] = [];
  for (const folder of folders) {
    const digest = await digestOf(repository, folder.tag, run);
    if (digest) {
      log(`${folder.name}: ${folder.tag} is in the repository, not rebuilt`);
      digests[folder.name] = digest;
    } else {
      missing.push(folder);
    }
  }
  if (missing.length > 0) {
    const dlc = dlcRegistry(repository.region);
    const needsDlc = missing.filter(usesDlcRegistry);
    if (needsDlc.length > 0 && !dlc) {
      throw new UsageError(
        `containers/${needsDlc[0].name}/Dockerfile uses DLC_REGISTRY, but region '${repository.region}' has no deep learning container registry `
        + 'in src/pipelines/dlc-registry-accounts.json; add it there or name the base image in full',
      );
    }
    if (needsDlc.length > 0 && dlc) {
      await login(dlc, repository.region, run);
    }
    await login(repository.registry, repository.region, run);
    for (const folder of missing) {
      const image = `${repository.uri}:${folder.tag}`;
      log(`${folder.name}: building ${image}`);
      await must(run, [
        'docker', 'build', '--tag', image,
        '--build-arg', `AWS_REGION=${repository.region}`,
        ...(dlc ? ['--build-arg', `DLC_REGISTRY=${dlc}`] : []),
        folder.dir,
      ], { stream: true });
      await must(run, ['docker', 'push', image], { stream: true });
      const digest = await digestOf(repository, folder.tag, run);
      if (!digest) {
        throw new Error(`${image} was pushed but the repository does not list it`);
      }
      digests[folder.name] = digest;
    }
  }
  const images = Object.fromEntries(folders.map((f) => [f.name, `${repository.uri}@${digests[f.name]}`]));
  // Written whole or not at all: a half-written file would send a run to a wrong image.
  mkdirSync(path.dirname(path.resolve(options.imagesFile)), { recursive: true });
  const partial = `${options.imagesFile}.partial`;
  writeFileSync(partial, JSON.stringify(images, null, 2) + '\n');
  renameSync(partial, options.imagesFile);
  return { images, built: missing.map((f) => f.name), skipped: folders.filter((f) => !missing.includes(f)).map((f) => f.name) };
}

/** Options of {@link keepImages}. */
export interface KeepImagesOptions {
  readonly repository: ImageRepositoryRef;
  readonly imagesFile: string;
  /** Prefix of the tag the repository's lifecycle keeps (`IMAGE_KEEP_TAG_PREFIX`). */
  readonly keepPrefix: string;
  /** @default 'containers' */
  readonly containersDir?: string;
  readonly run: CommandRunner;
  readonly log: (line: string) => void;
}

/**
 * Tags each image of the images file that is in this repository with `<keepPrefix><name>-<sha256>`
 * (its content tag behind the prefix): a new tag on the same manifest, so the image keeps its digest.
 * An image already tagged so is left as it is.
 */
export async function keepImages(options: KeepImagesOptions): Promise<string[]> {
  const { repository, run, log } = options;
  const images = readImagesFile(options.imagesFile);
  const tags = new Map(containerFolders(options.containersDir ?? CONTAINERS_DIR).map((f) => [f.name, f.tag]));
  const kept: string[] = [];
  for (const [name, uri] of Object.entries(images)) {
    const digest = uri.startsWith(`${repository.uri}@`) ? uri.slice(repository.uri.length + 1) : undefined;
    const tag = tags.get(name);
    if (!digest || !tag) {
      log(`${name}: ${uri} is not a digest of ${repository.uri} built from containers/${name}/; not tagged`);
      continue;
    }
    const keepTag = `${options.keepPrefix}${tag}`;
    const common = ['--region', repository.region, '--registry-id', repository.registryId, '--repository-name', repository.name];
    const got = await must(run, ['aws', 'ecr', 'batch-get-image', ...common, '--image-ids', `imageDigest=${digest}`, '--output', 'json']);
    const image = (JSON.parse(got.stdout) as { images?: Array<{ imageManifest?: string; imageManifestMediaType?: string }> }).images?.[0];
    if (!image?.imageManifest) {
      throw new Error(`${name}: ${uri} is not in the repository`);
    }
    const put = await run([
      'aws', 'ecr', 'put-image', ...common, '--image-tag', keepTag, '--image-digest', digest,
      '--image-manifest', image.imageManifest,
      ...(image.imageManifestMediaType ? ['--image-manifest-media-type', image.imageManifestMediaType] : []),
    ]);
    if (put.code !== 0 && !put.stderr.includes('ImageAlreadyExistsException')) {
      throw new Error(`aws ecr put-image ${keepTag} failed (exit code ${put.code}): ${put.stderr.trim().split('\n').pop() ?? ''}`);
    }
    log(`${name}: ${keepTag} -> ${digest}`);
    kept.push(name);
  }
  return kept;
}

const COMMAND = 'build-images';

const OPTIONS = {
  'images-file': { type: 'string' },
  keep: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const HELP = `Usage: ${COMMAND} [--images-file <file>] [--keep]

Builds and pushes every folder containers/<name>/ with a Dockerfile whose content tag
(<name>-<sha256 of the folder>) the project's image repository does not have yet, then writes every
image by digest to the images file. Needs docker and the aws CLI.

Options:
  --images-file <file>  PIPELINE_IMAGES_FILE: the images file, default images.json
  --keep                after a successful pipeline execution: tag the images of the images file
                        <IMAGE_KEEP_TAG_PREFIX><name>-<sha256>, which the repository never expires
  -h, --help            show this help

Environment: IMAGE_REPOSITORY_URI (set by the project's CodeBuild projects), IMAGE_KEEP_TAG_PREFIX (--keep).
`;

/** Runs the command; resolves to the exit code. */
export async function main(argv: readonly string[], io: CliIo = processIo(), run: CommandRunner = spawnRunner): Promise<number> {
  try {
    const flags = parseFlags(argv, OPTIONS);
    if (flags.help) {
      io.stdout(HELP);
      return ExitCode.SUCCESS;
    }
    const uri = io.env.IMAGE_REPOSITORY_URI;
    if (!uri) {
      throw new UsageError('IMAGE_REPOSITORY_URI is required: the project\'s image repository, <account>.dkr.ecr.<region>.amazonaws.com/<repository>');
    }
    const repository = parseRepositoryUri(uri);
    const imagesFile = (typeof flags['images-file'] === 'string' ? flags['images-file'] : io.env.PIPELINE_IMAGES_FILE) || 'images.json';
    const log = (line: string) => io.stderr(`${COMMAND}: ${line}\n`);
    if (flags.keep) {
      const keepPrefix = io.env.IMAGE_KEEP_TAG_PREFIX;
      if (!keepPrefix) {
        throw new UsageError('IMAGE_KEEP_TAG_PREFIX is required with --keep: the tag prefix the repository\'s lifecycle keeps');
      }
      const kept = await keepImages({ repository, imagesFile, keepPrefix, run, log });
      log(`kept ${kept.length} image(s)`);
      return ExitCode.SUCCESS;
    }
    const result = await buildImages({ repository, imagesFile, run, log });
    log(`built ${result.built.length}, unchanged ${result.skipped.length}; wrote ${imagesFile}`);
    io.stdout(JSON.stringify(result.images, null, 2) + '\n');
    return ExitCode.SUCCESS;
  } catch (error) {
    return reportError(error, io, COMMAND);
  }
}

/** Entry point of the `bin` shim. */
export function cli(): void {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
