/**
 * The doctor's plan from the project's settings: the names the naming contract composes, the
 * instance types and counts the build seed's pipelines and the deploy seed's stage files request
 * (read from the seeds themselves), and the bootstrap version the synthesized templates require.
 */
import { App, CfnWaitConditionHandle, Stack } from 'aws-cdk-lib';
import type { ProjectConfig } from '../../lib/config/project-config';
import { TARGET_SETUP, targetAccounts } from '../../lib/contract/accounts';
import { DEPLOYMENT_STAGES, DeploymentStage, ProjectNames, projectStackName } from '../../lib/contract/names';
import { codeLocations, scriptLocations } from '../../seed-code/model-build/src/cli/scripts';
import { PIPELINES } from '../../seed-code/model-build/src/pipelines';
import { jobResources } from '../../seed-code/model-build/src/workflow';
import { loadStageConfig } from '../../seed-code/model-deploy/lib/stage-config';
import type { DoctorPlan, InstanceNeed } from './checks';

/** Region the seeds' pipelines are built for here: instance types and counts do not depend on it. */
const PROBE_REGION = 'us-east-1';

/** Reads a project's plan. `stageConfigDir` is the deploy seed's `config` folder (tests pass their own). */
export function doctorPlan(config: ProjectConfig, options: { stageConfigDir?: string } = {}): DoctorPlan {
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
      { what: 'IAM roles' },
      { what: 'EventBridge rules' },
      { what: 'CodePipeline pipelines', adds: 2 },
      { what: 'SageMaker pipelines', adds: 1 },
    ],
  };
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
      // Placeholders too: a pipeline that runs a project image (containers/<name>) needs a URI to build.
      projectImages: new Proxy({}, { get: (_t, name) => `123456789012.dkr.ecr.${PROBE_REGION}.amazonaws.com/probe:${String(name)}` }),
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
