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

async function main(): Promise<void> {
  const root = path.join(__dirname, '..');
  const env = readBuildEnvironment(process.env);
  const result = await writeBuildOutput({
    env,
    client: new SageMakerClient({ region: env.region }),
    outDir: path.resolve(root, process.argv[2] ?? 'dist'),
    log: (line) => console.log(line),
  });
  fs.writeFileSync(path.resolve(root, process.argv[3] ?? 'build-output.env'), exportedVariables(result));
  console.log(`Wrote ${result.files.join(', ')}.`);
}

main().catch((e: Error) => {
  console.error(`Build failed: ${e.message}`);
  process.exitCode = 1;
});
