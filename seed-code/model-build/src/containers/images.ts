/**
 * The project's own container images: every folder `containers/<name>/` of this repository with a
 * `Dockerfile` is an image, tagged by the content of its folder (`<name>-<sha256>`), so an unchanged
 * folder keeps its tag (no rebuild, step cache hits) and a changed one gets a new tag.
 *
 * The image build (buildspec) writes the pushed images by digest to a JSON file
 * (`{ "<name>": "<registry>/<repository>@sha256:<digest>" }`) named by `PIPELINE_IMAGES_FILE`; the
 * CLIs prefer that file, so a registered model version names exactly the image it was trained with,
 * and fall back to the content tag in `IMAGE_REPOSITORY_URI` (what the build would push).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { folderSha256 } from '../cli/scripts';

/** Folder of the project's images: `containers/` at the root of this repository, wherever the CLI runs from. */
export const CONTAINERS_DIR = path.join(__dirname, '..', '..', 'containers');

/** An image folder: `containers/<name>/` with a `Dockerfile`. */
export interface ContainerFolder {
  readonly name: string;
  readonly dir: string;
  /** Hex SHA-256 of every relative path and file content of the folder. */
  readonly sha256: string;
  /** `<name>-<sha256>`: the tag the image is pushed under. */
  readonly tag: string;
}

/** Image names are ECR-tag and path safe: lowercase letters, digits, `-`, `_`, `.`. */
const NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;

/** The image folders under `root` (default this repository's `containers/`), sorted by name; none when it does not exist. */
export function containerFolders(root = CONTAINERS_DIR): ContainerFolder[] {
  if (!existsSync(root)) {
    return [];
  }
  return readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(path.join(root, e.name, 'Dockerfile')))
    .map((e) => e.name)
    .sort()
    .map((name) => {
      if (!NAME.test(name)) {
        throw new Error(`containers/${name}: image folder names must match ${NAME.source} (lowercase letters, digits, '.', '_', '-')`);
      }
      const dir = path.join(root, name);
      const sha256 = folderSha256(dir);
      return { name, dir, sha256, tag: `${name}-${sha256}` };
    });
}

/** A pushed image reference: by digest (`repo@sha256:<64 hex>`) or by tag (`repo:<tag>`). */
const IMAGE_REF = /^[a-z0-9.-]+(?::[0-9]+)?\/[a-z0-9._/-]+(?:@sha256:[0-9a-f]{64}|:[A-Za-z0-9_][A-Za-z0-9_.-]{0,299})$/;

/** Reads and checks the image file the image build writes; errors name the file and the entry. */
export function readImagesFile(file: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`PIPELINE_IMAGES_FILE ${file}: not readable JSON (${(err as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`PIPELINE_IMAGES_FILE ${file}: expected an object of image name to image URI`);
  }
  const out: Record<string, string> = {};
  for (const [name, uri] of Object.entries(parsed)) {
    if (typeof uri !== 'string' || !IMAGE_REF.test(uri)) {
      throw new Error(`PIPELINE_IMAGES_FILE ${file}: '${name}' is ${JSON.stringify(uri)}; expected <registry>/<repository>@sha256:<digest> or :<tag>`);
    }
    out[name] = uri;
  }
  return out;
}

/** Where the project's image URIs come from. */
export interface ProjectImageSources {
  /** The folder of image folders. @default 'containers' */
  readonly containersDir?: string;
  /** The image build's output (`PIPELINE_IMAGES_FILE`): wins for every image it names. */
  readonly imagesFile?: string;
  /** The project's image repository (`IMAGE_REPOSITORY_URI`): content tags for the rest. */
  readonly repositoryUri?: string;
}

/**
 * The URI of every image folder: from the image build's file when it names the image, otherwise
 * `<repositoryUri>:<name>-<sha256>`; images without either are left out (a pipeline that needs one
 * fails with a message saying how to provide it).
 */
export function resolveProjectImages(sources: ProjectImageSources): Record<string, string> {
  const built = sources.imagesFile ? readImagesFile(sources.imagesFile) : {};
  const out: Record<string, string> = {};
  for (const folder of containerFolders(sources.containersDir)) {
    const uri = built[folder.name] ?? (sources.repositoryUri ? `${sources.repositoryUri}:${folder.tag}` : undefined);
    if (uri) {
      out[folder.name] = uri;
    }
  }
  return out;
}
