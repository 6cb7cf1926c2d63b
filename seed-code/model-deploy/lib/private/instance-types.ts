/**
 * What the endpoint stack needs to know about SageMaker hosting instance families.
 *
 * Kept as a small table rather than a full list of instance types: the size part of the name
 * (`large`, `2xlarge`, ...) is checked by pattern, the family against this table, so a typo such
 * as `ml.m5.larg` or `ml.m55.large` stops synth instead of failing 10 minutes into a deployment.
 */
export interface InstanceFamily {
  /**
   * The family carries NVMe instance storage, encrypted by hardware. SageMaker rejects an
   * EndpointConfig `KmsKeyId` for these families, so no volume key is set.
   * @see https://docs.aws.amazon.com/sagemaker/latest/dg/host-instance-storage.html
   */
  readonly instanceStorage: boolean;
  /**
   * Deployment guardrails (canary traffic shifting) are not available: SageMaker silently falls
   * back to all-at-once without a baking period, so the config asks for that explicitly.
   * @see https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-exclusions.html
   */
  readonly noGuardrails?: boolean;
}

const EBS: InstanceFamily = { instanceStorage: false };
const NVME: InstanceFamily = { instanceStorage: true };

/** Real-time hosting families, by the part between `ml.` and the size. */
export const INSTANCE_FAMILIES: Readonly<Record<string, InstanceFamily>> = {
  't2': EBS,
  't3': EBS,
  'm4': EBS,
  'm5': EBS,
  'm5d': NVME,
  'm6i': EBS,
  'm6id': NVME,
  'm7i': EBS,
  'c4': EBS,
  'c5': EBS,
  'c5d': NVME,
  'c6i': EBS,
  'c6id': NVME,
  'c7i': EBS,
  'r5': EBS,
  'r5d': NVME,
  'r6i': EBS,
  'r6id': NVME,
  'r7i': EBS,
  'g4dn': NVME,
  'g5': NVME,
  'g6': NVME,
  'g6e': NVME,
  'p2': EBS,
  'p3': EBS,
  'p3dn': NVME,
  'p4d': NVME,
  'p4de': NVME,
  'p5': NVME,
  'inf1': { instanceStorage: false, noGuardrails: true },
  'inf2': EBS,
  'trn1': NVME,
};

const INSTANCE_TYPE_PATTERN = /^ml\.([a-z0-9]+)\.(medium|large|xlarge|[1-9][0-9]?xlarge)$/;

/** Splits `ml.<family>.<size>`; undefined when the name does not have that shape. */
export function parseInstanceType(instanceType: string): { family: string; size: string } | undefined {
  const match = INSTANCE_TYPE_PATTERN.exec(instanceType);
  return match ? { family: match[1], size: match[2] } : undefined;
}
