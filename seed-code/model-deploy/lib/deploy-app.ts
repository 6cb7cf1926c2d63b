import { App, Environment, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { BatchTransformStack } from './batch-stack';
import { EndpointStack, endpointStackName } from './endpoint-stack';
import { loadStageConfig, Stage, STAGES } from './stage-config';

/** Inputs of {@link createDeployApp}. */
export interface DeployAppOptions {
  readonly projectName: string;
  readonly projectId: string;
  /**
   * Extra tags for every resource.
   * @default - none
   */
  readonly extraTags?: Record<string, string>;
  /**
   * Folder holding `staging.json` and `prod.json`.
   * @default - the `config` folder of this repository
   */
  readonly configDir?: string;
  /**
   * The account and region of each stage that deploys in another account (multi-account
   * projects). Only the cloud assembly's manifest changes: the template is the same, with no
   * assets and no bootstrap version rule, so a CloudFormation action still deploys it as is.
   * @default - every stack is environment-agnostic (deployed in the pipeline's account and region)
   */
  readonly environments?: Partial<Record<Stage, Environment>>;
  /**
   * The app to add the stacks to.
   * @default - a new App (writing to `CDK_OUTDIR` under the CDK CLI, else a temporary folder)
   */
  readonly app?: App;
}

/** The app and its stacks, by stage: an endpoint, or batch transform runs (`"inference": "batch"`). */
export interface DeployApp {
  readonly app: App;
  readonly stacks: Record<Stage, EndpointStack | BatchTransformStack>;
}

/**
 * Builds the CDK app with one {@link EndpointStack} (or, for a batch stage, one
 * {@link BatchTransformStack}) per stage, with the cdk-nag AwsSolutions
 * checks attached so every synth (CLI or build) fails on a finding.
 */
export function createDeployApp(options: DeployAppOptions): DeployApp {
  // Every stage file is checked before the first stack exists: a bad prod file must not leave an
  // app holding the staging stack alone (which the CDK CLI would write to cdk.out).
  const configs = Object.fromEntries(STAGES.map((stage) => [stage, loadStageConfig(stage, options.configDir)]));
  const app = options.app ?? new App();
  const stacks = {} as Record<Stage, EndpointStack | BatchTransformStack>;
  for (const stage of STAGES) {
    const stackName = endpointStackName(options.projectName, options.projectId, stage);
    const stageConfig = configs[stage];
    const props = {
      stackName,
      env: options.environments?.[stage],
      projectName: options.projectName,
      projectId: options.projectId,
      stageConfig,
      extraTags: options.extraTags,
    };
    // The same stack name either way: switching a stage's inference replaces its endpoint with
    // batch resources (or back) in one stack update.
    stacks[stage] = stageConfig.inference === 'batch'
      ? new BatchTransformStack(app, stackName, props)
      : new EndpointStack(app, stackName, props);
  }
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stacks };
}

/**
 * Parses a JSON object of tag keys to string values (the `PROJECT_TAGS` variable).
 * @throws Error naming the setting and value when it is not such an object
 */
export function parseTags(setting: string, text: string | undefined): Record<string, string> {
  if (text === undefined || text.trim() === '') {
    return {};
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`${setting} must be a JSON object of tag keys to string values; got '${text}'`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)
    || Object.values(value).some((v) => typeof v !== 'string')) {
    throw new Error(`${setting} must be a JSON object of tag keys to string values; got '${text}'`);
  }
  return value as Record<string, string>;
}
