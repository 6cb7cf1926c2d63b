/**
 * Step caching with the service's cache keys: for processing steps AppSpecification, Environment
 * and ProcessingInputs; for training steps AlgorithmSpecification, CheckpointConfig,
 * DebugHookConfig, DebugRuleConfigurations, Environment, HyperParameters and InputDataConfig (all
 * with runtime values resolved), within the step's ExpireAfter. Entries live in
 * `<run-dir>/cache/<step>/<key>.json`.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/pipelines-default-keys.html
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { JsonValue, canonicalJson } from '../workflow';
import type { DefinitionStep } from './types';

const CACHE_KEYS: Record<string, readonly string[]> = {
  Processing: ['AppSpecification', 'Environment', 'ProcessingInputs'],
  Training: [
    'AlgorithmSpecification',
    'CheckpointConfig',
    'DebugHookConfig',
    'DebugRuleConfigurations',
    'Environment',
    'HyperParameters',
    'InputDataConfig',
  ],
};

/** A cached run of a step: the execution that ran it and the step's properties. */
export interface CacheEntry {
  readonly executionId: string;
  readonly properties: any;
  /** Content hash of each local (`file://`) input when the step ran, by URI. */
  readonly localInputs?: Readonly<Record<string, string>>;
}

/** The step cache of one run folder. */
export class StepCache {
  /**
   * @param dir the cache folder, `<run-dir>/cache`
   * @param now the clock entries are stamped and expired with
   */
  public constructor(
    private readonly dir: string,
    private readonly now: () => number,
  ) {}

  /** The cache key of a step from its resolved arguments, or undefined when caching is off. */
  public keyOf(step: DefinitionStep, args: any): string | undefined {
    if (!step.CacheConfig?.Enabled) {
      return undefined;
    }
    const relevant: Record<string, JsonValue> = { Type: step.Type, Name: step.Name };
    for (const key of CACHE_KEYS[step.Type] ?? []) {
      relevant[key] = args[key];
    }
    return createHash('sha256').update(canonicalJson(relevant)).digest('hex');
  }

  /** The entry of an earlier run with the same key, unless it is older than the step's ExpireAfter. */
  public lookup(step: DefinitionStep, key: string): CacheEntry | undefined {
    const file = this.fileOf(step, key);
    if (!existsSync(file)) {
      return undefined;
    }
    const entry = JSON.parse(readFileSync(file, 'utf8'));
    const expireAfter = step.CacheConfig?.ExpireAfter;
    if (expireAfter && entry.finishedAt + isoDurationMs(expireAfter) < this.now()) {
      return undefined;
    }
    return entry;
  }

  /** Records a finished run of the step, stamped now. */
  public store(step: DefinitionStep, key: string, entry: CacheEntry): void {
    const file = this.fileOf(step, key);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(
      file,
      JSON.stringify({ executionId: entry.executionId, finishedAt: this.now(), properties: entry.properties, localInputs: entry.localInputs }, null, 2),
    );
  }

  private fileOf(step: DefinitionStep, key: string): string {
    return path.join(this.dir, step.Name, `${key}.json`);
  }
}

/** Milliseconds of an ISO 8601 duration such as `P30D` or `PT1H` (months as 30 days, years as 365). */
export function isoDurationMs(duration: string): number {
  const match = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(duration);
  if (!match) {
    return Number.POSITIVE_INFINITY;
  }
  const [y, mo, w, d, h, mi, s] = match.slice(1).map((v) => Number(v ?? 0));
  return ((((y * 365 + mo * 30 + w * 7 + d) * 24 + h) * 60 + mi) * 60 + s) * 1000;
}

/** The `file://` URIs among a job's resolved inputs (processing inputs, training channels). */
export function localInputUris(args: any): string[] {
  const uris = [
    ...(args.ProcessingInputs ?? []).map((input: any) => input.S3Input?.S3Uri),
    ...(args.InputDataConfig ?? []).map((channel: any) => channel.DataSource?.S3DataSource?.S3Uri),
  ];
  return [...new Set(uris.filter((uri): uri is string => typeof uri === 'string' && uri.startsWith('file://')))];
}

/** A hash of a local file's or folder's content (names and bytes), or 'missing'. */
export function contentHash(localPath: string): string {
  if (!existsSync(localPath)) {
    return 'missing';
  }
  const hash = createHash('sha256');
  const walk = (current: string, relative: string): void => {
    if (statSync(current).isDirectory()) {
      for (const name of readdirSync(current).sort()) {
        walk(path.join(current, name), `${relative}/${name}`);
      }
    } else {
      hash.update(`${relative}\0`).update(readFileSync(current)).update('\0');
    }
  };
  walk(localPath, '');
  return hash.digest('hex');
}
