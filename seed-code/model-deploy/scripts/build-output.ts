/**
 * Build action of the deploy pipeline (run by buildspec.yml): resolves the model package and
 * writes the staging and prod templates and template configurations to `dist/`, and the
 * exported variables to `build-output.env`.
 *
 * Usage: build-output [outDir] [envFile]  (defaults: dist, build-output.env; relative to the repo)
 */
import * as fs from 'fs';
import * as path from 'path';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { exportedVariables, readBuildEnvironment, writeBuildOutput } from '../lib/build-output';

async function main(argv: readonly string[]): Promise<void> {
  const root = path.join(__dirname, '..');
  const env = readBuildEnvironment(process.env);
  const result = await writeBuildOutput({
    env,
    client: new SageMakerClient({ region: env.region }),
    outDir: path.resolve(root, argv[0] ?? 'dist'),
    log: (line) => console.log(line),
  });
  fs.writeFileSync(path.resolve(root, argv[1] ?? 'build-output.env'), exportedVariables(result));
  console.log(`Wrote ${result.files.join(', ')}.`);
}

/** Runs the build action with `argv` (the arguments after the script) and the process environment; resolves to the exit code. */
export async function run(argv: readonly string[]): Promise<number> {
  try {
    await main(argv);
    return 0;
  } catch (e) {
    console.error(`Build failed: ${(e as Error).message}`);
    return 1;
  }
}

if (require.main === module) {
  void run(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
