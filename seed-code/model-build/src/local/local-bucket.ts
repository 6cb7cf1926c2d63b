/**
 * S3 as a folder: `s3://<bucket>/<key>` is `<run-dir>/s3/<bucket>/<key>`. The code is "uploaded"
 * there content-addressed as run-pipeline uploads it; S3 objects outside the run folder are
 * downloaded with the S3 client (credentials needed).
 */
import { copyFileSync, cpSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { S3Api } from '../cli/aws';
import type { ScriptLocation } from '../cli/scripts';

/** The run folder's stand-in for S3. */
export class LocalBucket {
  /**
   * @param runDir the run folder
   * @param bucket the project bucket: its objects exist only in the run folder
   * @param s3 reads objects of other buckets; without it such inputs fail
   */
  public constructor(
    private readonly runDir: string,
    private readonly bucket: string,
    private readonly s3?: S3Api,
  ) {}

  /** Puts the code where run-pipeline would upload it. */
  public placeCode(code: readonly ScriptLocation[]): void {
    for (const location of code) {
      for (const file of location.files) {
        const target = this.localPathOf(`s3://${this.bucket}/${file.key}`);
        mkdirSync(path.dirname(target), { recursive: true });
        writeFileSync(target, file.body);
      }
    }
  }

  /** The run folder's path of an `s3://` URI (or the path of a `file://` URI). */
  public localPathOf(uri: string): string {
    if (uri.startsWith('file://')) {
      return uri.slice('file://'.length);
    }
    const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
    if (!match) {
      throw new Error(`'${uri}' is not an s3:// or file:// URI`);
    }
    return path.join(this.runDir, 's3', match[1], match[2]);
  }

  /** Copies an `S3Prefix` input to `target`: a file keeps its name, a folder its content. */
  public async download(uri: string, target: string): Promise<void> {
    mkdirSync(target, { recursive: true });
    const local = this.localPathOf(uri);
    if (existsSync(local)) {
      if (statSync(local).isDirectory()) {
        cpSync(local, target, { recursive: true });
      } else {
        copyFileSync(local, path.join(target, path.basename(local)));
      }
      return;
    }
    const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
    if (!match || match[1] === this.bucket) {
      throw new Error(`input ${uri} does not exist${uri.startsWith('s3://') ? ' in the local run folder' : ''}`);
    }
    await this.downloadFromS3(uri, match[1], match[2], target);
  }

  private async downloadFromS3(uri: string, bucket: string, prefix: string, target: string): Promise<void> {
    if (!this.s3) {
      throw new Error(`input ${uri} is in S3; pass --input-data PATH for a local copy`);
    }
    try {
      let token: string | undefined;
      let count = 0;
      do {
        const page = await this.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
        for (const object of page.Contents ?? []) {
          const key = object.Key ?? '';
          const relative = key === prefix ? path.basename(key) : key.slice(prefix.length).replace(/^\//, '');
          if (!relative || key.endsWith('/')) {
            continue;
          }
          const body = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
          const file = path.join(target, relative);
          mkdirSync(path.dirname(file), { recursive: true });
          writeFileSync(file, Buffer.from(await body.Body!.transformToByteArray()));
          count++;
        }
        token = page.NextContinuationToken;
      } while (token);
      if (count === 0) {
        throw new Error('no object under that prefix');
      }
    } catch (error) {
      const e = error as Error;
      throw new Error(`cannot read ${uri} (${e.name}: ${e.message.split('\n')[0]}); pass --input-data PATH for a local copy`);
    }
  }
}
