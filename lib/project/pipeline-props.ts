import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ProjectNames } from '../contract/names';
import { LogSettings } from '../private/log-settings';
import { IProjectRepository } from '../source/source-provider';

/** What the build and the deploy side of a project both take: repository, data home, naming. */
export interface ProjectPipelineProps {
  /** The project's naming contract. */
  readonly names: ProjectNames;
  /** Repository whose commits run the pipeline. */
  readonly repository: IProjectRepository;
  /** Branch whose commits run the pipeline. */
  readonly branch: string;
  /** Data bucket (SageMaker data, models, data capture). */
  readonly bucket: s3.IBucket;
  /** The CodePipelines' own artifact bucket (run artifacts, expiring). */
  readonly pipelineArtifactsBucket: s3.IBucket;
  /** The project's KMS key. */
  readonly key: kms.IKey;
  /** Encryption and retention of the CodeBuild projects' logs. */
  readonly logs: LogSettings;
  /** Role EventBridge uses to start the project's pipelines. */
  readonly eventsRole: iam.IRole;
  /** Extra project tags, handed to what the pipeline creates (SageMaker pipeline, endpoint stacks). */
  readonly projectTags: Readonly<Record<string, string>>;
}
