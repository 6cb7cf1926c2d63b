import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * A content hash of every file below `directory` (names and bytes, in a stable order) and of
 * `extra` (settings that change the output). Used as the asset hash of a Lambda bundle: known
 * before bundling, it lets aws-cdk-lib reuse the bundle already in cdk.out when nothing changed.
 */
export function sourceHash(directory: string, extra: unknown): string {
  const hash = createHash('sha256').update(JSON.stringify(extra));
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        walk(full);
      } else if (entry.isFile()) {
        hash.update(path.relative(directory, full)).update('\0').update(fs.readFileSync(full)).update('\0');
      }
    }
  };
  walk(directory);
  return hash.digest('hex');
}
