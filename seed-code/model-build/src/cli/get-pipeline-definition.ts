/**
 * `get-pipeline-definition`: prints (or writes) the pipeline definition JSON for a project. With
 * only `--region` it prints a complete demo definition.
 */
import { writeFileSync } from 'node:fs';
import { buildPipeline } from './build';
import { CliIo, ExitCode, processIo, reportError } from './io';
import { PROJECT_OPTIONS, PROJECT_OPTIONS_HELP, UsageError, parseFlags, resolveProjectSettings } from './settings';

const COMMAND = 'get-pipeline-definition';

const OPTIONS = {
  ...PROJECT_OPTIONS,
  output: { type: 'string', short: 'o' },
  compact: { type: 'boolean' },
} as const;

const HELP = `Usage: ${COMMAND} --region <region> [options]

Prints the SageMaker pipeline definition JSON (canonical: sorted keys, byte-identical for the same
code and settings). Settings not given fall back to demo values, noted on stderr.

Options:
  -o, --output <file>         write the JSON to a file instead of stdout
  --compact                   no indentation (what run-pipeline sends to SageMaker)
  -h, --help                  show this help

${PROJECT_OPTIONS_HELP}
`;

/** Runs the command; returns the exit code. */
export function main(argv: readonly string[], io: CliIo = processIo()): number {
  try {
    const flags = parseFlags(argv, OPTIONS);
    if (flags.help) {
      io.stdout(HELP);
      return ExitCode.SUCCESS;
    }
    const settings = resolveProjectSettings(flags, io.env, true);
    const { pipeline } = buildPipeline(settings);
    const json = pipeline.toJson({ indent: flags.compact ? 0 : 2 }) + '\n';
    if (typeof flags.output === 'string') {
      try {
        writeFileSync(flags.output, json);
      } catch (error) {
        throw new UsageError(`--output cannot be written: ${(error as Error).message}`);
      }
      io.stderr(`${COMMAND}: wrote ${pipeline.name} (${Buffer.byteLength(json)} bytes) to ${flags.output}\n`);
    } else {
      io.stdout(json);
    }
    if (settings.demoDefaults.length > 0) {
      io.stderr(`${COMMAND}: using demo values for ${settings.demoDefaults.join(', ')}\n`);
    }
    return ExitCode.SUCCESS;
  } catch (error) {
    return reportError(error, io, COMMAND);
  }
}

/** Entry point of the `bin` shim. */
export function cli(): void {
  process.exitCode = main(process.argv.slice(2));
}
