#!/usr/bin/env node
/**
 * `npm run publish-template -- --bucket B --prefix P [--domain-id D] [--dry-run] [--out DIR] [-c key=value ...]`
 *
 * Publishes the project as an S3-hosted SageMaker Studio template (see docs/publish-to-studio.md).
 * Mistakes in the arguments print one line and exit with 2; AWS errors print one line and exit with 1.
 */
import { parseArgs } from 'node:util';
import { publishTemplate, UsageError, VersionConflictError } from '../lib/studio/template-publisher';
import { cdkJsonContext, ContextArgumentError, contextArguments } from './cdk-context';

const USAGE = 'usage: npm run publish-template -- --bucket <bucket> --prefix <prefix> [--domain-id <d-...>] [--dry-run] [--out <dir>] [-c key=value ...]';

/** Where the command writes (stdout, stderr). */
export interface Output {
  write(text: string): unknown;
}

/** Runs the command; returns the exit code. */
export async function main(argv: readonly string[], out: Output = process.stdout, err: Output = process.stderr): Promise<number> {
  try {
    const { values } = parseCommandLine(argv);
    if (values.help) {
      out.write(`${USAGE}\n`);
      return 0;
    }
    if (!values.bucket) throw new UsageError('`--bucket` is required (the S3 bucket that holds the templates)');
    if (values.prefix === undefined) throw new UsageError("`--prefix` is required (the key prefix of the templates, like 'templates/'; '' for the bucket's root)");
    if (values['dry-run'] && !values.out) out.write('dry run: nothing is uploaded; add --out <dir> to see the objects\n');
    const result = await publishTemplate({
      bucket: values.bucket,
      prefix: values.prefix,
      domainId: values['domain-id'],
      dryRun: values['dry-run'],
      out: values.out,
      context: { ...cdkJsonContext(), ...contextArguments(values.context ?? []) },
      log: (line) => out.write(`${line}\n`),
    });
    out.write(`\nTemplate URL: ${result.templateUrl}\n`);
    out.write(`Launch role template URL: ${result.launchRoleTemplateUrl}\n`);
    out.write(`Studio reads templates from ${result.location.s3Url} (domain tag sagemaker:projectS3TemplatesLocation)\n`);
    return 0;
  } catch (e) {
    const name = (e as { name?: string }).name;
    if (e instanceof UsageError || e instanceof ContextArgumentError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      err.write(`publish-template: ${(e as Error).message}\n`);
      return 2;
    }
    if (e instanceof VersionConflictError) {
      err.write(`publish-template: ${e.message}\n`);
      return 1;
    }
    // AWS answers (access denied, no credentials, ...): the message is what the user needs.
    if (e instanceof Error && (name?.match(/Error$|Exception$|Denied|Credentials/) || '$metadata' in e)) {
      err.write(`publish-template: ${name}: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

function parseCommandLine(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    options: {
      'bucket': { type: 'string' },
      'prefix': { type: 'string' },
      'domain-id': { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      'out': { type: 'string' },
      'context': { type: 'string', short: 'c', multiple: true },
      'help': { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e: unknown) => {
    process.stderr.write(`publish-template: unexpected error: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exitCode = 1;
  });
}
