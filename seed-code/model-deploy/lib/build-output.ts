import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { App } from 'aws-cdk-lib';
import { BATCH_MODEL_ROLES_VARIABLE, BATCH_SCHEDULE_ROLES_VARIABLE, checkBatchStages, parseBatchModelRoles, parseBatchScheduleRoles } from './batch-build';
import { BATCH_STACK_PARAMETERS } from './batch-stack';
import { createDeployApp, parseTags } from './deploy-app';
import { DEPLOYMENT_TARGETS_VARIABLE, DeploymentTargets, parseDeploymentTargets } from './deployment-targets';
import { autoscaledTypeChangeProblem } from './autoscaling-update';
import { checkEndpointOwnership } from './endpoint-ownership';
import { ENDPOINT_STACK_PARAMETERS, endpointName, MODEL_PACKAGE_ARN_PATTERN, SNS_TOPIC_ARN_PATTERN, TAG_KEYS } from './endpoint-stack';
import { parseAutomationRoles, PROJECT_AUTOMATION_ROLES_VARIABLE } from './approver-rule';
import { isRoleArn, resolveModelPackage } from './resolve-model-package';
import { chooseSmokeTestPayload } from './smoke-test-payload';
import { InferenceMode, loadStageConfig, Stage, STAGES } from './stage-config';

/** The CodeBuild environment of the deploy project's build action, validated. */
export interface BuildEnvironment {
  readonly projectName: string;
  readonly projectId: string;
  readonly modelPackageGroupName: string;
  /** Empty when the run was started by a commit rather than by an approval. */
  readonly requestedModelPackageArn: string;
  /**
   * The model role of the stages that deploy in the project account (`MODEL_EXECUTION_ROLE_ARN`);
   * unset when every stage deploys in another account (`DEPLOYMENT_TARGETS` names them all), where
   * each stage runs as its target's role and the project creates none.
   */
  readonly modelExecutionRoleArn?: string;
  readonly artifactBucket: string;
  readonly kmsKeyArn: string;
  readonly projectTags: Record<string, string>;
  readonly region: string;
  /** The SageMaker pipeline execution role: its own approvals are refused unless {@link autoApproveModels}. */
  readonly pipelineRoleArn: string;
  /** The project stack's other roles (`PROJECT_AUTOMATION_ROLES`, names): their approvals are refused too. */
  readonly automationRoleNames: readonly string[];
  /** `AUTO_APPROVE_MODELS=true`: the project approves automatically, the pipeline role's approvals count. */
  readonly autoApproveModels: boolean;
  /** The project's SNS topic, which the endpoint alarms notify. */
  readonly alarmTopicArn: string;
  /**
   * The stages that deploy in another account (`DEPLOYMENT_TARGETS`, multi-account projects);
   * empty for a single-account project, where both stages use the variables above.
   */
  readonly deploymentTargets: DeploymentTargets;
  /**
   * The role EventBridge Scheduler assumes to start each stage's batch runs
   * (`BATCH_SCHEDULE_ROLES`, made by the project stack, or by a target account's stack); used by
   * batch stages only.
   */
  readonly batchScheduleRoleArns: Partial<Record<Stage, string>>;
  /**
   * The role each batch stage of the project account runs its model as (`BATCH_MODEL_ROLES`):
   * it reads and writes that stage's batch folders only. Used by batch stages only.
   */
  readonly batchModelRoleArns: Partial<Record<Stage, string>>;
}

/**
 * Variables the build action reads (all strings, set by the deploy CodeBuild project).
 * `MODEL_EXECUTION_ROLE_ARN` only while a stage deploys in the project account: a multi-account
 * project whose `DEPLOYMENT_TARGETS` names every stage does not set it.
 */
export const REQUIRED_VARIABLES = [
  'SAGEMAKER_PROJECT_NAME',
  'SAGEMAKER_PROJECT_ID',
  'MODEL_PACKAGE_GROUP_NAME',
  'MODEL_EXECUTION_ROLE_ARN',
  'ARTIFACT_BUCKET',
  'KMS_KEY_ARN',
  'AWS_REGION',
  'SAGEMAKER_PIPELINE_ROLE_ARN',
  'ALARM_TOPIC_ARN',
] as const;

/**
 * Reads and checks the build variables. `PROJECT_AUTOMATION_ROLES` is optional (see
 * {@link parseAutomationRoles}); `AUTO_APPROVE_MODELS` is optional (`true` or `false`,
 * unset or empty means `false`); so is `DEPLOYMENT_TARGETS` (see {@link parseDeploymentTargets};
 * unset, empty or `{}` means single-account).
 * @throws Error naming every missing variable, or the malformed `PROJECT_TAGS`,
 *   `SAGEMAKER_PIPELINE_ROLE_ARN`, `AUTO_APPROVE_MODELS`, `ALARM_TOPIC_ARN` or `DEPLOYMENT_TARGETS.<stage>.<field>`
 */
export function readBuildEnvironment(env: NodeJS.ProcessEnv): BuildEnvironment {
  // Every stage in another account: no stage runs as the project account's model role.
  const everyStageTargeted = namesEveryStage(env[DEPLOYMENT_TARGETS_VARIABLE]);
  const missing = REQUIRED_VARIABLES.filter((name) => !env[name]?.trim() && !(everyStageTargeted && name === 'MODEL_EXECUTION_ROLE_ARN'));
  if (missing.length > 0) {
    // A project stack older than its alarm topic sets everything but ALARM_TOPIC_ARN.
    const olderProject = missing.includes('ALARM_TOPIC_ARN') ? ' (ALARM_TOPIC_ARN: update the project stack, which creates the alarm topic)' : '';
    throw new Error(`Missing build environment variable(s): ${missing.join(', ')}; the deploy CodeBuild project must set them${olderProject}`);
  }
  const value = (name: (typeof REQUIRED_VARIABLES)[number]): string => env[name]!.trim();
  const pipelineRoleArn = roleArn('SAGEMAKER_PIPELINE_ROLE_ARN', value('SAGEMAKER_PIPELINE_ROLE_ARN'));
  return {
    projectName: value('SAGEMAKER_PROJECT_NAME'),
    projectId: value('SAGEMAKER_PROJECT_ID'),
    modelPackageGroupName: value('MODEL_PACKAGE_GROUP_NAME'),
    requestedModelPackageArn: requestedPackage(env.MODEL_PACKAGE_ARN),
    modelExecutionRoleArn: env.MODEL_EXECUTION_ROLE_ARN?.trim() || undefined,
    artifactBucket: value('ARTIFACT_BUCKET'),
    kmsKeyArn: value('KMS_KEY_ARN'),
    projectTags: parseTags('PROJECT_TAGS', env.PROJECT_TAGS),
    region: value('AWS_REGION'),
    pipelineRoleArn,
    automationRoleNames: parseAutomationRoles(env[PROJECT_AUTOMATION_ROLES_VARIABLE]),
    autoApproveModels: flag('AUTO_APPROVE_MODELS', env.AUTO_APPROVE_MODELS),
    alarmTopicArn: topicArn('ALARM_TOPIC_ARN', value('ALARM_TOPIC_ARN')),
    deploymentTargets: parseDeploymentTargets(env[DEPLOYMENT_TARGETS_VARIABLE], {
      region: value('AWS_REGION'),
      // The project's partition: that of a role of the project account.
      partition: pipelineRoleArn.split(':')[1],
    }),
    batchScheduleRoleArns: parseBatchScheduleRoles(env[BATCH_SCHEDULE_ROLES_VARIABLE]),
    batchModelRoleArns: parseBatchModelRoles(env[BATCH_MODEL_ROLES_VARIABLE]),
  };
}

/**
 * Whether `DEPLOYMENT_TARGETS` has a key for every stage. Only a first look, to know which
 * variables are required: {@link parseDeploymentTargets} checks the value strictly afterwards.
 */
function namesEveryStage(text: string | undefined): boolean {
  try {
    const raw: unknown = JSON.parse(text ?? '');
    return typeof raw === 'object' && raw !== null && STAGES.every((stage) => stage in raw);
  } catch {
    return false;
  }
}

function topicArn(setting: string, text: string): string {
  if (!new RegExp(SNS_TOPIC_ARN_PATTERN).test(text)) {
    throw new Error(`${setting} must be an SNS topic ARN (arn:<partition>:sns:<region>:<account>:<name>); got '${text}'`);
  }
  return text;
}

function roleArn(setting: string, text: string): string {
  if (!isRoleArn(text)) {
    throw new Error(`${setting} must be an IAM role ARN (arn:<partition>:iam::<account>:role/<path/>name); got '${text}'`);
  }
  return text;
}

function flag(setting: string, text: string | undefined): boolean {
  const value = text?.trim().toLowerCase() ?? '';
  if (value === '' || value === 'false') {
    return false;
  }
  if (value === 'true') {
    return true;
  }
  throw new Error(`${setting} must be 'true' or 'false' (unset means false); got '${text}'`);
}

/**
 * The value of the deploy pipeline's `ModelPackageArn` variable when no particular package was
 * asked for (a commit to this repository): CodePipeline variables cannot default to empty.
 */
export const LATEST_APPROVED = 'latest';

/**
 * The requested package: empty (deploy the newest approved one) for no value or `latest`.
 * @throws Error naming `MODEL_PACKAGE_ARN` when the value is not a versioned model package ARN
 */
export function requestedPackage(value: string | undefined): string {
  const trimmed = value?.trim() ?? '';
  if (trimmed === LATEST_APPROVED || trimmed === '') {
    return '';
  }
  if (!new RegExp(MODEL_PACKAGE_ARN_PATTERN).test(trimmed)) {
    throw new Error(`MODEL_PACKAGE_ARN must be the ARN of a model package version (arn:<partition>:sagemaker:<region>:<account>:model-package/<group>/<version>), '${LATEST_APPROVED}' or empty; got '${trimmed}'`);
  }
  return trimmed;
}

/** The values one stage's endpoint stack is deployed with. */
export interface StageDeployment {
  /**
   * The account and region the stack deploys in, when the stage has a target account.
   * @default - the project account (the stack is environment-agnostic)
   */
  readonly target?: { readonly account: string; readonly region: string };
  readonly modelExecutionRoleArn: string;
  /** Receives the endpoint's data capture (the `ArtifactBucketName` parameter). */
  readonly dataCaptureBucket: string;
  readonly kmsKeyArn: string;
  /** SNS topic the endpoint's alarms notify: the target account's, or the project's. */
  readonly alarmTopicArn: string;
}

/**
 * What one stage deploys with: its target's account, region, role, bucket, key and topic when
 * `DEPLOYMENT_TARGETS` has the stage, else the project's common variables as in a
 * single-account project, except that a batch stage there runs as its own model role
 * (`BATCH_MODEL_ROLES`). In a target account, the stage's model role is its own already.
 * @default inference 'realtime'
 */
export function stageDeployment(stage: Stage, env: BuildEnvironment, inference: InferenceMode = 'realtime'): StageDeployment {
  const target = env.deploymentTargets[stage];
  if (!target) {
    // readBuildEnvironment requires it whenever a stage deploys in the project account.
    if (inference !== 'batch' && env.modelExecutionRoleArn === undefined) {
      throw new Error(`MODEL_EXECUTION_ROLE_ARN is missing; the ${stage} stage deploys in the project account, whose model role it names`);
    }
    return {
      // checkBatchStages refuses a batch stage of the project account without its model role.
      modelExecutionRoleArn: inference === 'batch' ? env.batchModelRoleArns[stage] ?? '' : env.modelExecutionRoleArn!,
      dataCaptureBucket: env.artifactBucket,
      kmsKeyArn: env.kmsKeyArn,
      alarmTopicArn: env.alarmTopicArn,
    };
  }
  return {
    target: { account: target.account, region: target.region },
    modelExecutionRoleArn: target.modelExecutionRoleArn,
    dataCaptureBucket: target.dataCaptureBucket,
    kmsKeyArn: target.kmsKeyArn,
    alarmTopicArn: target.alarmTopicArn,
  };
}

/** A CloudFormation template configuration file (CodePipeline CloudFormation action). */
export interface TemplateConfiguration {
  readonly Parameters: Record<string, string>;
  readonly Tags: Record<string, string>;
}

/**
 * The template configuration of one stage: the stack parameters (the stage's values, see
 * {@link stageDeployment}) and the stack tags.
 * @param modelPackageArn the package to deploy; empty when nothing is deployed, which the
 *   template's parameter pattern rejects, so such a file can never deploy by mistake
 * @param declared names of the parameters the template declares; CloudFormation rejects values
 *   for undeclared ones (a serverless stage without data capture declares no bucket or key)
 * @param inference the stage's mode: a batch stage of the project account runs as its own model role
 * @default declared - all of {@link ENDPOINT_STACK_PARAMETERS}
 * @default inference 'realtime'
 */
export function templateConfiguration(
  stage: Stage,
  env: BuildEnvironment,
  modelPackageArn: string,
  declared: string[] = Object.values(ENDPOINT_STACK_PARAMETERS),
  inference: InferenceMode = 'realtime',
): TemplateConfiguration {
  const deployment = stageDeployment(stage, env, inference);
  const values: Record<string, string> = {
    [ENDPOINT_STACK_PARAMETERS.modelPackageArn]: modelPackageArn,
    [ENDPOINT_STACK_PARAMETERS.modelExecutionRoleArn]: deployment.modelExecutionRoleArn,
    [ENDPOINT_STACK_PARAMETERS.artifactBucketName]: deployment.dataCaptureBucket,
    [ENDPOINT_STACK_PARAMETERS.kmsKeyArn]: deployment.kmsKeyArn,
    [ENDPOINT_STACK_PARAMETERS.alarmTopicArn]: deployment.alarmTopicArn,
    [BATCH_STACK_PARAMETERS.batchScheduleRoleArn]: env.batchScheduleRoleArns[stage] ?? '',
  };
  return {
    Parameters: Object.fromEntries(Object.entries(values).filter(([name]) => declared.includes(name))),
    Tags: {
      ...env.projectTags,
      [TAG_KEYS.projectName]: env.projectName,
      [TAG_KEYS.projectId]: env.projectId,
      [TAG_KEYS.deploymentStage]: stage,
    },
  };
}

/** The names of the build artifact files, exactly. */
export function buildArtifactFiles(): string[] {
  return STAGES.flatMap((stage) => [`${stage}.template.json`, `${stage}.config.json`]);
}

/** Inputs of {@link writeBuildOutput}. */
export interface WriteBuildOutputOptions {
  readonly env: BuildEnvironment;
  readonly client: SageMakerClient;
  /** Folder for the artifact files; emptied first so it holds exactly those files. */
  readonly outDir: string;
  /**
   * Folder of the stage configurations.
   * @default - the `config` folder of this repository
   */
  readonly configDir?: string;
  /**
   * Folder the smoke-test payload paths are relative to.
   * @default - this repository
   */
  readonly repositoryRoot?: string;
  /**
   * Receives progress lines.
   * @default - no logging
   */
  readonly log?: (line: string) => void;
}

/** What the build decided; becomes the exported variables of the build action. */
export interface BuildResult {
  /** `true` when the deploy stages should run. */
  readonly deploy: boolean;
  /** The package deployed, or empty. */
  readonly modelPackageArn: string;
  /**
   * The sample rows the smoke test sends to staging, relative to the repository root, matching
   * the pipeline that built the model; empty when nothing is deployed.
   */
  readonly smokeTestPayload: string;
  /** The files written, in `outDir`. */
  readonly files: string[];
  /**
   * Account and region of each stage deployed in another account; a stage without an entry
   * deploys in the project account.
   */
  readonly targets: Partial<Record<Stage, { readonly account: string; readonly region: string }>>;
  /**
   * The digest of the files written ({@link releaseDigest}): the project checks the artifact
   * against it before staging and again before prod, and refuses to deploy changed files.
   */
  readonly releaseDigest: string;
}

/**
 * Checks the stage configurations, resolves the model package (refusing one approved by the
 * pipeline role unless approvals are automatic), refuses endpoints of the same name that belong
 * to something else, chooses the smoke-test payload for the model's pipeline, synthesizes both
 * endpoint stacks and writes `<stage>.template.json` and `<stage>.config.json` for each stage.
 *
 * A stage with a target account (`DEPLOYMENT_TARGETS`) gets that account's role, bucket and key
 * as parameters and a stack synthesized for that account and region; its endpoint's ownership is
 * not checked from here (the build cannot read the other account).
 *
 * The templates are written even when nothing is approved: the artifact upload then succeeds,
 * and a bad stage configuration still fails the build on the commit that introduced it.
 */
export async function writeBuildOutput(options: WriteBuildOutputOptions): Promise<BuildResult> {
  const log = options.log ?? (() => undefined);
  const { env } = options;
  // Configuration first: a bad file fails the build before any AWS call.
  const configs = { staging: loadStageConfig('staging', options.configDir), prod: loadStageConfig('prod', options.configDir) };
  const { staging, prod } = configs;
  checkBatchStages([staging, prod], { schedule: env.batchScheduleRoleArns, model: env.batchModelRoleArns }, env.deploymentTargets);

  const resolution = await resolveModelPackage({
    client: options.client,
    modelPackageGroupName: env.modelPackageGroupName,
    requestedArn: env.requestedModelPackageArn,
    approval: { autoApprove: env.autoApproveModels, pipelineRoleArn: env.pipelineRoleArn, automationRoleNames: env.automationRoleNames },
    log,
  });
  const modelPackageArn = resolution.deploy ? resolution.modelPackageArn : '';
  const deployments = Object.fromEntries(STAGES.map((stage) => [stage, stageDeployment(stage, env)])) as Record<Stage, StageDeployment>;
  for (const stage of STAGES) {
    const target = deployments[stage].target;
    if (target) {
      log(`The ${stage} stack deploys in account ${target.account}, ${target.region} (${DEPLOYMENT_TARGETS_VARIABLE}.${stage}), with that account's model role, data capture bucket and key.`);
    }
  }
  // Checked on every run, deploying or not: a name collision found on a new project's first
  // commit is cheaper to fix (rename the project) than on its first approval.
  const existingEndpoints = await checkEndpointOwnership({
    client: options.client,
    projectId: env.projectId,
    endpointNames: STAGES.map((stage) => endpointName(env.projectName, stage)),
    otherAccounts: Object.fromEntries(STAGES.filter((stage) => deployments[stage].target)
      .map((stage) => [endpointName(env.projectName, stage), deployments[stage].target!.account])),
    log,
  });
  // Also on every run: the commit that changes the type of an autoscaled variant fails here,
  // before staging, rather than at the prod deploy after the approval.
  const typeChanges = STAGES.map((stage) => autoscaledTypeChangeProblem(env.projectName, configs[stage],
    existingEndpoints[endpointName(env.projectName, stage)])).filter((problem) => problem !== undefined);
  if (typeChanges.length > 0) {
    throw new Error(typeChanges.join('\n'));
  }
  const smokeTestPayload = resolution.deploy ? chooseSmokeTestPayload({
    pipeline: resolution.pipeline,
    configuredFile: staging.smokeTest?.samplePayloadFile,
    repositoryRoot: options.repositoryRoot ?? path.join(__dirname, '..'),
    modelPackageArn,
    log,
  }) : '';

  const targets = Object.fromEntries(STAGES.filter((stage) => deployments[stage].target)
    .map((stage) => [stage, deployments[stage].target!])) as BuildResult['targets'];
  const assemblyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'model-deploy-cdk-'));
  try {
    const { app, stacks } = createDeployApp({
      // The context of cdk.json (feature flags), so the deployed templates are the ones `cdk synth` shows.
      app: new App({ outdir: assemblyDir, context: cdkJsonContext(options.repositoryRoot ?? path.join(__dirname, '..')) }),
      projectName: env.projectName,
      projectId: env.projectId,
      extraTags: env.projectTags,
      configDir: options.configDir,
      environments: targets,
    });
    const assembly = app.synth();

    fs.rmSync(options.outDir, { recursive: true, force: true });
    fs.mkdirSync(options.outDir, { recursive: true });
    for (const stage of STAGES) {
      const artifact = assembly.getStackArtifact(stacks[stage].artifactId);
      const template = artifact.template as { Parameters?: Record<string, unknown> };
      writeJson(path.join(options.outDir, `${stage}.template.json`), template);
      writeJson(path.join(options.outDir, `${stage}.config.json`),
        templateConfiguration(stage, env, modelPackageArn, Object.keys(template.Parameters ?? {}), configs[stage].inference));
    }
  } finally {
    fs.rmSync(assemblyDir, { recursive: true, force: true });
  }

  if (resolution.deploy) {
    log(`DEPLOY=true: staging and prod will be deployed with ${modelPackageArn}.`);
  } else {
    log(`DEPLOY=false: nothing to deploy (${resolution.reason}). The deploy stages are skipped; this run is green.`);
  }
  return {
    deploy: resolution.deploy, modelPackageArn, smokeTestPayload, files: buildArtifactFiles(), targets,
    releaseDigest: releaseDigest(options.outDir),
  };
}

/**
 * The SHA-256 (hex) of the `sha256sum` listing of the build artifact files, sorted by name:
 * what `sha256sum <files> | sha256sum` prints in `dir`. The project's release check computes it
 * that way; do not change it.
 */
export function releaseDigest(dir: string): string {
  const sha256 = (data: string | Buffer) => crypto.createHash('sha256').update(data).digest('hex');
  const listing = [...buildArtifactFiles()].sort()
    .map((file) => `${sha256(fs.readFileSync(path.join(dir, file)))}  ${file}\n`).join('');
  return sha256(listing);
}

/**
 * The exported variable that records where a stage deploys: `STAGING_TARGET`, `PROD_TARGET`.
 * Its value is `aws://<account>/<region>` (CDK's notation of an environment) for a stage with a
 * target account, empty for a stage that deploys in the project account.
 */
export function targetVariable(stage: Stage): string {
  return `${stage.toUpperCase()}_TARGET`;
}

/** Shell lines that export the build action's variables (sourced by buildspec.yml). */
export function exportedVariables(result: BuildResult): string {
  const target = (stage: Stage) => {
    const t = result.targets[stage];
    return t ? `aws://${t.account}/${t.region}` : '';
  };
  return [
    `export DEPLOY=${result.deploy ? 'true' : 'false'}`,
    `export MODEL_PACKAGE_ARN_RESOLVED='${result.modelPackageArn.replace(/'/g, '')}'`,
    `export SMOKE_TEST_PAYLOAD='${result.smokeTestPayload.replace(/'/g, '')}'`,
    ...STAGES.map((stage) => `export ${targetVariable(stage)}='${target(stage)}'`),
    `export RELEASE_DIGEST=${result.releaseDigest.replace(/[^0-9a-f]/g, '')}`,
    '',
  ].join('\n');
}

/** The `context` of `<root>/cdk.json`, or none when there is no such file. */
export function cdkJsonContext(root: string): Record<string, unknown> {
  const file = path.join(root, 'cdk.json');
  if (!fs.existsSync(file)) {
    return {};
  }
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { context?: Record<string, unknown> }).context ?? {};
}

function writeJson(file: string, value: unknown): void {
  fs.writeFileSync(file, `${JSON.stringify(value, undefined, 2)}\n`);
}
