import * as zlib from 'node:zlib';
import { Duration, Token } from 'aws-cdk-lib/core';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { ConfigError } from '../contract/errors';
import { ProjectNames } from '../contract/names';
import { LogSettings, projectLogGroup } from '../private/log-settings';

/**
 * The deploy build's exported variable that pins its artifact: the SHA-256 (hex) of the
 * `sha256sum` listing of {@link RELEASE_FILES}, in that order (the deploy seed's `releaseDigest`).
 */
export const RELEASE_DIGEST_VARIABLE = 'RELEASE_DIGEST';

/** The files of the deploy build's artifact that the deploy stages use, sorted as the digest lists them. */
export const RELEASE_FILES = ['prod.config.json', 'prod.template.json', 'staging.config.json', 'staging.template.json'];

/** The variable the check reads the digest from (set by the pipeline action from the build's export). */
export const EXPECTED_DIGEST_ENV = 'EXPECTED_RELEASE_DIGEST';

/**
 * The release check, a bash script run in the folder of the artifact: fails with a one-line
 * reason unless the four files are there and their digest is the one the build of this run
 * exported.
 */
export const RELEASE_CHECK_SCRIPT = `set -euo pipefail
files="${RELEASE_FILES.join(' ')}"
expected="\${${EXPECTED_DIGEST_ENV}:-}"
if ! [[ "$expected" =~ ^[0-9a-f]{64}$ ]]; then
  echo "Release check failed: ${EXPECTED_DIGEST_ENV} must be the SHA-256 (64 hex digits) the deploy build exports as ${RELEASE_DIGEST_VARIABLE}; got '$expected' (a deploy repository whose buildspec.yml does not export ${RELEASE_DIGEST_VARIABLE} cannot deploy)" >&2
  exit 1
fi
for f in $files; do
  if [ ! -f "$f" ]; then echo "Release check failed: the build artifact has no $f" >&2; exit 1; fi
done
actual="$(sha256sum $files | sha256sum | cut -d' ' -f1)"
if [ "$actual" != "$expected" ]; then
  echo "Release check failed: the templates' digest is $actual, but the deploy build of this run exported $expected: the artifact changed after the build, refusing to deploy it" >&2
  exit 1
fi
echo "Release check passed: the templates are the ones the deploy build of this run made (digest $actual)."`;

/** Properties of {@link ReleaseVerification}. */
export interface ReleaseVerificationProps {
  readonly names: ProjectNames;
  /** The project's KMS key (build encryption). */
  readonly key: kms.IKey;
  /** Encryption and retention of the project's logs. */
  readonly logs: LogSettings;
  /**
   * Files the check adds to the release it passes on, by name: the project's own (the templates of
   * its resources in target accounts), written from this buildspec, so that no code of the deploy
   * repository can change them.
   * @default - none
   */
  readonly files?: Readonly<Record<string, string>>;
}

/** CodeBuild's limit on an inline buildspec (its UpdateProject refuses a longer one: "Max buildspec length is 25600"). */
export const MAX_INLINE_BUILDSPEC_LENGTH = 25600;

/**
 * The bash command that writes `content` to `fileName`: gzip (to stay well within CodeBuild's
 * buildspec limit) and base64 in the buildspec, so that no quoting or shell expansion can change a byte.
 * Content that holds a deploy-time value (a Studio template's project name or id, in a target
 * stack's tags) cannot be packed at synth: it is written as it is, in single quotes (a single
 * quote of the content closed, escaped and reopened), and CloudFormation fills the value in.
 */
export function writeFileCommand(fileName: string, content: string): string {
  if (!/^[\w.-]+$/.test(fileName)) throw new Error(`Release file name ${fileName} is not a plain file name`);
  if (Token.isUnresolved(content)) return `printf '%s' '${content.split("'").join("'\\''")}' > ${fileName}`;
  const packed = zlib.gzipSync(Buffer.from(content, 'utf8'), { level: 9 }).toString('base64');
  return `echo '${packed}' | base64 -d | gunzip > ${fileName}`;
}

/**
 * The CodeBuild project that checks the deploy build's templates against the digest that build
 * exported, before staging (passing the checked files on as the release both stages deploy) and
 * again right before prod. Its buildspec is this project's, not the deploy repository's: code of
 * that repository cannot change the check nor write the release.
 */
export class ReleaseVerification extends Construct {
  /** The CodeBuild project. */
  public readonly project: codebuild.PipelineProject;

  constructor(scope: Construct, id: string, props: ReleaseVerificationProps) {
    super(scope, id);
    const files = props.files ?? {};
    const buildSpec = codebuild.BuildSpec.fromObject({
      version: '0.2',
      env: { shell: 'bash' },
      phases: { build: { commands: [RELEASE_CHECK_SCRIPT, ...Object.entries(files).map(([f, c]) => writeFileCommand(f, c))] } },
      artifacts: { files: [...RELEASE_FILES, ...Object.keys(files)] },
    });
    const length = buildSpec.toBuildSpec(this).length;
    if (length > MAX_INLINE_BUILDSPEC_LENGTH) {
      throw new ConfigError(`The release check's buildspec (with the templates of ${Object.keys(files).join(', ')}) is ${length} characters; `
        + `CodeBuild takes at most ${MAX_INLINE_BUILDSPEC_LENGTH} (fewer tags or a shorter alarm e-mail shorten it)`);
    }
    this.project = new codebuild.PipelineProject(this, 'Project', {
      projectName: props.names.verifyReleaseName,
      description: `Checks the endpoint templates of ${props.names.modelPackageGroupName} against the deploy build's digest`,
      buildSpec,
      environment: {
        buildImage: codebuild.LinuxBuildImage.STANDARD_7_0,
        computeType: codebuild.ComputeType.SMALL,
      },
      encryptionKey: props.key,
      logging: { cloudWatch: { logGroup: projectLogGroup(this, 'Logs', props.logs) } },
      timeout: Duration.minutes(10),
    });
  }

  /** The environment variable of an action that checks against the digest the build exported. */
  public static expectedDigest(buildNamespace: string): Record<string, codebuild.BuildEnvironmentVariable> {
    return { [EXPECTED_DIGEST_ENV]: { value: `#{${buildNamespace}.${RELEASE_DIGEST_VARIABLE}}` } };
  }
}
