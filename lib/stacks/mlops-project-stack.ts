import { Annotations, Stack, StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { managedPolicyFromNameOrArn } from '../private/iam';
import { ProjectConfig } from '../config/project-config';
import { SageMakerProject } from '../project/sagemaker-project';

/** Properties of {@link MlopsProjectStack}. */
export interface MlopsProjectStackProps extends StackProps {
  /** The validated project configuration. */
  readonly config: ProjectConfig;
}

/** One ML project per stack: `cdk deploy` of this stack provisions the whole project. */
export class MlopsProjectStack extends Stack {
  /** The project. */
  public readonly project: SageMakerProject;

  constructor(scope: Construct, id: string, props: MlopsProjectStackProps) {
    super(scope, id, props);
    const { config } = props;
    if (config.permissionsBoundary) {
      iam.PermissionsBoundary.of(this).apply(managedPolicyFromNameOrArn(this, 'PermissionsBoundary', config.permissionsBoundary));
    }
    this.project = new SageMakerProject(this, 'Project', {
      ...config.project,
      projectName: config.projectName,
      projectId: config.projectId,
      deploymentAccounts: config.deploymentAccounts,
    });
    // Settings that only the Service Catalog product reads: say so instead of ignoring them silently.
    for (const warning of config.warnings) Annotations.of(this).addWarningV2('@mlops/config:ignored-setting', warning);
  }
}
