#!/usr/bin/env node
/**
 * `npm run doctor -- [-c key=value ...]`
 *
 * Checks, with the current credentials and without changing anything, what would make the
 * project's first deploy or first run fail (see docs/deploy.md): one line per check, exit 1 when
 * anything blocks. Reads the settings as `cdk synth` does (cdk.json's context, then `-c`).
 */
import { parseArgs } from 'node:util';
import { Errors } from 'aws-cdk-lib';
import { ProjectConfig, parseProjectConfig } from '../lib/config/project-config';
import { ConfigError } from '../lib/contract/errors';
import { cdkJsonContext, ContextArgumentError, contextArguments } from './cdk-context';
import { sdkDoctorAws } from './doctor/aws';
import { blocks, DoctorAws, formatResults, runChecks } from './doctor/checks';
import { doctorPlan, ProjectConsumption, synthesizedConsumption } from './doctor/plan';

const USAGE = 'usage: npm run doctor -- [-c key=value ...]';

/** Where the command writes (stdout, stderr). */
export interface Output {
  write(text: string): unknown;
}

/**
 * Runs the command; returns the exit code (0: nothing blocks, 1: something does, 2: bad arguments or
 * settings). `consumption` counts what the project consumes of the account's limits: by default in
 * the templates synthesized from the same settings (tests pass their own counts).
 */
export async function main(
  argv: readonly string[],
  out: Output = process.stdout,
  err: Output = process.stderr,
  aws: () => DoctorAws = () => sdkDoctorAws(),
  consumption: (config: ProjectConfig, context: Record<string, unknown>) => ProjectConsumption = synthesizedConsumption,
): Promise<number> {
  let plan;
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: { context: { type: 'string', short: 'c', multiple: true }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) {
      out.write(`${USAGE}\n`);
      return 0;
    }
    const context = { ...cdkJsonContext(), ...contextArguments(values.context ?? []) };
    const config = parseProjectConfig(context);
    plan = doctorPlan(config, { consumption: consumption(config, context) });
  } catch (e) {
    if (e instanceof ConfigError) {
      err.write(`Configuration error: ${e.message}\n`);
      return 2;
    }
    if (Errors.isConstructError(e) || Errors.isValidationError(e)) {
      // aws-cdk-lib's refusal of what the settings produce: `cdk synth` would refuse them too.
      err.write(`doctor: the project does not synthesize with these settings: ${e.message.trim()}\n`);
      return 2;
    }
    if (e instanceof ContextArgumentError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      err.write(`doctor: ${(e as Error).message}\n${USAGE}\n`);
      return 2;
    }
    throw e;
  }
  const results = await runChecks(plan, aws());
  out.write(formatResults(results));
  return blocks(results) ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e: unknown) => {
    process.stderr.write(`doctor: unexpected error: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exitCode = 1;
  });
}
