/** An account described in memory for the doctor's checks (test/scripts/doctor/*.test.ts). */
import { parseProjectConfig } from '../../../lib/config/project-config';
import { DoctorAws } from '../../../scripts/doctor/checks';
import { doctorPlan } from '../../../scripts/doctor/plan';

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
        ...doctorPlan(parseProjectConfig({})).instances.map((n) => ({ name: `${n.instanceType} for ${n.usage}`, value: n.count + 1 })),
        { name: 'Maximum number of pipelines allowed per account', value: 500 },
      ],
      events: [{ name: 'Rules per event bus', value: 300 }],
      codepipeline: [{ name: 'Number of pipelines per Region', value: 1000 }],
    } as Record<string, { name: string; value: number }[]>)[service] ?? [],
    roleUsage: async () => ({ used: 100, quota: 1000 }),
    ...overrides,
  };
}
