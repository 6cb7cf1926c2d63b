import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ProjectNames } from '../../lib/contract/names';
import { LogSettings } from '../../lib/private/log-settings';
import { ArtifactStore } from '../../lib/project/artifact-store';
import { ProjectPipelineProps } from '../../lib/project/pipeline-props';
import { ProjectRepositories, SourceProvider } from '../../lib/source/source-provider';
import { testApp } from './app';

/**
 * The parts one construct of `lib/project/` needs, on a bare `Stack`: the naming contract, the
 * artifact store (key and buckets), log settings, the events role and CodeCommit repositories
 * seeded from a one-file folder. Built under a construct `Project`, as `SageMakerProject` builds
 * them, so logical ids read as in the project's template.
 */

export const NAME = 'mlops-demo';
/** A configured id, so that names are literal. */
export const ID = 'p-2uni326u2jrp';
export const PREFIX = `sagemaker-${NAME}-${ID}`;

/** A stack of its own app, with cdk.json's feature flags and no Lambda bundling. */
export function bareStack(): Stack {
  return new Stack(testApp(), 'Stack');
}

let seedDir: string | undefined;
/** A one-file seed folder (the repositories' first commit; its content is not what these tests read). */
function tinySeed(): string {
  if (seedDir === undefined) {
    seedDir = fs.mkdtempSync(path.join(os.tmpdir(), 'project-parts-seed-'));
    fs.writeFileSync(path.join(seedDir, 'README.md'), 'seed\n');
  }
  return seedDir;
}

export interface ProjectParts {
  readonly stack: Stack;
  /** The construct `Project` the parts (and the construct under test) live in. */
  readonly scope: Construct;
  readonly names: ProjectNames;
  readonly store: ArtifactStore;
  readonly logs: LogSettings;
  readonly eventsRole: iam.Role;
  readonly repositories: ProjectRepositories;
  /** What ModelBuild and ModelDeploy both take, for the given side's repository. */
  pipelineProps(side: 'build' | 'deploy', projectTags?: Record<string, string>): ProjectPipelineProps;
}

/** Options of {@link projectParts}. */
export interface ProjectPartsOptions {
  readonly branch?: string;
  readonly retainData?: boolean;
  readonly logRetention?: logs.RetentionDays;
}

/** The parts of a project named {@link NAME} with id {@link ID}, on a bare stack. */
export function projectParts(options: ProjectPartsOptions = {}): ProjectParts {
  const stack = bareStack();
  const scope = new Construct(stack, 'Project');
  const names = new ProjectNames(NAME, ID);
  const retainData = options.retainData ?? true;
  const branch = options.branch ?? 'main';
  const store = new ArtifactStore(scope, 'ArtifactStore', {
    bucketName: names.artifactBucketName, accessLogsBucketName: names.accessLogsBucketName, retainData,
  });
  const logSettings: LogSettings = { key: store.key, retention: options.logRetention ?? logs.RetentionDays.ONE_YEAR };
  const eventsRole = new iam.Role(scope, 'EventsRole', { assumedBy: new iam.ServicePrincipal('events.amazonaws.com') });
  const repositories = SourceProvider.codeCommit().bind(scope, {
    names, branch, retain: retainData, key: store.key, logs: logSettings, seedDirectories: { build: tinySeed(), deploy: tinySeed() },
  });
  return {
    stack, scope, names, store, logs: logSettings, eventsRole, repositories,
    pipelineProps: (side, projectTags = {}) => ({
      names, repository: repositories[side], branch, bucket: store.bucket,
      pipelineArtifactsBucket: side === 'build' ? store.buildPipelineArtifactsBucket : store.pipelineArtifactsBucket,
      key: store.key, logs: logSettings, eventsRole, projectTags,
    }),
  };
}

export type Statement = { Sid?: string; Effect?: string; Action: string | string[]; Resource: unknown; Condition?: unknown };

/** Every statement of the inline policies attached to a role whose logical id starts with `rolePrefix`. */
export function statementsOf(template: Template, rolePrefix: string): Statement[] {
  // Inline policies, and managed policies of the stack attached to the role.
  const policies = { ...template.findResources('AWS::IAM::Policy'), ...template.findResources('AWS::IAM::ManagedPolicy') };
  return Object.values(policies)
    .filter((p) => ((p.Properties.Roles ?? []) as Array<{ Ref: string }>).some((r) => r.Ref.startsWith(rolePrefix)))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}

/** Every statement of every inline policy of the template. */
export function allStatements(template: Template): Statement[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}

/** A resource ARN with its Fn::Join flattened and references shown as <Ref>. */
export function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  const v = value as Record<string, unknown>;
  if (v.Ref) return `<${v.Ref}>`;
  if (v['Fn::GetAtt']) return `<${(v['Fn::GetAtt'] as string[]).join('.')}>`;
  const [sep, parts] = v['Fn::Join'] as [string, unknown[]];
  return parts.map(flatten).join(sep);
}

/** The sorted, distinct actions of statements. */
export function actionsOf(statements: Statement[]): string[] {
  return [...new Set(statements.flatMap((s) => ([] as string[]).concat(s.Action)))].sort();
}

/**
 * Asserts the commit rule `<PREFIX>-<suffix>` (commit-triggered-pipeline.ts): enabled, on commits
 * to main of its CodeCommit repository, starting the pipeline whose logical id matches `pipeline`
 * with the project's events role.
 */
export function expectCommitRule(template: Template, suffix: string, pipeline: string): void {
  template.hasResourceProperties('AWS::Events::Rule', {
    Name: `${PREFIX}-${suffix}`,
    State: 'ENABLED',
    EventPattern: {
      'source': ['aws.codecommit'],
      'resources': [Match.anyValue()],
      'detail-type': ['CodeCommit Repository State Change'],
      'detail': { event: ['referenceCreated', 'referenceUpdated'], referenceName: ['main'] },
    },
    Targets: [Match.objectLike({
      Arn: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith([Match.objectLike({ Ref: Match.stringLikeRegexp(pipeline) })])]) }),
      RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ProjectEventsRole'), 'Arn'] },
    })],
  });
}
