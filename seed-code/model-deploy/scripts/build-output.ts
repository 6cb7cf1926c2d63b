/**
 * Build action of the deploy pipeline (run by buildspec.yml): resolves the model package and
 * writes the staging and prod templates and template configurations to `dist/`, and the
 * exported variables to `build-output.env`.
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
    outDir: path.join(root, 'dist'),
    log: (line) => console.log(line),
  });
  fs.writeFileSync(path.join(root, 'build-output.env'), exportedVariables(result));
  console.log(`Wrote ${result.files.map((f) => `dist/${f}`).join(', ')}.`);
}

main().catch((e: Error) => {
  console.error(`Build failed: ${e.message}`);
  process.exitCode = 1;
});
