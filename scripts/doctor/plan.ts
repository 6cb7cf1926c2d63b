/**
 * The doctor's plan from the project's settings: the names the naming contract composes, the
 * instance types and counts the build seed's pipelines and the deploy seed's stage files request
 * (read from the seeds themselves), the bootstrap version the synthesized templates require, and
 * what the project consumes of the account's limits, counted in its synthesized templates.
 */
import { App, CfnWaitConditionHandle, Stack } from 'aws-cdk-lib';
import type { ProjectConfig } from '../../lib/config/project-config';
import { TARGET_SETUP, targetAccounts } from '../../lib/contract/accounts';
import { DEPLOYMENT_STAGES, DeploymentStage, ProjectNames, projectStackName } from '../../lib/contract/names';
import { addProjectStacks } from '../../lib/project-app';
import * as path from 'node:path';
import { codeLocations, scriptLocations } from '../../seed-code/model-build/src/cli/scripts';
import { resolveProjectImages } from '../../seed-code/model-build/src/containers/images';
import { PIPELINES } from '../../seed-code/model-build/src/pipelines';
import { jobResources } from '../../seed-code/model-build/src/workflow';
import { loadStageConfig } from '../../seed-code/model-deploy/lib/stage-config';
import { cdkJsonContext } from '../cdk-context';
import type { BuildConcurrencyNeed, DoctorPlan, InstanceNeed } from './checks';

/** Region the seeds' pipelines are built for here: instance types and counts do not depend on it. */
const PROBE_REGION = 'us-east-1';

/** Options of {@link doctorPlan}. */
export interface DoctorPlanOptions {
  /** The deploy seed's `config` folder (tests pass their own). */
  readonly stageConfigDir?: string;
  /**
   * What the project consumes of the account's limits. @default - counted in the project's templates,
   * synthesized as `cdk synth` would with this configuration ({@link synthesizedConsumption})
   */
  readonly consumption?: ProjectConsumption;
}

/** Reads a project's plan. */
export function doctorPlan(config: ProjectConfig, options: DoctorPlanOptions = {}): DoctorPlan {
  const consumption = options.consumption ?? synthesizedConsumption(config);
  const names = new ProjectNames(config.projectName, config.projectId ?? 'p-000000000000');
  const accounts = config.deploymentAccounts;
  const stagesOf = (account: string | undefined) => DEPLOYMENT_STAGES.filter((stage) => accounts?.stageAccounts[stage] === account);
  const endpoints = (stages: readonly DeploymentStage[]) => stages.map((stage) => names.endpointName(stage));
  const pipelineNeeds = pipelineInstanceNeeds(names);
  const endpointNeeds = (stages: readonly DeploymentStage[]) => endpointInstanceNeeds(stages, options.stageConfigDir);
  const projectStages = stagesOf(undefined);
  return {
    projectStackName: projectStackName(config),
    minBootstrapVersion: minBootstrapVersion(),
    ...(accounts === undefined ? {} : {
      multiAccount: {
        projectAccount: accounts.projectAccount,
        setupStackName: TARGET_SETUP.stackName,
        targets: targetAccounts(accounts).map(({ account, stages }) => ({
          account,
          stages,
          stackName: names.targetStackName(account),
          endpointNames: endpoints(stages),
          instances: endpointNeeds(stages),
        })),
      },
    }),
    ...(config.project.sourceProvider === 'codeconnections' ? { connectionArn: config.project.connectionArn } : {}),
    ...(config.projectId === undefined ? {} : {
      names: {
        buckets: [names.artifactBucketName, names.accessLogsBucketName, ...(accounts ? [names.pipelineArtifactsBucketName] : [])],
        sageMakerPipelines: [names.pipelineName],
        modelPackageGroups: [names.modelPackageGroupName],
        codePipelines: [names.modelBuildName, names.modelDeployName],
        repositories: config.project.sourceProvider === 'codecommit' ? [names.modelBuildName, names.modelDeployName] : [],
      },
    }),
    endpointNames: endpoints(projectStages),
    instances: mergeNeeds([...pipelineNeeds, ...endpointNeeds(projectStages)]),
    headroom: [
      { what: 'IAM roles', adds: consumption.iamRoles },
      { what: 'EventBridge rules', adds: consumption.eventRules },
      { what: 'CodePipeline pipelines', adds: consumption.codePipelines },
      { what: 'SageMaker pipelines', adds: consumption.sageMakerPipelines },
    ],
    buildConcurrency: consumption.builds,
  };
}

/** What a project consumes of the account's limits, in the account that hosts the project stack. */
export interface ProjectConsumption {
  /** `AWS::IAM::Role` resources. */
  readonly iamRoles: number;
  /** `AWS::Events::Rule` resources on the default event bus (the quota is per bus). */
  readonly eventRules: number;
  /** `AWS::CodePipeline::Pipeline` resources. */
  readonly codePipelines: number;
  /**
   * `AWS::SageMaker::Pipeline` resources, and the pipelines the build creates at run time: one per
   * distinct `SAGEMAKER_PIPELINE_NAME` a CodeBuild project's environment names (run-pipeline upserts it).
   */
  readonly sageMakerPipelines: number;
  /** CodeBuild builds at once, per build environment. */
  readonly builds: readonly BuildConcurrencyNeed[];
}

/** The properties the counts read: of a CodeBuild project, a pipeline and a rule. */
interface CountedProperties {
  readonly Environment?: {
    readonly Type?: string;
    readonly ComputeType?: string;
    readonly EnvironmentVariables?: ReadonlyArray<{ readonly Name?: string; readonly Value?: unknown }>;
  };
  readonly Stages?: ReadonlyArray<{
    readonly Actions?: ReadonlyArray<{
      readonly Name?: string;
      readonly RunOrder?: number;
      readonly ActionTypeId?: { readonly Provider?: string };
      readonly Configuration?: { readonly ProjectName?: { readonly Ref?: unknown } };
    }>;
  }>;
  readonly EventBusName?: unknown;
}

/** A CloudFormation template, as far as the counts read it. */
interface TemplateJson {
  readonly Resources?: Readonly<Record<string, { readonly Type: string; readonly Properties?: CountedProperties }>>;
}

/** Service Quotas' names of CodeBuild's build environments, by environment type and compute type. */
const BUILD_ENVIRONMENTS: Readonly<Record<string, string>> = {
  'LINUX_CONTAINER BUILD_GENERAL1_SMALL': 'Linux/Small',
  'LINUX_CONTAINER BUILD_GENERAL1_MEDIUM': 'Linux/Medium',
  'LINUX_CONTAINER BUILD_GENERAL1_LARGE': 'Linux/Large',
  'LINUX_CONTAINER BUILD_GENERAL1_2XLARGE': 'Linux/2XLarge',
  'ARM_CONTAINER BUILD_GENERAL1_SMALL': 'ARM/Small',
  'ARM_CONTAINER BUILD_GENERAL1_LARGE': 'ARM/Large',
};

/**
 * Counts what the templates create. CodeBuild concurrency: a pipeline runs one stage at a time, and
 * in a stage the actions of one run order together; so each pipeline needs, per environment, its
 * largest such group of CodeBuild actions, and pipelines (which run independently) add up.
 */
export function consumptionOf(templates: readonly TemplateJson[]): ProjectConsumption {
  const resources = templates.flatMap((t) => Object.entries(t.Resources ?? {}));
  const ofType = (type: string) => resources.filter(([, r]) => r.Type === type);
  const buildProjects = new Map(ofType('AWS::CodeBuild::Project').map(([id, r]): [string, CountedProperties] => [id, r.Properties ?? {}]));
  const environmentOf = (props: CountedProperties) => `${props.Environment?.Type ?? 'LINUX_CONTAINER'} ${props.Environment?.ComputeType ?? 'BUILD_GENERAL1_SMALL'}`;
  const pipelineNames = new Set<string>();
  for (const props of buildProjects.values()) {
    for (const variable of props.Environment?.EnvironmentVariables ?? []) {
      if (variable.Name === 'SAGEMAKER_PIPELINE_NAME') pipelineNames.add(JSON.stringify(variable.Value));
    }
  }
  const builds = new Map<string, { builds: number; projects: Set<string> }>();
  for (const [, pipeline] of ofType('AWS::CodePipeline::Pipeline')) {
    const most = new Map<string, { builds: number; projects: string[] }>();
    for (const stage of pipeline.Properties?.Stages ?? []) {
      const groups = new Map<string, string[]>();
      for (const action of stage.Actions ?? []) {
        if (action.ActionTypeId?.Provider !== 'CodeBuild') continue;
        const ref = action.Configuration?.ProjectName?.Ref;
        const project = typeof ref === 'string' ? buildProjects.get(ref) : undefined;
        const environment = project ? environmentOf(project) : 'unknown (a CodeBuild project outside the templates)';
        const key = `${environment}\u0000${action.RunOrder ?? 1}`;
        groups.set(key, [...(groups.get(key) ?? []), typeof ref === 'string' ? ref : String(action.Name)]);
      }
      for (const [key, projects] of groups) {
        const environment = key.split('\u0000')[0];
        if ((most.get(environment)?.builds ?? 0) < projects.length) most.set(environment, { builds: projects.length, projects });
      }
    }
    for (const [environment, need] of most) {
      const seen = builds.get(environment) ?? { builds: 0, projects: new Set<string>() };
      builds.set(environment, { builds: seen.builds + need.builds, projects: new Set([...seen.projects, ...need.projects]) });
    }
  }
  return {
    iamRoles: ofType('AWS::IAM::Role').length,
    eventRules: ofType('AWS::Events::Rule').filter(([, r]) => r.Properties?.EventBusName === undefined || r.Properties.EventBusName === 'default').length,
    codePipelines: ofType('AWS::CodePipeline::Pipeline').length,
    sageMakerPipelines: ofType('AWS::SageMaker::Pipeline').length + pipelineNames.size,
    builds: [...builds].sort(([a], [b]) => a.localeCompare(b)).map(([environment, need]) => ({
      environment,
      ...(BUILD_ENVIRONMENTS[environment] ? { quotaEnvironment: BUILD_ENVIRONMENTS[environment] } : {}),
      builds: need.builds,
      projects: [...need.projects].sort(),
    })),
  };
}

/**
 * The project's consumption, counted in the templates `cdk synth` would write for this configuration
 * (cdk.json's feature flags; Lambda bundling skipped, as it changes no count): the stacks deployed to
 * the project's account (a multi-account project's target account resources are deployed by its pipeline, elsewhere).
 */
export function synthesizedConsumption(config: ProjectConfig, context: Record<string, unknown> = cdkJsonContext()): ProjectConsumption {
  const app = new App({ context: { ...context, 'aws:cdk:bundling-stacks': [] } });
  // The app holds the project's stacks only: what the deploy pipeline puts in target accounts is not synthesized here.
  addProjectStacks(app, config);
  return consumptionOf(app.synth().stacks.map((s) => s.template as TemplateJson));
}

/** Each job of each registered pipeline, at its parameters' defaults (what the build buildspec runs). */
function pipelineInstanceNeeds(names: ProjectNames): InstanceNeed[] {
  return Object.entries(PIPELINES).flatMap(([key, blueprint]) => {
    const pipeline = blueprint.build({
      region: PROBE_REGION,
      pipelineKey: key,
      pipelineName: names.pipelineName,
      modelPackageGroupName: names.modelPackageGroupName,
      // A placeholder, never sent anywhere: only the jobs' instance types and counts are read from this build.
      // eslint-disable-next-line no-restricted-syntax
      roleArn: 'arn:aws:iam::123456789012:role/probe',
      bucket: names.artifactBucketName,
      code: codeLocations(scriptLocations(blueprint.code, names.artifactBucketName, names.pipelineName)),
      // The project's own images (containers/<name>/) at placeholder URIs: a pipeline that runs one
      // (tensorflow) builds only with a URI, and its instance types do not depend on it.
      projectImages: resolveProjectImages({
        containersDir: path.join(__dirname, '..', '..', 'seed-code', 'model-build', 'containers'),
        repositoryUri: '123456789012.dkr.ecr.us-east-1.amazonaws.com/probe',
      }),
    });
    return jobResources(pipeline.allSteps()).flatMap((job): InstanceNeed[] => {
      if (job.instanceType === undefined) return [];
      const usage = job.type === 'Training' ? (job.spot ? 'spot training job usage' : 'training job usage')
        : job.type === 'Processing' ? 'processing job usage' : 'transform job usage';
      return [{ usage, instanceType: job.instanceType, count: job.instanceCount ?? 1, requestedBy: [`${key}: ${job.step}`] }];
    });
  });
}

/** The endpoints of the given stages, at their configured initial instance counts (the first deploy creates them). */
function endpointInstanceNeeds(stages: readonly DeploymentStage[], configDir?: string): InstanceNeed[] {
  const needs = stages.flatMap((stage): InstanceNeed[] => {
    const { hosting } = configDir === undefined ? loadStageConfig(stage) : loadStageConfig(stage, configDir);
    return hosting.kind === 'instance'
      ? [{ usage: 'endpoint usage', instanceType: hosting.instanceType, count: hosting.instanceCount, requestedBy: [`${stage} endpoint`] }]
      : [];
  });
  // Endpoints run at the same time: their counts add up.
  const byType = new Map<string, InstanceNeed>();
  for (const need of needs) {
    const seen = byType.get(need.instanceType);
    byType.set(need.instanceType, seen ? { ...seen, count: seen.count + need.count, requestedBy: [...seen.requestedBy, ...need.requestedBy] } : need);
  }
  return [...byType.values()];
}

/** One need per quota: jobs run one after another, so the largest job's count is what a quota must allow. */
function mergeNeeds(needs: readonly InstanceNeed[]): InstanceNeed[] {
  const byQuota = new Map<string, InstanceNeed>();
  for (const need of needs) {
    const key = `${need.instanceType} for ${need.usage}`;
    const seen = byQuota.get(key);
    byQuota.set(key, seen ? { ...seen, count: Math.max(seen.count, need.count), requestedBy: [...seen.requestedBy, ...need.requestedBy] } : need);
  }
  return [...byQuota.values()];
}

/**
 * The lowest bootstrap version aws-cdk-lib's templates accept, read from the `CheckBootstrapVersion`
 * rule it synthesizes (the versions it refuses), so it follows aws-cdk-lib upgrades.
 */
export function minBootstrapVersion(): number {
  const app = new App();
  new CfnWaitConditionHandle(new Stack(app, 'BootstrapProbe'), 'Resource');
  const template = app.synth().getStackByName('BootstrapProbe').template as {
    Rules?: { CheckBootstrapVersion?: { Assertions?: Array<{ Assert?: { 'Fn::Not'?: Array<{ 'Fn::Contains'?: [string[], unknown] }> } }> } };
  };
  const refused = template.Rules?.CheckBootstrapVersion?.Assertions?.[0]?.Assert?.['Fn::Not']?.[0]?.['Fn::Contains']?.[0];
  if (!refused?.length) throw new Error('aws-cdk-lib no longer synthesizes the CheckBootstrapVersion rule this reads');
  return Math.max(...refused.map(Number)) + 1;
}
