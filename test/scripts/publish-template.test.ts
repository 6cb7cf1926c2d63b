import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  CreateBucketCommand, GetBucketCorsCommand, GetObjectCommand, GetObjectTaggingCommand, ListObjectVersionsCommand,
  PutBucketCorsCommand, PutBucketVersioningCommand, PutObjectCommand, PutObjectTaggingCommand, S3Client,
} from '@aws-sdk/client-s3';
import { AddTagsCommand, DescribeDomainCommand, ListTagsCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { StudioTemplateLocation } from '../../lib/studio/studio-template-stack';
import { main } from '../../scripts/publish-template';
import {
  buildTemplateObjects, PublishedObject, publishObjects, STUDIO_CORS_RULE, UsageError, VersionConflictError,
} from '../../lib/studio/template-publisher';
import { cdkJsonContext } from '../support/app';
import { MOTO_CLIENT_CONFIG, useMoto } from '../support/moto';

// moto_server answers slowly on a loaded machine, and one synthesis bundles the Lambda code.
jest.setTimeout(180_000);

const ROOT = path.join(__dirname, '..', '..');
const PREFIX = 'ml/templates/';
const DOMAIN_ID = 'd-abcdefghijkl';
const DOMAIN_ARN = `arn:aws:sagemaker:us-east-1:123456789012:domain/${DOMAIN_ID}`;

function motoS3(endpoint: string): S3Client {
  return new S3Client({ endpoint, forcePathStyle: true, ...MOTO_CLIENT_CONFIG });
}

/** A fresh, versioned bucket (versions show whether a re-run wrote anything). */
async function newBucket(s3: S3Client, name: string): Promise<string> {
  const bucket = `${name}-${Math.random().toString(36).slice(2, 10)}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
  return bucket;
}

async function versionCount(s3: S3Client, bucket: string): Promise<number> {
  return ((await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }))).Versions ?? []).length;
}

async function tagsOf(s3: S3Client, bucket: string, key: string): Promise<Record<string, string>> {
  const tags = (await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key }))).TagSet ?? [];
  return Object.fromEntries(tags.map((t) => [t.Key, t.Value]));
}

/** The objects for another bucket: only the bucket name in the templates differs. */
function forBucket(objects: readonly PublishedObject[], from: string, to: string): PublishedObject[] {
  return objects.map((o) => (o.kind === 'asset' ? o : { ...o, body: Buffer.from(o.body.toString('utf8').split(from).join(to)) }));
}

describe('publishing to S3 (moto_server)', () => {
  // GIVEN the objects of the template, synthesized once for these tests
  const BUILT_FOR = 'built-for-tests';
  const built = buildTemplateObjects({ bucket: BUILT_FOR, prefix: PREFIX, context: cdkJsonContext() });
  const moto = useMoto();
  let s3: S3Client;
  beforeAll(() => {
    s3 = motoS3(moto());
  });
  const sagemaker = mockClient(SageMakerClient);
  const lines: string[] = [];
  // moto's account, which owns every bucket it creates.
  const sts = mockClient(STSClient);
  const options = (extra: object = {}) => ({
    s3, sagemaker: new SageMakerClient({ region: 'us-east-1' }), sts: new STSClient({ region: 'us-east-1' }), log: (l: string) => lines.push(l), ...extra,
  });

  beforeEach(() => {
    lines.length = 0;
    sagemaker.reset();
    sagemaker.on(DescribeDomainCommand).resolves({ DomainId: DOMAIN_ID, DomainArn: DOMAIN_ARN });
    sagemaker.on(ListTagsCommand).resolves({ Tags: [] });
    sagemaker.on(AddTagsCommand).resolves({});
    sts.reset();
    sts.on(GetCallerIdentityCommand).resolves({ Account: '123456789012' });
  });

  async function publishTo(bucket: string, extra: object = {}) {
    const location = new StudioTemplateLocation(bucket, PREFIX, built.location.version);
    return publishObjects(location, forBucket(built.objects, BUILT_FOR, bucket), options(extra));
  }

  test('uploads the template and its assets under versioned and content-addressed keys, tagged, with Studio CORS', async () => {
    // GIVEN
    const bucket = await newBucket(s3, 'templates');
    // WHEN
    const result = await publishTo(bucket, { domainId: DOMAIN_ID });
    // THEN the objects are where the template says
    const template = JSON.parse(Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: `${PREFIX}sagemaker-mlops-project-v1.json` }))).Body!.transformToByteArray()).toString('utf8'));
    const referenced = [...JSON.stringify(template).matchAll(/"S3Key":"([^"]+)"|"Key":"(ml\/templates\/assets\/[^"]+)"/g)].map((m) => m[1] ?? m[2]);
    expect(referenced.length).toBeGreaterThanOrEqual(4);
    expect(JSON.stringify(template)).toContain(`"S3Bucket":"${bucket}"`);
    for (const key of new Set(referenced)) {
      expect(key).toMatch(/^ml\/templates\/assets\/[0-9a-f]{64}\.zip$/);
      expect(await tagsOf(s3, bucket, key)).toEqual({}); // assets are not templates for Studio
    }
    // the template is visible to Studio, the launch role's template is not
    expect(await tagsOf(s3, bucket, `${PREFIX}sagemaker-mlops-project-v1.json`)).toEqual({ 'sagemaker:studio-visibility': 'true' });
    expect(await tagsOf(s3, bucket, `${PREFIX}launch-role-v1.json`)).toEqual({});
    // CORS for Studio's origin
    const cors = (await s3.send(new GetBucketCorsCommand({ Bucket: bucket }))).CORSRules ?? [];
    expect(cors).toEqual([expect.objectContaining({ ID: STUDIO_CORS_RULE.ID, AllowedOrigins: ['https://*.sagemaker.aws'] })]);
    // the domain points at the location
    expect(sagemaker.commandCalls(AddTagsCommand).map((c) => c.args[0].input)).toEqual([{
      ResourceArn: DOMAIN_ARN, Tags: [{ Key: 'sagemaker:projectS3TemplatesLocation', Value: `s3://${bucket}/${PREFIX}` }],
    }]);
    // and the command says what it did and where the template is
    expect(lines.filter((l) => l.startsWith('uploaded'))).toHaveLength(built.objects.length);
    expect(result.templateUrl).toBe(`https://${bucket}.s3.us-east-1.amazonaws.com/${PREFIX}sagemaker-mlops-project-v1.json`);
  });

  test('a re-run with nothing changed changes nothing', async () => {
    // GIVEN a published template
    const bucket = await newBucket(s3, 'rerun');
    await publishTo(bucket, { domainId: DOMAIN_ID });
    const versions = await versionCount(s3, bucket);
    sagemaker.on(ListTagsCommand).resolves({ Tags: [{ Key: 'sagemaker:projectS3TemplatesLocation', Value: `s3://${bucket}/${PREFIX}` }] });
    sagemaker.resetHistory();
    lines.length = 0;
    // WHEN
    await publishTo(bucket, { domainId: DOMAIN_ID });
    // THEN
    expect(await versionCount(s3, bucket)).toBe(versions);
    expect(lines.filter((l) => !l.startsWith('unchanged'))).toEqual([]);
    expect(sagemaker.commandCalls(AddTagsCommand)).toHaveLength(0);
  });

  test("keeps the bucket's other CORS rules and the template's other tags, and restores a removed visibility tag", async () => {
    // GIVEN a bucket with a CORS rule of its own, and a published template whose visibility tag was removed
    const bucket = await newBucket(s3, 'shared');
    const own = { ID: 'WebApp', AllowedMethods: ['GET'], AllowedOrigins: ['https://example.com'] };
    await s3.send(new PutBucketCorsCommand({ Bucket: bucket, CORSConfiguration: { CORSRules: [own] } }));
    await publishTo(bucket);
    const key = `${PREFIX}sagemaker-mlops-project-v1.json`;
    await s3.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: key, Tagging: { TagSet: [{ Key: 'owner', Value: 'platform' }] } }));
    // WHEN
    await publishTo(bucket);
    // THEN
    expect(await tagsOf(s3, bucket, key)).toEqual({ 'owner': 'platform', 'sagemaker:studio-visibility': 'true' });
    const cors = (await s3.send(new GetBucketCorsCommand({ Bucket: bucket }))).CORSRules ?? [];
    expect(cors.map((r) => r.ID).sort()).toEqual([STUDIO_CORS_RULE.ID, 'WebApp']);
  });

  test('a new version is published beside the old one, which stays as it was', async () => {
    // GIVEN v1 is published
    const bucket = await newBucket(s3, 'versions');
    await publishTo(bucket);
    const v1 = `${PREFIX}sagemaker-mlops-project-v1.json`;
    const before = await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: v1 }))).Body!.transformToString();
    lines.length = 0;
    // WHEN v2 (another template) is published
    const location = new StudioTemplateLocation(bucket, PREFIX, 'v2');
    const v2Objects = forBucket(built.objects, BUILT_FOR, bucket).map((o) => (o.kind === 'asset' ? o : {
      ...o, key: o.key.replace('-v1.json', '-v2.json'), body: Buffer.from(o.body.toString('utf8').replace('"Description": "', '"Description": "v2 ')),
    }));
    await publishObjects(location, v2Objects, options());
    // THEN
    expect(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: v1 }))).Body!.transformToString()).toBe(before);
    expect(await tagsOf(s3, bucket, `${PREFIX}sagemaker-mlops-project-v2.json`)).toEqual({ 'sagemaker:studio-visibility': 'true' });
    // the assets are shared by both versions (same content, same key): only the templates are new
    expect(lines.filter((l) => l.startsWith('uploaded')).map((l) => l.split(/[ ,]/)[1])).toEqual([
      `s3://${bucket}/${PREFIX}sagemaker-mlops-project-v2.json`, `s3://${bucket}/${PREFIX}launch-role-v2.json`,
    ]);
  });

  test('an asset whose bytes differ from the content its key names is replaced', async () => {
    // GIVEN an asset key holding other bytes
    const bucket = await newBucket(s3, 'tampered');
    const asset = forBucket(built.objects, BUILT_FOR, bucket).find((o) => o.kind === 'asset')!;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: asset.key, Body: 'not the asset' }));
    // WHEN
    await publishTo(bucket);
    // THEN
    const body = Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: asset.key }))).Body!.transformToByteArray());
    expect(body.equals(asset.body)).toBe(true);
    expect(lines).toContain(`replaced s3://${bucket}/${asset.key}: it held other bytes than the content its key names`);
  });

  test('fails when the template of a published version would change', async () => {
    // GIVEN v1 was published with another template
    const bucket = await newBucket(s3, 'conflict');
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${PREFIX}sagemaker-mlops-project-v1.json`, Body: '{}' }));
    // WHEN / THEN
    await expect(publishTo(bucket)).rejects.toThrow(VersionConflictError);
    await expect(publishTo(bucket)).rejects.toThrow(/already holds a different template of version 'v1'.*new version \(-c productVersion=/);
  });

  test('a domain that does not exist fails in one line naming --domain-id, before anything is uploaded, the CORS rule changed or --out written', async () => {
    // GIVEN a well-formed domain id that SageMaker does not know
    const bucket = await newBucket(s3, 'no-domain');
    sagemaker.on(DescribeDomainCommand).rejects(Object.assign(new Error(`Cannot find Domain: arn:aws:sagemaker:us-east-1:123456789012:domain/${DOMAIN_ID}`), { name: 'ResourceNotFound' }));
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'no-domain-out-'));
    try {
      // WHEN / THEN
      await expect(publishTo(bucket, { domainId: DOMAIN_ID, out })).rejects.toThrow(
        new RegExp(`^\`--domain-id\` '${DOMAIN_ID}' is not a SageMaker domain in this account and region \\(ResourceNotFound: Cannot find Domain: .*\\); nothing was written$`));
      expect(await versionCount(s3, bucket)).toBe(0);
      await expect(s3.send(new GetBucketCorsCommand({ Bucket: bucket }))).rejects.toMatchObject({ name: 'NoSuchCORSConfiguration' });
      expect(fs.readdirSync(out)).toEqual([]);
      expect(sagemaker.commandCalls(AddTagsCommand)).toHaveLength(0);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  test('a changed template of a published version fails before any other object, tag or CORS rule is written', async () => {
    // GIVEN only the launch role's template of v1 is there, and it differs
    const bucket = await newBucket(s3, 'conflict-late');
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${PREFIX}launch-role-v1.json`, Body: '{}' }));
    // WHEN / THEN
    await expect(publishTo(bucket, { domainId: DOMAIN_ID })).rejects.toThrow(VersionConflictError);
    expect(await versionCount(s3, bucket)).toBe(1);
    await expect(s3.send(new GetBucketCorsCommand({ Bucket: bucket }))).rejects.toMatchObject({ name: 'NoSuchCORSConfiguration' });
    expect(sagemaker.commandCalls(AddTagsCommand)).toHaveLength(0);
  });

  test('every S3 call names this account as the bucket owner (ExpectedBucketOwner)', async () => {
    // GIVEN a bucket with the template's objects partly there (reads, tag and CORS writes all happen)
    const bucket = await newBucket(s3, 'owner');
    const inputs: Array<[string, Record<string, unknown>]> = [];
    const recorder = motoS3(moto());
    recorder.middlewareStack.add((next, context) => async (args) => {
      inputs.push([context.commandName as string, args.input as Record<string, unknown>]);
      return next(args);
    }, { step: 'initialize', name: 'recordInputs' });
    // WHEN
    await publishTo(bucket, { s3: recorder });
    // THEN
    expect(new Set(inputs.map(([command]) => command))).toEqual(new Set(['GetObjectCommand', 'PutObjectCommand', 'GetBucketCorsCommand', 'PutBucketCorsCommand']));
    expect(inputs.filter(([, input]) => input.ExpectedBucketOwner !== '123456789012')).toEqual([]);
  });

  test('a bucket of another account fails in one line naming the bucket and the account, before anything is written', async () => {
    // GIVEN S3 refuses the owner check (as it does, 403 AccessDenied, for a bucket of another account)
    const s3Mock = mockClient(S3Client);
    s3Mock.on(GetObjectCommand).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));
    sts.on(GetCallerIdentityCommand).resolves({ Account: '210987654321' });
    try {
      // WHEN / THEN
      await expect(publishTo('someone-elses')).rejects.toThrow(
        "`--bucket` 'someone-elses': S3 denied access (Access Denied); the bucket must be owned by this account (210987654321, sent as ExpectedBucketOwner)");
      expect(s3Mock.commandCalls(PutObjectCommand)).toHaveLength(0);
      expect(s3Mock.commandCalls(GetObjectCommand)[0].args[0].input).toMatchObject({ Bucket: 'someone-elses', ExpectedBucketOwner: '210987654321' });
    } finally {
      s3Mock.restore();
    }
  });

  test('fails when the bucket does not exist, in one line', async () => {
    await expect(publishTo('no-such-bucket-here')).rejects.toThrow(UsageError);
    await expect(publishTo('no-such-bucket-here')).rejects.toThrow(/^`--bucket` 'no-such-bucket-here' does not exist/);
  });

  test('--dry-run --out writes the objects as they would be uploaded and calls no AWS API', async () => {
    // GIVEN
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'dry-run-'));
    const s3Mock = mockClient(S3Client);
    const stdout: string[] = [];
    try {
      // WHEN
      const code = await main(['--bucket', 'my-templates', '--prefix', 'templates', '--domain-id', DOMAIN_ID, '--dry-run', '--out', out],
        { write: (s: string) => stdout.push(s) });
      // THEN
      expect(code).toBe(0);
      expect(s3Mock.calls()).toHaveLength(0);
      expect(sagemaker.calls()).toHaveLength(0);
    } finally {
      s3Mock.restore();
    }
    const files = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true })
      .flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : [path.relative(out, path.join(dir, e.name))]));
    const written = files(out).sort();
    expect(written).toEqual(expect.arrayContaining(['templates/sagemaker-mlops-project-v1.json', 'templates/launch-role-v1.json']));
    expect(written.filter((f) => f.startsWith('templates/assets/'))).toHaveLength(built.objects.filter((o) => o.kind === 'asset').length);
    const text = stdout.join('');
    expect(text).toContain('would upload s3://my-templates/templates/sagemaker-mlops-project-v1.json');
    expect(text).toContain(`would tag domain ${DOMAIN_ID} with sagemaker:projectS3TemplatesLocation=s3://my-templates/templates/`);
    expect(text).toMatch(/Template URL: https:\/\/my-templates\.s3\.[^ ]+\.amazonaws\.com\/templates\/sagemaker-mlops-project-v1\.json/);
  });
});

describe('publish-template command line', () => {
  async function run(args: string[]): Promise<{ code: number; stderr: string }> {
    const stderr: string[] = [];
    const code = await main(args, { write: () => true },
      { write: (s: string) => stderr.push(s) });
    return { code, stderr: stderr.join('') };
  }

  test.each([
    [['--bucket', 'Bad_Bucket', '--prefix', 'templates'], /^publish-template: `--bucket` must be an S3 bucket name.*got 'Bad_Bucket'\n$/],
    [['--bucket', 'my-templates', '--prefix', '/templates'], /^publish-template: `--prefix` must be a key prefix.*got '\/templates'\n$/],
    [['--bucket', 'my-templates', '--prefix', 'a/../b'], /^publish-template: `--prefix`.*got 'a\/..\/b'\n$/],
    [['--prefix', 'templates'], /^publish-template: `--bucket` is required.*\n$/],
    [['--bucket', 'my-templates'], /^publish-template: `--prefix` is required.*\n$/],
    [['--bucket', 'my-templates', '--prefix', 't', '--domain-id', 'my-domain'], /^publish-template: `--domain-id` must be a SageMaker domain id.*got 'my-domain'\n$/],
    [['--bucket', 'my-templates', '--prefix', 't', '--dryrun'], /^publish-template: Unknown option '--dryrun'.*\n$/],
    [['--bucket', 'my-templates', '--prefix', 't', '-c', 'productVersion=two words'], /^publish-template: `productVersion` must be .*got 'two words'\n$/],
  ])('fails when the arguments are wrong (%j): one line, exit code 2', async (args, message) => {
    const { code, stderr } = await run(args);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });

  test('npm run publish-template with a bad bucket prints one line without a stack trace and exits with 2', () => {
    const result = spawnSync('npm', ['run', '-s', 'publish-template', '--', '--bucket', 'Bad_Bucket', '--prefix', 'templates'],
      { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^publish-template: `--bucket` must be an S3 bucket name/)]);
  });
});

test('a multi-account template published with another account than its projectAccount is refused before anything is written', async () => {
  const s3 = mockClient(S3Client);
  const sts = mockClient(STSClient);
  sts.on(GetCallerIdentityCommand).resolves({ Account: '999999999999' });
  const location = new StudioTemplateLocation('my-templates', PREFIX, 'v1');
  const object: PublishedObject = { key: `${PREFIX}sagemaker-mlops-project-v1.json`, body: Buffer.from('{}'), visible: true, kind: 'template' };
  const publish = () => publishObjects(location, [object], {
    s3: new S3Client({ region: 'us-east-1' }), sts: new STSClient({ region: 'us-east-1' }), log: () => undefined, projectAccount: '111111111111',
  });
  try {
    await expect(publish()).rejects.toThrow(UsageError);
    await expect(publish()).rejects.toThrow("`projectAccount` is '111111111111', but the template is published in account 999999999999");
    expect(s3.calls()).toHaveLength(0);
  } finally {
    s3.restore();
    sts.restore();
  }
});
