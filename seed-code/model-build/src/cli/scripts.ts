/**
 * Content-addressed S3 locations of a pipeline's scripts: the key contains the SHA-256 of the file,
 * so unchanged code keeps its URI across runs and the steps that use it hit the step cache, while
 * changed code gets a new URI and reruns them.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

/** A script and where it lives in S3. */
export interface ScriptLocation {
  /** Logical name the pipeline uses. */
  readonly name: string;
  /** Local file. */
  readonly localPath: string;
  /** File content. */
  readonly body: Buffer;
  /** Hex SHA-256 of the content. */
  readonly sha256: string;
  /** Object key: `<pipelineName>/code/<sha256>/<file name>`. */
  readonly key: string;
  /** `s3://<bucket>/<key>`. */
  readonly s3Uri: string;
}

/** Hex SHA-256 of `data`. */
export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Reads each script and computes its content-addressed location, in name order so output and
 * uploads are deterministic.
 */
export function scriptLocations(
  scripts: Readonly<Record<string, string>>,
  bucket: string,
  pipelineName: string,
): ScriptLocation[] {
  return Object.keys(scripts)
    .sort()
    .map((name) => {
      const localPath = scripts[name];
      const body = readFileSync(localPath);
      const sha256 = sha256Hex(body);
      const key = `${pipelineName}/code/${sha256}/${path.basename(localPath)}`;
      return { name, localPath, body, sha256, key, s3Uri: `s3://${bucket}/${key}` };
    });
}

/** The `scriptUris` map a pipeline blueprint takes. */
export function scriptUris(locations: readonly ScriptLocation[]): Record<string, string> {
  return Object.fromEntries(locations.map((l) => [l.name, l.s3Uri]));
}
