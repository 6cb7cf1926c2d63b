/** An account described in memory for the doctor's checks (test/scripts/doctor/*.test.ts). */
import { parseProjectConfig } from '../../../lib/config/project-config';
import { DoctorAws, Quota } from '../../../scripts/doctor/checks';
import { doctorPlan, ProjectConsumption } from '../../../scripts/doctor/plan';

/**
 * What the default project consumes of the account's limits, as counted in its synthesized template
 * (`synthesizedConsumption`, checked against the real synthesis by hand: a whole-project synth is
 * too slow for these tests; consumptionOf's counting is tested on templates in checks.test.ts).
 */
export const CONSUMPTION: ProjectConsumption = {
  iamRoles: 17,
  eventRules: 3,
  codePipelines: 2,
  sageMakerPipelines: 1,
  builds: [{
    environment: 'LINUX_CONTAINER BUILD_GENERAL1_SMALL',
    quotaEnvironment: 'Linux/Small',
    builds: 2,
    projects: ['ProjectModelBuildProject0E004155', 'ProjectModelDeployBuildProject8D422851'],
  }],
};

/** A prepared account: bootstrapped, nothing of the project exists, quotas to spare. */
export function account(overrides: Partial<DoctorAws> = {}): DoctorAws {
  return {
    region: async () => 'eu-west-1',
    hasCredentials: async () => true,
    identity: async () => ({ account: '111111111111', arn: 'arn:aws:iam::111111111111:user/me' }),
    bootstrapStack: async () => ({ status: 'UPDATE_COMPLETE', version: 28 }),
    stackStatus: async () => undefined,
    bucketState: async () => 'absent',
    sageMakerPipelineExists: async () => false,
    modelPackageGroupExists: async () => false,
    endpointExists: async () => false,
    codePipelineNames: async () => [],
    sageMakerPipelineCount: async () => 3,
    repositoryExists: async () => false,
    connection: async () => ({ status: 'AVAILABLE', tags: { sagemaker: 'true' } }),
    quotas: async (service) => ({
      sagemaker: [
        // Whatever the seeds request, with room to spare.
        ...doctorPlan(parseProjectConfig({}), { consumption: CONSUMPTION }).instances.map((n) => ({ name: `${n.instanceType} for ${n.usage}`, value: n.count + 1 })),
        { name: 'Maximum number of pipelines allowed per account', value: 500 },
      ],
      events: [{ name: 'Number of rules', code: 'L-244521F2', value: 300 }],
      codepipeline: [{ name: 'Number of pipelines per Region', value: 1000 }],
      codebuild: [{ name: 'Concurrently running builds for Linux/Small environment', value: 60 }],
    } as Record<string, Quota[]>)[service] ?? [],
    roleUsage: async () => ({ used: 100, quota: 1000 }),
    ...overrides,
  };
}
