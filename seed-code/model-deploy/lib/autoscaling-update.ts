import { Tag } from '@aws-sdk/client-sagemaker';
import { AUTOSCALED_INSTANCE_TYPE_TAG, endpointName, VARIANT_NAME } from './endpoint-stack';
import { StageConfig } from './stage-config';

/**
 * Why deploying `config` over the endpoint that carries `deployedTags` would fail, or undefined
 * when it would not.
 *
 * SageMaker refuses an endpoint update that changes the instance type of a variant registered
 * with Application Auto Scaling, or that removes such a variant ("Update endpoints that use auto
 * scaling", SageMaker developer guide: deregister the variant first, update, register again).
 * In one CloudFormation update the registration cannot be removed first: CloudFormation deletes
 * a removed (or replaced) scalable target only in the cleanup phase, after the endpoint update,
 * and a variant of a new name would remove the registered one. So the change takes two deploys:
 * one without the `autoscaling` block on the old type, then the new type with `autoscaling`.
 *
 * The deployed variant's registered instance type is the endpoint's
 * {@link AUTOSCALED_INSTANCE_TYPE_TAG} tag, which the endpoint stack sets whenever it registers
 * the variant (an endpoint without the tag has no registered variant, or predates the tag).
 *
 * @param deployedTags the tags of the stage's existing endpoint; undefined when it does not exist
 */
export function autoscaledTypeChangeProblem(projectName: string, config: StageConfig, deployedTags: readonly Tag[] | undefined): string | undefined {
  const registeredType = deployedTags?.find((tag) => tag.Key === AUTOSCALED_INSTANCE_TYPE_TAG)?.Value;
  // A stage switched to batch deletes its endpoint (and first its scalable target): no update.
  if (registeredType === undefined || config.inference === 'batch') {
    return undefined;
  }
  const newType = config.hosting.kind === 'instance' ? config.hosting.instanceType : 'serverless';
  if (newType === registeredType) {
    return undefined;
  }
  const endpoint = endpointName(projectName, config.stage);
  return `${config.source}: 'instanceType' would change variant ${VARIANT_NAME} of endpoint ${endpoint} from ${registeredType} to ${newType}, `
    + 'which SageMaker refuses while the variant is registered with Application Auto Scaling. '
    + `Deploy in two commits: first remove the 'autoscaling' block and keep 'instanceType' ${registeredType}; `
    + "after that deploy, set the new 'instanceType' and put 'autoscaling' back (README, 'A bigger prod fleet')";
}
