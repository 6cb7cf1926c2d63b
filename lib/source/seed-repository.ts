import { RemovalPolicy } from 'aws-cdk-lib/core';
import * as codecommit from 'aws-cdk-lib/aws-codecommit';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';

/** Files of a seed folder that never go into the repository (local installs and build output). */
export const SEED_EXCLUDES: readonly string[] = [
  'node_modules',
  '**/node_modules',
  'cdk.out',
  'dist',
  'coverage',
  '.DS_Store',
  '__pycache__',
  '*.pyc',
];

/** Properties of a {@link SeedRepository}. */
export interface SeedRepositoryProps {
  /** Repository name. */
  readonly repositoryName: string;
  /** Repository description shown in the CodeCommit console. */
  readonly description: string;
  /** Local folder whose files become the first commit. */
  readonly seedDirectory: string;
  /** Branch the first commit is made on. */
  readonly branch: string;
  /**
   * Whether the repository (data scientists' and engineers' commits) survives project deletion.
   * @default true
   */
  readonly retain?: boolean;
}

/**
 * A CodeCommit repository whose first commit is a seed folder of this app.
 *
 * The folder is packaged as an asset without local installs or build output, so the repository
 * starts as a clean checkout and a developer's `npm install` in the seed folder changes nothing.
 */
export class SeedRepository extends Construct {
  /** The repository. */
  public readonly repository: codecommit.IRepository;

  constructor(scope: Construct, id: string, props: SeedRepositoryProps) {
    super(scope, id);
    const seed = new s3assets.Asset(this, 'Seed', {
      path: props.seedDirectory,
      exclude: [...SEED_EXCLUDES],
    });
    const repository = new codecommit.Repository(this, 'Resource', {
      repositoryName: props.repositoryName,
      description: props.description,
      code: codecommit.Code.fromAsset(seed, props.branch),
    });
    repository.applyRemovalPolicy((props.retain ?? true) ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY);
    this.repository = repository;
  }
}
