import { Match, Template } from 'aws-cdk-lib/assertions';
import { gitHttpUrl } from '../../lib/source/source-provider';
import { projectTemplate } from '../support/app';
import { CONNECTION_ARN, CONNECTION_CONFIG } from '../support/connection';

const ID = 'p-2uni326u2jrp';
const PREFIX = `sagemaker-mlops-demo-${ID}`;
const BUILD_URL = `https://codeconnections.eu-west-1.amazonaws.com/git-http/123456789012/eu-west-1/0123abcd-4567-89ab-cdef-0123456789ab/acme/model-build.git`;
const DEPLOY_URL = `https://codeconnections.eu-west-1.amazonaws.com/git-http/123456789012/eu-west-1/0123abcd-4567-89ab-cdef-0123456789ab/acme/ml-platform/model-deploy.git`;

type Statement = { Action: string | string[]; Resource: unknown; Condition?: Record<string, Record<string, unknown>> };

/** Statements of every inline policy, by the logical id of the (first) role it is attached to. */
function statementsByRole(template: Template): Record<string, Statement[]> {
  const byRole: Record<string, Statement[]> = {};
  for (const policy of Object.values(template.findResources('AWS::IAM::Policy'))) {
    const role = (policy.Properties.Roles as Array<{ Ref: string }>)[0].Ref;
    byRole[role] = [...(byRole[role] ?? []), ...policy.Properties.PolicyDocument.Statement as Statement[]];
  }
  return byRole;
}

function actions(statement: Statement): string[] {
  return ([] as string[]).concat(statement.Action);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a fragment of a synthesized template
type Json = any;

function pipelineNamed(template: Template, name: string): { logicalId: string; properties: Json; dependsOn: string[] } {
  const [[logicalId, pipeline]] = Object.entries(template.findResources('AWS::CodePipeline::Pipeline', { Properties: { Name: name } }));
  return { logicalId, properties: pipeline.Properties, dependsOn: pipeline.DependsOn ?? [] };
}

describe('CodeCommit source (the default)', () => {
  // GIVEN
  const template = projectTemplate({ projectId: ID });

  test('pipelines read CodeCommit, without polling, and have no V2 triggers', () => {
    for (const [name, action] of [[`${PREFIX}-modelbuild`, 'ModelBuildCode'], [`${PREFIX}-modeldeploy`, 'ModelDeployCode']]) {
      const { properties } = pipelineNamed(template, name);
      expect(properties.Stages[0].Actions).toEqual([expect.objectContaining({
        Name: action,
        ActionTypeId: expect.objectContaining({ Provider: 'CodeCommit' }),
        Configuration: expect.objectContaining({ BranchName: 'main', PollForSourceChanges: false }),
      })]);
      expect(properties.Triggers).toBeUndefined();
    }
  });

  test('named EventBridge rules start the pipelines on commits to the branch', () => {
    for (const ruleName of [`${PREFIX}-build`, `${PREFIX}-code`]) {
      template.hasResourceProperties('AWS::Events::Rule', {
        Name: ruleName,
        EventPattern: Match.objectLike({ source: ['aws.codecommit'], detail: Match.objectLike({ referenceName: ['main'] }) }),
      });
    }
  });

  test('registers both repositories with SageMaker by their HTTPS clone URLs', () => {
    template.resourceCountIs('AWS::SageMaker::CodeRepository', 2);
    for (const [suffix, repository] of [['modelbuild', 'ProjectModelBuildRepository'], ['modeldeploy', 'ProjectModelDeployRepository']]) {
      template.hasResourceProperties('AWS::SageMaker::CodeRepository', {
        CodeRepositoryName: `sagemaker-${ID}-${suffix}`,
        GitConfig: { Branch: 'main', RepositoryUrl: { 'Fn::GetAtt': [Match.stringLikeRegexp(`^${repository}`), 'CloneUrlHttp'] } },
      });
    }
  });

  test('outputs clone URLs, and no connection outputs', () => {
    const outputs = Object.keys(template.findOutputs('*')).filter((o) => o.includes('Repository'));
    expect(outputs.sort()).toEqual([
      'ModelBuildRepositoryCloneUrlGrc', 'ModelBuildRepositoryCloneUrlHttp',
      'ModelDeployRepositoryCloneUrlGrc', 'ModelDeployRepositoryCloneUrlHttp',
    ]);
  });

  test('no role may use a connection, and nothing is seeded through one', () => {
    const all = Object.values(statementsByRole(template)).flat();
    expect(all.flatMap(actions).filter((a) => a.endsWith(':UseConnection'))).toEqual([]);
    template.resourceCountIs('AWS::CloudFormation::WaitCondition', 0);
  });
});

describe('CodeConnections source', () => {
  // GIVEN
  const template = projectTemplate({ projectId: ID, ...CONNECTION_CONFIG });

  test('pipelines read the repositories through the connection, change detection left to the triggers', () => {
    for (const [name, action, repository] of [
      [`${PREFIX}-modelbuild`, 'ModelBuildCode', 'acme/model-build'],
      [`${PREFIX}-modeldeploy`, 'ModelDeployCode', 'acme/ml-platform/model-deploy'],
    ]) {
      const { properties } = pipelineNamed(template, name);
      expect(properties.PipelineType).toBe('V2');
      expect(properties.Stages[0].Actions).toEqual([expect.objectContaining({
        Name: action,
        ActionTypeId: { Category: 'Source', Owner: 'AWS', Provider: 'CodeStarSourceConnection', Version: '1' },
        Configuration: { ConnectionArn: CONNECTION_ARN, FullRepositoryId: repository, BranchName: 'main', DetectChanges: false },
      })]);
    }
  });

  test('the build pipeline starts on pushes to the branch, except documentation-only ones', () => {
    expect(pipelineNamed(template, `${PREFIX}-modelbuild`).properties.Triggers).toEqual([{
      ProviderType: 'CodeStarSourceConnection',
      GitConfiguration: {
        SourceActionName: 'ModelBuildCode',
        Push: [{ Branches: { Includes: ['main'] }, FilePaths: { Excludes: ['**/*.md', 'docs/**'] } }],
      },
    }]);
  });

  test('the deploy pipeline starts on every push to the branch', () => {
    expect(pipelineNamed(template, `${PREFIX}-modeldeploy`).properties.Triggers).toEqual([{
      ProviderType: 'CodeStarSourceConnection',
      GitConfiguration: { SourceActionName: 'ModelDeployCode', Push: [{ Branches: { Includes: ['main'] } }] },
    }]);
  });

  test('a configured branch reaches the source actions, triggers, seeding jobs and Studio', () => {
    const other = projectTemplate({ projectId: ID, ...CONNECTION_CONFIG, branch: 'release/v2' });
    const { properties } = pipelineNamed(other, `${PREFIX}-modeldeploy`);
    expect(properties.Stages[0].Actions[0].Configuration.BranchName).toBe('release/v2');
    expect(properties.Triggers[0].GitConfiguration.Push[0].Branches).toEqual({ Includes: ['release/v2'] });
    other.hasResourceProperties('AWS::CodeBuild::Project', {
      Environment: Match.objectLike({ EnvironmentVariables: Match.arrayWith([{ Name: 'BRANCH', Type: 'PLAINTEXT', Value: 'release/v2' }]) }),
    });
    other.hasResourceProperties('AWS::SageMaker::CodeRepository', { GitConfig: Match.objectLike({ Branch: 'release/v2' }) });
  });

  test('creates no CodeCommit repositories and no commit rules; the approval rule still starts deploys', () => {
    template.resourceCountIs('AWS::CodeCommit::Repository', 0);
    const rules = Object.values(template.findResources('AWS::Events::Rule'));
    expect(rules.map((r) => [r.Properties.Name, r.Properties.EventPattern.source]).sort()).toEqual([
      [`${PREFIX}-model`, ['aws.sagemaker']],
      // the seeding failure reporter (test/source/connection-seed.test.ts)
      [`${PREFIX}-seeds`, ['aws.codebuild']],
    ]);
  });

  test('each seeding job pushes its seed folder to its repository through the git-http endpoint, signalling the stack', () => {
    for (const url of [BUILD_URL, DEPLOY_URL]) {
      template.hasResourceProperties('AWS::CodeBuild::Project', {
        Source: Match.objectLike({ Type: 'S3', BuildSpec: Match.stringLikeRegexp('seed-branch\\.sh.*REPOSITORY_URL.*BRANCH.*CODEBUILD_SRC_DIR') }),
        SecondarySources: [Match.objectLike({ SourceIdentifier: 'script', Type: 'S3' })],
        EncryptionKey: Match.anyValue(),
        Environment: Match.objectLike({
          EnvironmentVariables: Match.arrayWith([
            { Name: 'REPOSITORY_URL', Type: 'PLAINTEXT', Value: url },
            { Name: 'CONNECTION_REGION', Type: 'PLAINTEXT', Value: 'eu-west-1' },
            { Name: 'SEED_NON_EMPTY_REPOSITORY', Type: 'PLAINTEXT', Value: 'false' },
          ]),
        }),
      });
    }
  });

  test('the jobs start on creation only: updates and deletion never touch the repositories', () => {
    const starts = Object.values(template.findResources('Custom::SageMakerProjectRepositorySeed'));
    expect(starts).toHaveLength(2);
    for (const start of starts) {
      expect(Object.keys(start.Properties).sort()).toEqual(['Create', 'InstallLatestAwsSdk', 'ServiceToken']);
      expect(JSON.stringify(start.Properties.Create)).toContain('"action\\":\\"startBuild\\"');
    }
  });

  test('stack creation waits for each seeding, and the pipelines wait for the seeding', () => {
    const waits = template.findResources('AWS::CloudFormation::WaitCondition');
    expect(Object.keys(waits)).toHaveLength(2);
    for (const [logicalId, wait] of Object.entries(waits)) {
      const side = logicalId.startsWith('ProjectModelBuild') ? 'ModelBuild' : 'ModelDeploy';
      expect(wait.Properties).toEqual({ Count: 1, Handle: { Ref: expect.stringMatching(new RegExp(`^Project${side}SeedHandle`)) }, Timeout: '1800' });
      // The wait begins once its job has been started.
      expect(wait.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^Project${side}SeedStart`))]));
    }
    expect(pipelineNamed(template, `${PREFIX}-modelbuild`).dependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/^ProjectModelBuildSeedDone/)]));
    expect(pipelineNamed(template, `${PREFIX}-modeldeploy`).dependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/^ProjectModelDeploySeedDone/)]));
  });

  test('UseConnection only for the pipelines and the seeding jobs, on the one connection, each for its own repository and branch', () => {
    const byRole = statementsByRole(template);
    const users = Object.entries(byRole)
      .filter(([, statements]) => statements.some((s) => actions(s).some((a) => a.endsWith(':UseConnection'))))
      .map(([role]) => role.replace(/[0-9A-F]{8}$/, ''));
    expect(users.sort()).toEqual([
      'ProjectModelBuildPipelineRole', 'ProjectModelBuildSeedJobRole',
      'ProjectModelDeployPipelineRole', 'ProjectModelDeploySeedJobRole',
    ]);
    for (const [role, statements] of Object.entries(byRole)) {
      for (const s of statements.filter((st) => actions(st).some((a) => a.endsWith(':UseConnection')))) {
        // Every grant names the repository, on both ARN forms of the connection: aws-cdk-lib's own
        // unconditioned grant to the source action (on the ARN as given) is not in the template.
        expect(s.Resource).toEqual([CONNECTION_ARN, CONNECTION_ARN.replace(':codeconnections:', ':codestar-connections:')]);
        const repository = role.includes('ModelBuild') ? 'acme/model-build' : 'acme/ml-platform/model-deploy';
        const [prefix] = actions(s)[0].split(':');
        const limits = { [`${prefix}:FullRepositoryId`]: repository, [`${prefix}:BranchName`]: 'main' };
        if (role.includes('PipelineRole')) {
          // The pipelines only read.
          expect(s.Condition).toEqual({ StringEqualsIfExists: { ...limits, [`${prefix}:ProviderPermissionsRequired`]: 'read_only' } });
        } else {
          // The seeding jobs' grants hold for the one build the stack starts (test/source/connection-seed.test.ts).
          expect(s.Condition).toEqual({ StringEqualsIfExists: limits, ArnEquals: { 'codebuild:buildArn': expect.anything() } });
        }
      }
    }
    // The seeding jobs and the pipelines: both service prefixes, one statement each.
    for (const user of ['ProjectModelBuildSeedJobRole', 'ProjectModelBuildPipelineRole', 'ProjectModelDeployPipelineRole']) {
      const statements = Object.entries(byRole).find(([r]) => r.startsWith(user))![1];
      expect(statements.flatMap(actions).filter((a) => a.endsWith(':UseConnection')).sort())
        .toEqual(['codeconnections:UseConnection', 'codestar-connections:UseConnection']);
    }
  });

  test('the function that starts the seeding jobs may start only them', () => {
    const starters = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => (p.Properties.PolicyName as string).includes('SeedStartCustomResourcePolicy'));
    expect(starters.map((p) => p.Properties.PolicyDocument.Statement)).toEqual([
      [{ Action: 'codebuild:StartBuild', Effect: 'Allow', Resource: { 'Fn::GetAtt': [expect.stringMatching(/^ProjectModelBuildSeedJob/), 'Arn'] } }],
      [{ Action: 'codebuild:StartBuild', Effect: 'Allow', Resource: { 'Fn::GetAtt': [expect.stringMatching(/^ProjectModelDeploySeedJob/), 'Arn'] } }],
    ]);
  });

  test('registers both repositories with SageMaker by their git-http URLs', () => {
    template.hasResourceProperties('AWS::SageMaker::CodeRepository', {
      CodeRepositoryName: `sagemaker-${ID}-modelbuild`, GitConfig: { Branch: 'main', RepositoryUrl: BUILD_URL },
    });
    template.hasResourceProperties('AWS::SageMaker::CodeRepository', {
      CodeRepositoryName: `sagemaker-${ID}-modeldeploy`, GitConfig: { Branch: 'main', RepositoryUrl: DEPLOY_URL },
    });
  });

  test('outputs repository full names and URLs, no clone URLs of CodeCommit', () => {
    const outputs = template.findOutputs('*');
    expect(Object.keys(outputs).filter((o) => o.includes('Repository')).sort()).toEqual([
      'ModelBuildRepositoryFullName', 'ModelBuildRepositoryUrl', 'ModelDeployRepositoryFullName', 'ModelDeployRepositoryUrl',
    ]);
    expect(outputs.ModelBuildRepositoryUrl.Value).toBe(BUILD_URL);
    expect(outputs.ModelDeployRepositoryFullName.Value).toBe('acme/ml-platform/model-deploy');
  });
});

describe('gitHttpUrl', () => {
  test.each([
    ['codeconnections', CONNECTION_ARN, 'https://codeconnections.eu-west-1.amazonaws.com/git-http/123456789012/eu-west-1/0123abcd-4567-89ab-cdef-0123456789ab/o/r.git'],
    ['codestar-connections', 'arn:aws:codestar-connections:us-east-1:210987654321:connection/ffffffff-4567-89ab-cdef-0123456789ab',
      'https://codestar-connections.us-east-1.amazonaws.com/git-http/210987654321/us-east-1/ffffffff-4567-89ab-cdef-0123456789ab/o/r.git'],
  ])('follows the %s ARN form', (_form, arn, url) => {
    expect(gitHttpUrl(arn, 'o/r')).toBe(url);
  });
});
