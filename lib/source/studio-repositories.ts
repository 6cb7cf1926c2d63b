import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import { ProjectNames } from '../contract/names';
import { ProjectRepositories } from './source-provider';

/** Properties of {@link StudioRepositories}. */
export interface StudioRepositoriesProps {
  /** The project's naming contract. */
  readonly names: ProjectNames;
  /** The project's repositories, of any provider. */
  readonly repositories: ProjectRepositories;
  /** Branch Studio checks out. */
  readonly branch: string;
}

/**
 * Registers the project's two repositories with SageMaker (`AWS::SageMaker::CodeRepository`
 * `sagemaker-<id>-modelbuild` / `-modeldeploy`), so that Studio's Repositories tab of the project
 * lists them and clones them, whichever provider holds them.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/nbi-git-resource.html
 */
export class StudioRepositories extends Construct {
  /** The build repository's registration. */
  public readonly build: sagemaker.CfnCodeRepository;
  /** The deploy repository's registration. */
  public readonly deploy: sagemaker.CfnCodeRepository;

  constructor(scope: Construct, id: string, props: StudioRepositoriesProps) {
    super(scope, id);
    const { names, repositories, branch } = props;
    const register = (childId: string, suffix: string, url: string) => new sagemaker.CfnCodeRepository(this, childId, {
      // 10 + at most 16 + 12 characters: within SageMaker's 63.
      codeRepositoryName: `sagemaker-${names.projectId}-${suffix}`,
      gitConfig: { repositoryUrl: url, branch },
    });
    this.build = register('ModelBuild', 'modelbuild', repositories.build.cloneUrl);
    this.deploy = register('ModelDeploy', 'modeldeploy', repositories.deploy.cloneUrl);
  }
}
