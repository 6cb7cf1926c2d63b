import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { SEED_CODE_DIR } from '../paths';

/**
 * The ECR registry accounts of SageMaker's deep learning containers (the project images' base
 * images), from the build seed's table (`src/pipelines/dlc-registry-accounts.json`), the one its
 * image build logs in with: one table for the seed's logins and the image build role's pull rights.
 */
export function dlcRegistryAccounts(): string[] {
  const file = path.join(SEED_CODE_DIR, 'model-build', 'src', 'pipelines', 'dlc-registry-accounts.json');
  const table = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
  return [...new Set(Object.values(table))].sort();
}
