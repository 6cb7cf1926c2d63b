import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { parseProjectConfig, serviceCatalogStackProps } from '../../lib/config/project-config';
import { ServiceCatalogStack } from '../../lib/studio/service-catalog-stack';
import { testApp, TestAppOptions } from './app';

export const CATALOG_ENV = { account: '123456789012', region: 'eu-west-1' };
export const STUDIO_ROLE = `arn:aws:iam::${CATALOG_ENV.account}:role/StudioExecutionRole`;

/** Options of {@link catalogApp}: those of the app (outdir: a new temporary folder by default) and of the stack. */
export interface CatalogOptions extends TestAppOptions {
  /** Configuration context (as `-c key=value` would give it); serviceCatalog and one principal are set. */
  readonly config?: Record<string, unknown>;
  readonly snapshotDirectory?: string;
  /** `false`: an environment-agnostic stack. */
  readonly env?: boolean;
  readonly assetBucketName?: string;
}

/** An app holding the Service Catalog stack. */
export interface Catalog {
  readonly app: App;
  readonly stack: ServiceCatalogStack;
}

/** An app holding the Service Catalog stack as `bin/app.ts` builds it with `-c serviceCatalog=true`. */
export function catalogApp(options: CatalogOptions = {}): Catalog {
  const config = parseProjectConfig({ serviceCatalog: 'true', portfolioPrincipals: STUDIO_ROLE, ...options.config });
  const app = testApp({ ...options, outdir: options.outdir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'catalog-')) });
  const stack = new ServiceCatalogStack(app, 'sagemaker-mlops-service-catalog', {
    ...serviceCatalogStackProps(config),
    env: options.env === false ? undefined : CATALOG_ENV,
    assetBucketName: options.assetBucketName,
    snapshotDirectory: options.snapshotDirectory ?? fs.mkdtempSync(path.join(os.tmpdir(), 'snapshots-')),
  });
  return { app, stack };
}
