import { Stack, StackProps } from 'aws-cdk-lib/core';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { SageMakerProject, SageMakerProjectProps } from '../project/sagemaker-project';
import { managedPolicyFromNameOrArn } from '../private/iam';

/** Properties of {@link MlopsProjectStack}. */
export interface MlopsProjectStackProps extends StackProps {
  /** The project: its name, id and settings. */
  readonly project: SageMakerProjectProps;
  /**
   * Name or ARN of a managed policy applied as permissions boundary to every role of the stack
   * (the `permissionsBoundary` setting). A name rather than an `IManagedPolicy`: a multi-account
   * project's target stacks apply the policy of the same name in their own accounts.
   * @default - no permissions boundary
   */
  readonly boundaryPolicy?: string;
}

/** One ML project per stack: `cdk deploy` of this stack provisions the whole project. */
export class MlopsProjectStack extends Stack {
  /** The project. */
  public readonly project: SageMakerProject;

  constructor(scope: Construct, id: string, props: MlopsProjectStackProps) {
    super(scope, id, props);
    if (props.boundaryPolicy) {
      iam.PermissionsBoundary.of(this).apply(managedPolicyFromNameOrArn(this, 'PermissionsBoundary', props.boundaryPolicy));
    }
    this.project = new SageMakerProject(this, 'Project', props.project);
  }
}
