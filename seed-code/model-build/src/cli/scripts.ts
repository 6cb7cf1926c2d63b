/**
 * Content-addressed S3 locations of a pipeline's code: the key contains the SHA-256 of the file
 * (or, for a folder, of its file names and contents), so unchanged code keeps its URI across runs
 * and the steps that use it hit the step cache, while changed code gets a new URI and reruns them.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import type { CodeLocation } from '../pipelines';

/** One file to upload. */
export interface CodeFile {
  /** Path relative to the code folder (for a single file: its name). */
  readonly relativePath: string;
  readonly body: Buffer;
  /** Object key: `<pipelineName>/code/<sha256>/<relative path>`. */
  readonly key: string;
}

/** A code file or folder and where it lives in S3. */
export interface ScriptLocation {
  /** Logical name the pipeline uses. */
  readonly name: string;
  /** Local file or folder. */
  readonly localPath: string;
  /** Hex SHA-256 of the content (a folder: of every relative path and file content). */
  readonly sha256: string;
  /** The files to upload, sorted by relative path. */
  readonly files: readonly CodeFile[];
  /** `s3://<bucket>/<key>` of a single file, or `s3://<bucket>/<prefix>/` of a folder. */
  readonly s3Uri: string;
}

/** Hex SHA-256 of `data`. */
export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Files under `dir`, relative, sorted; caches and bytecode are skipped. */
function listFiles(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.name === '__pycache__' || entry.name.endsWith('.pyc') || entry.name.startsWith('.')) {
      continue;
    }
    if (entry.isDirectory()) {
      out.push(...listFiles(dir, rel));
    } else if (entry.isFile()) {
      out.push(rel);
    }
  }
  return out.sort();
}

/** Length-prefixed, so moving bytes between a name and a body changes the hash. */
function filesSha256(relatives: readonly string[], bodies: readonly Buffer[]): string {
  const hash = createHash('sha256');
  relatives.forEach((rel, i) => hash.update(`${rel.length}:${rel}${bodies[i].length}:`).update(bodies[i]));
  return hash.digest('hex');
}

/** Hex SHA-256 of a folder: of every relative path and file content (caches and dotfiles skipped). */
export function folderSha256(dir: string): string {
  const relatives = listFiles(dir);
  return filesSha256(relatives, relatives.map((rel) => readFileSync(path.join(dir, rel))));
}

/**
 * Reads each code file or folder and computes its content-addressed location, in name order so
 * output and uploads are deterministic.
 */
export function scriptLocations(
  code: Readonly<Record<string, string>>,
  bucket: string,
  pipelineName: string,
): ScriptLocation[] {
  return Object.keys(code)
    .sort()
    .map((name) => {
      const localPath = code[name];
      if (statSync(localPath).isDirectory()) {
        const relatives = listFiles(localPath);
        const bodies = relatives.map((rel) => readFileSync(path.join(localPath, rel)));
        const sha256 = filesSha256(relatives, bodies);
        const prefix = `${pipelineName}/code/${sha256}`;
        const files = relatives.map((rel, i) => ({ relativePath: rel, body: bodies[i], key: `${prefix}/${rel}` }));
        return { name, localPath, sha256, files, s3Uri: `s3://${bucket}/${prefix}/` };
      }
      const body = readFileSync(localPath);
      const sha256 = sha256Hex(body);
      const key = `${pipelineName}/code/${sha256}/${path.basename(localPath)}`;
      return {
        name,
        localPath,
        sha256,
        files: [{ relativePath: path.basename(localPath), body, key }],
        s3Uri: `s3://${bucket}/${key}`,
      };
    });
}

/** The `code` map a pipeline context takes. */
export function codeLocations(locations: readonly ScriptLocation[]): Record<string, CodeLocation> {
  return Object.fromEntries(locations.map((l) => [l.name, { s3Uri: l.s3Uri, files: l.files.map((f) => f.relativePath) }]));
}
