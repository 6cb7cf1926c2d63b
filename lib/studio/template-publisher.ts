import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  CORSRule, GetBucketCorsCommand, GetObjectCommand, GetObjectTaggingCommand, PutBucketCorsCommand,
  PutObjectCommand, PutObjectTaggingCommand, S3Client, Tag,
} from '@aws-sdk/client-s3';
import { AddTagsCommand, DescribeDomainCommand, ListTagsCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { App, FileAssetPackaging } from 'aws-cdk-lib/core';
import { parseProjectConfig } from '../config/project-config';
import { STUDIO_VISIBILITY_TAG, StudioTemplateLocation, studioTemplateApp, TEMPLATES_LOCATION_TAG } from './studio-template-stack';
import { zipDirectory } from './zip';
import { ConfigError } from '../contract/errors';

/** The CORS rule Studio needs to read templates from the bucket (identified by its id). */
export const STUDIO_CORS_RULE: CORSRule = {
  ID: 'SageMakerStudioProjectTemplates',
  AllowedHeaders: ['*'],
  AllowedMethods: ['GET', 'HEAD'],
  AllowedOrigins: ['https://*.sagemaker.aws'],
  ExposeHeaders: ['ETag', 'x-amz-version-id'],
};

const DOMAIN_ID = /^d-[a-z0-9]{12}$/;

/** Options of {@link publishTemplate}. */
export interface PublishOptions {
  readonly bucket: string;
  readonly prefix: string;
  /** Studio domain to tag with the templates' location. */
  readonly domainId?: string;
  /** Plan only: call no AWS API. */
  readonly dryRun?: boolean;
  /** Folder to write the objects to, under their keys, exactly as uploaded. */
  readonly out?: string;
  /** CDK context: cdk.json's plus `-c` values (the project settings and `productVersion`). */
  readonly context: Record<string, unknown>;
  /** Where progress lines go. */
  readonly log: (line: string) => void;
  readonly s3?: S3Client;
  readonly sagemaker?: SageMakerClient;
  /** Tells the account (GetCallerIdentity), which must own the bucket (`ExpectedBucketOwner` on every S3 call). */
  readonly sts?: STSClient;
}

/** One object to publish. */
export interface PublishedObject {
  readonly key: string;
  readonly body: Buffer;
  /** Tagged `sagemaker:studio-visibility=true` (the template) or not (assets, launch role). */
  readonly visible: boolean;
  /** Content-addressed keys (assets) are never overwritten; versioned ones must not change. */
  readonly kind: 'template' | 'launch-role' | 'asset';
}

/** What {@link publishTemplate} did (or, in a dry run, would do). */
export interface PublishResult {
  readonly location: StudioTemplateLocation;
  readonly objects: readonly PublishedObject[];
  /** One line per action, `unchanged` included. */
  readonly actions: readonly string[];
  /** HTTPS URL of the template. */
  readonly templateUrl: string;
  /** HTTPS URL of the launch role's template. */
  readonly launchRoleTemplateUrl: string;
}

/** A mistake in what the user asked for: one line, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A published version whose template would change: a new version name is needed. */
export class VersionConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VersionConflictError';
  }
}

/**
 * Synthesizes the S3 template and its launch role for `s3://bucket/prefix` and returns every
 * object to publish (templates and assets), bodies included. Throws `UsageError` for a bad
 * bucket, prefix or setting.
 */
export function buildTemplateObjects(options: Pick<PublishOptions, 'bucket' | 'prefix' | 'context'>): {
  location: StudioTemplateLocation;
  objects: PublishedObject[];
  /** Multi-account: the account the template's projects must be created in. */
  projectAccount?: string;
} {
  let location: StudioTemplateLocation;
  let config;
  try {
    // Only the template and its launch role: a connection template may leave its repositories to Studio users.
    config = parseProjectConfig(options.context, { templateOnly: true });
    location = new StudioTemplateLocation(options.bucket, options.prefix, config.productVersion);
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(e.message);
    throw e;
  }
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'studio-template-'));
  try {
    const app = new App({ outdir, context: options.context });
    const stacks = studioTemplateApp(app, config, location);
    const assembly = app.synth();
    const templateBody = (stackName: string) => Buffer.from(
      `${JSON.stringify(assembly.getStackByName(stackName).template, undefined, 1)}\n`);
    const objects: PublishedObject[] = [
      { key: location.templateKey, body: templateBody(stacks.template.stackName), visible: true, kind: 'template' },
      { key: location.launchRoleTemplateKey, body: templateBody(stacks.launchRole.stackName), visible: false, kind: 'launch-role' },
      ...stacks.template.templateSynthesizer.assets.map((asset): PublishedObject => {
        const source = path.resolve(assembly.directory, asset.source);
        const body = asset.packaging === FileAssetPackaging.ZIP_DIRECTORY ? zipDirectory(source) : fs.readFileSync(source);
        return { key: asset.key, body, visible: false, kind: 'asset' };
      }),
    ];
    return { location, objects, projectAccount: config.deploymentAccounts?.projectAccount };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/**
 * Publishes the project as an S3-hosted SageMaker Studio template: uploads the template, its
 * launch role's template and its assets, tags the template for Studio, adds Studio's CORS rule to
 * the bucket and, when given a domain, tags it with the location. Idempotent: what is already in
 * place is reported `unchanged` and not written again.
 */
export async function publishTemplate(options: PublishOptions): Promise<PublishResult> {
  if (options.domainId !== undefined && !DOMAIN_ID.test(options.domainId)) {
    throw new UsageError(`\`--domain-id\` must be a SageMaker domain id ('d-' and 12 lowercase letters or digits); got '${options.domainId}'`);
  }
  const { location, objects, projectAccount } = buildTemplateObjects(options);
  return publishObjects(location, objects, { ...options, projectAccount });
}

/** The bucket, and the account that must own it (S3 refuses the call otherwise). */
interface OwnedBucket {
  readonly Bucket: string;
  readonly ExpectedBucketOwner: string;
}

/** One change the publication makes, found by the checks and made only when every check passed. */
type Write = { readonly line: string; readonly apply: () => Promise<unknown> };

/**
 * The publishing half of {@link publishTemplate}, for objects already built.
 *
 * Everything that can be checked is checked before anything is written: the bucket exists, no
 * published template of this version would change, the domain exists. Only then are the objects,
 * their tags, the bucket's CORS rule and the domain's tag written (and `out` filled), so a failed
 * check leaves the bucket, the domain and `out` as they were.
 */
export async function publishObjects(
  location: StudioTemplateLocation,
  objects: readonly PublishedObject[],
  options: Pick<PublishOptions, 'domainId' | 'dryRun' | 'out' | 'log' | 's3' | 'sagemaker' | 'sts'> & {
    /** Multi-account: the template's projects deploy from this account only (its roles are what the target accounts trust). */
    readonly projectAccount?: string;
  },
): Promise<PublishResult> {
  const actions: string[] = [];
  const act = (line: string) => {
    actions.push(line);
    options.log(line);
  };
  const writeOut = () => {
    if (!options.out) return;
    for (const object of objects) {
      const file = path.join(options.out, object.key);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, object.body);
    }
    act(`wrote ${objects.length} objects under ${path.resolve(options.out)} (their S3 keys as paths)`);
  };

  const s3 = options.dryRun ? undefined : options.s3 ?? new S3Client({});
  const region = s3 ? await s3.config.region() : process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? '<region>';
  const url = (key: string) => `https://${location.bucketName}.s3.${region}.amazonaws.com/${key}`;
  const result = () => ({ location, objects, actions, templateUrl: url(location.templateKey), launchRoleTemplateUrl: url(location.launchRoleTemplateKey) });

  if (!s3) {
    writeOut();
    for (const o of objects) act(`would upload s3://${location.bucketName}/${o.key} (${o.body.length} bytes)${o.visible ? `, tagged ${STUDIO_VISIBILITY_TAG}=true` : ''}`);
    act(`would add CORS rule ${STUDIO_CORS_RULE.ID} (origin ${STUDIO_CORS_RULE.AllowedOrigins![0]}) to bucket ${location.bucketName}`);
    if (options.domainId) act(`would tag domain ${options.domainId} with ${TEMPLATES_LOCATION_TAG}=${location.s3Url}`);
    return result();
  }

  // Checks (reads only). Every S3 call names the bucket's owner, this account: a bucket of the
  // same name in another account (one deleted and taken over, a typo) is refused by S3, not read
  // from or written to.
  const account = (await (options.sts ?? new STSClient({})).send(new GetCallerIdentityCommand({}))).Account!;
  // Studio creates the projects in the account of the template's bucket, which is this one.
  if (options.projectAccount !== undefined && options.projectAccount !== account) {
    throw new UsageError(`\`projectAccount\` is '${options.projectAccount}', but the template is published in account ${account}, where Studio creates its projects `
      + 'and whose roles the target accounts would have to trust: publish with the project account\'s credentials, or set `projectAccount` to this account; nothing was written');
  }
  const bucket: OwnedBucket = { Bucket: location.bucketName, ExpectedBucketOwner: account };
  const writes: Array<Write | string> = [];
  try {
    for (const object of objects) writes.push(...await planObject(s3, location, bucket, object));
    writes.push(await planCors(s3, bucket));
  } catch (e) {
    const name = (e as { name?: string }).name;
    if (name === 'NoSuchBucket') {
      throw new UsageError(`\`--bucket\` '${location.bucketName}' does not exist (in this account and region): create it first; nothing was written`);
    }
    if (name === 'AccessDenied' || name === 'Forbidden') {
      throw new UsageError(`\`--bucket\` '${location.bucketName}': S3 denied access (${(e as Error).message}); the bucket must be owned by this account `
        + `(${account}, sent as ExpectedBucketOwner) and readable and writable by you (see docs/publish-to-studio.md); nothing was written`);
    }
    throw e;
  }
  if (options.domainId) {
    writes.push(await planDomainTag(options.sagemaker ?? new SageMakerClient({}), options.domainId, location.s3Url));
  }

  // Writes.
  writeOut();
  for (const write of writes) {
    if (typeof write === 'string') {
      act(write);
    } else {
      await write.apply();
      act(write.line);
    }
  }
  return result();
}

/** The object's upload, or what is already in place; a changed template of a published version is refused. */
async function planObject(s3: S3Client, location: StudioTemplateLocation, bucket: OwnedBucket, object: PublishedObject): Promise<Array<Write | string>> {
  const where = `s3://${location.bucketName}/${object.key}`;
  const existing = await readObject(s3, bucket, object.key);
  // An asset's key is its content hash: one whose bytes differ was changed after publishing (or
  // corrupted) and gets the bytes its key names again.
  const replaced = existing !== undefined && object.kind === 'asset' && !existing.equals(object.body);
  if (existing === undefined || replaced) {
    return [{
      line: replaced
        ? `replaced ${where}: it held other bytes than the content its key names`
        : `uploaded ${where}${object.visible ? `, tagged ${STUDIO_VISIBILITY_TAG}=true` : ''}`,
      apply: () => s3.send(new PutObjectCommand({
        ...bucket,
        Key: object.key,
        Body: object.body,
        ContentType: object.kind === 'asset' ? 'application/zip' : 'application/json',
        Tagging: object.visible ? `${encodeURIComponent(STUDIO_VISIBILITY_TAG)}=true` : undefined,
      })),
    }];
  }
  if (object.kind !== 'asset' && !existing.equals(object.body)) {
    throw new VersionConflictError(`${where} already holds a different template of version '${location.version}': `
      + 'projects may have been created from it, so it is never overwritten; publish under a new version (-c productVersion=<new name>)');
  }
  if (!object.visible) return [`unchanged ${where}`];
  const tags = (await s3.send(new GetObjectTaggingCommand({ ...bucket, Key: object.key }))).TagSet ?? [];
  if (tags.some((t) => t.Key === STUDIO_VISIBILITY_TAG && t.Value === 'true')) return [`unchanged ${where}; tag ${STUDIO_VISIBILITY_TAG}=true unchanged`];
  const tagSet: Tag[] = [...tags.filter((t) => t.Key !== STUDIO_VISIBILITY_TAG), { Key: STUDIO_VISIBILITY_TAG, Value: 'true' }];
  return [{
    line: `unchanged ${where}; tagged ${STUDIO_VISIBILITY_TAG}=true`,
    apply: () => s3.send(new PutObjectTaggingCommand({ ...bucket, Key: object.key, Tagging: { TagSet: tagSet } })),
  }];
}

/** The object's bytes, undefined when absent. */
async function readObject(s3: S3Client, bucket: OwnedBucket, key: string): Promise<Buffer | undefined> {
  try {
    const answer = await s3.send(new GetObjectCommand({ ...bucket, Key: key }));
    return Buffer.from(await answer.Body!.transformToByteArray());
  } catch (e) {
    const name = (e as { name?: string }).name;
    if (name === 'NotFound' || name === 'NoSuchKey') return undefined;
    throw e;
  }
}

/** Adds (or corrects) Studio's CORS rule, keeping the bucket's other rules. */
async function planCors(s3: S3Client, owned: OwnedBucket): Promise<Write | string> {
  const bucket = owned.Bucket;
  let rules: CORSRule[] = [];
  try {
    rules = (await s3.send(new GetBucketCorsCommand({ ...owned }))).CORSRules ?? [];
  } catch (e) {
    if ((e as { name?: string }).name !== 'NoSuchCORSConfiguration') throw e;
  }
  const ours = rules.find((r) => r.ID === STUDIO_CORS_RULE.ID);
  if (ours && sameRule(ours, STUDIO_CORS_RULE)) return `unchanged CORS rule ${STUDIO_CORS_RULE.ID} of bucket ${bucket}`;
  const others = rules.filter((r) => r.ID !== STUDIO_CORS_RULE.ID);
  return {
    line: `${ours ? 'updated' : 'added'} CORS rule ${STUDIO_CORS_RULE.ID} (origin ${STUDIO_CORS_RULE.AllowedOrigins![0]}) of bucket ${bucket}`,
    apply: () => s3.send(new PutBucketCorsCommand({ ...owned, CORSConfiguration: { CORSRules: [...others, STUDIO_CORS_RULE] } })),
  };
}

function sameRule(a: CORSRule, b: CORSRule): boolean {
  const norm = (r: CORSRule) => JSON.stringify([r.ID, ...[r.AllowedHeaders, r.AllowedMethods, r.AllowedOrigins, r.ExposeHeaders]
    .map((l) => [...(l ?? [])].sort()), r.MaxAgeSeconds ?? null]);
  return norm(a) === norm(b);
}

/** The domain's location tag; a domain that does not exist is refused. */
async function planDomainTag(sagemaker: SageMakerClient, domainId: string, s3Url: string): Promise<Write | string> {
  let arn: string;
  try {
    arn = (await sagemaker.send(new DescribeDomainCommand({ DomainId: domainId }))).DomainArn!;
  } catch (e) {
    // SageMaker: ResourceNotFound "Cannot find Domain: ...".
    const error = e as { name?: string; message?: string };
    if (error.name === 'ResourceNotFound' || /cannot find|does not exist|not found/i.test(error.message ?? '')) {
      throw new UsageError(`\`--domain-id\` '${domainId}' is not a SageMaker domain in this account and region (${error.name}: ${error.message}); nothing was written`);
    }
    throw e;
  }
  const tags = (await sagemaker.send(new ListTagsCommand({ ResourceArn: arn }))).Tags ?? [];
  if (tags.some((t) => t.Key === TEMPLATES_LOCATION_TAG && t.Value === s3Url)) {
    return `unchanged tag ${TEMPLATES_LOCATION_TAG}=${s3Url} of domain ${domainId}`;
  }
  return {
    line: `tagged domain ${domainId} with ${TEMPLATES_LOCATION_TAG}=${s3Url}`,
    apply: () => sagemaker.send(new AddTagsCommand({ ResourceArn: arn, Tags: [{ Key: TEMPLATES_LOCATION_TAG, Value: s3Url }] })),
  };
}
