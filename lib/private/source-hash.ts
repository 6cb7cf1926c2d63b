import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * A content hash of every file below `directory` (names and bytes, in a stable order), of the
 * TypeScript files outside it that its files import by relative path (a rule shared with a seed,
 * bundled in), and of `extra` (settings that change the output). Used as the asset hash of a
 * Lambda bundle: known before bundling, it lets aws-cdk-lib reuse the bundle already in cdk.out
 * when nothing changed.
 */
export function sourceHash(directory: string, extra: unknown): string {
  const hash = createHash('sha256').update(JSON.stringify(extra));
  const outside = new Set<string>();
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        walk(full);
      } else if (entry.isFile()) {
        const bytes = fs.readFileSync(full);
        hash.update(path.relative(directory, full)).update('\0').update(bytes).update('\0');
        if (full.endsWith('.ts')) importsOutside(full, bytes.toString('utf8'), directory).forEach((f) => outside.add(f));
      }
    }
  };
  walk(directory);
  // Files outside by their path from the folder: the same wherever the app is checked out.
  for (const file of [...outside].sort()) {
    hash.update(path.relative(directory, file).split(path.sep).join('/')).update('\0').update(fs.readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

/** The `.ts` files outside `directory` that a file imports by relative path (one level: shared files import nothing). */
function importsOutside(file: string, text: string, directory: string): string[] {
  return [...text.matchAll(/\bfrom\s+'(\.{1,2}\/[^']+)'/g)]
    .map((m) => path.resolve(path.dirname(file), m[1]))
    .filter((target) => path.relative(directory, target).startsWith('..'))
    .map((target) => (fs.existsSync(`${target}.ts`) ? `${target}.ts` : target))
    .filter((target) => fs.existsSync(target) && fs.statSync(target).isFile());
}
