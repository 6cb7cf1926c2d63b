import { TARGET_SETUP } from '../../lib/contract/accounts';
import { evaluate, multiAccountTemplates, preparedAccount, PROD_ACCOUNT, PROJECT_ACCOUNT, PROJECT_ID, REGION, roleNamed, setupBoundaryArn, setupRoleArn, STAGING_ACCOUNT, TemplateRole, templateRoles, decide, identity, mayDoAnything, SimulatedRequest } from '../support/multi-account';

/**
 * IAM evaluation of a multi-account project with @cloud-copilot/iam-simulate: the synthesized
 * project stack's policies and the templates its deploy pipeline deploys in the target accounts,
 * against the target accounts' one-time set-up (TargetAccountSetupStack), decide requests the way
 * IAM would, same- and cross-account.
 */
const { project, targets } = multiAccountTemplates();
const staging = targets[STAGING_ACCOUNT];
const prod = targets[PROD_ACCOUNT];
const setup: Record<string, ReturnType<typeof preparedAccount>> = { [STAGING_ACCOUNT]: preparedAccount(STAGING_ACCOUNT), [PROD_ACCOUNT]: preparedAccount(PROD_ACCOUNT) };
const OTHER_ACCOUNT = '444444444444';
const GROUP = `mlops-demo-${PROJECT_ID}`;
const roleArn = (account: string, name: string, path = '/') => `arn:aws:iam::${account}:role${path}${name}`;
const accessArn = (account: string) => setupRoleArn(account, TARGET_SETUP.deployAccessRoleName);
const executionArn = (account: string) => setupRoleArn(account, TARGET_SETUP.executionRoleName);
const targetRoleName = (stage: string, kind: string) => `sagemaker-${PROJECT_ID}-${stage}-${kind}`;
const targetRoleArn = (account: string, stage: string, kind: string) => roleArn(account, targetRoleName(stage, kind), TARGET_SETUP.stageRolePath);
const stackArn = (account: string, name: string) => `arn:aws:cloudformation:${REGION}:${account}:stack/${name}/1a2b3c4d-0000-0000-0000-000000000000`;
const stackName = (suffix: string) => `sagemaker-mlops-demo-${PROJECT_ID}-${suffix}`;

/** The project's deploy pipeline role, as the project stack synthesizes it. */
const pipelineRoleName = `sagemaker-${PROJECT_ID}-deploy-pipeline`;
const pipelineRole = roleNamed(project, PROJECT_ACCOUNT, pipelineRoleName);

/** A role's identity policies as the simulator takes them. */

describe('the project\'s deploy pipeline and the prepared accounts', () => {
  const assumeAccess = (principal: string, identityPolicies: SimulatedRequest['identityPolicies'], account: string, trustOf = account) => decide({
    principal, action: 'sts:AssumeRole', resource: accessArn(account), resourceAccount: account, identityPolicies, resourcePolicy: setup[trustOf].access.trust,
  });

  test.each([['staging', STAGING_ACCOUNT], ['prod', PROD_ACCOUNT]])('the synthesized deploy pipeline role assumes the %s account\'s access role', async (_stage, account) => {
    expect(await assumeAccess(roleArn(PROJECT_ACCOUNT, pipelineRoleName), identity(pipelineRole), account)).toBe('Allowed');
  });

  test('its own policy lets it assume no other account\'s access role', async () => {
    expect(await decide({
      principal: roleArn(PROJECT_ACCOUNT, pipelineRoleName), action: 'sts:AssumeRole', resource: accessArn(OTHER_ACCOUNT), resourceAccount: OTHER_ACCOUNT,
      identityPolicies: identity(pipelineRole), resourcePolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' }] },
    })).toBe('ImplicitlyDenied');
  });

  test('a project of another project account cannot, even with the same role name and sts:AssumeRole on *', async () => {
    expect(await assumeAccess(roleArn(OTHER_ACCOUNT, pipelineRoleName), mayDoAnything, PROD_ACCOUNT)).toBe('ImplicitlyDenied');
  });

  test('no other role of the project stack can (but the teardown, below): not the deploy build\'s, not the smoke test\'s', async () => {
    const others = templateRoles(project, PROJECT_ACCOUNT).filter((r) => r.roleName !== pipelineRoleName && r.roleName !== `sagemaker-${PROJECT_ID}-teardown`);
    expect(others.length).toBeGreaterThan(10);
    const smokeBuild = roleArn(PROJECT_ACCOUNT, `sagemaker-${PROJECT_ID}-smoke-test-build`);
    expect(await assumeAccess(smokeBuild, mayDoAnything, STAGING_ACCOUNT)).toBe('ImplicitlyDenied');
    for (const role of others) {
      const assumes = role.statements.filter((s) => JSON.stringify(s.Action).includes('sts:AssumeRole') && JSON.stringify(s.Resource).includes(TARGET_SETUP.path));
      expect([role.logicalId, assumes]).toEqual([role.logicalId, []]);
    }
  });
});

describe('staging cannot change prod', () => {
  const stagingPrincipals = () => [
    [accessArn(STAGING_ACCOUNT), identity(setup[STAGING_ACCOUNT].access)],
    [executionArn(STAGING_ACCOUNT), identity(setup[STAGING_ACCOUNT].execution)],
    ...templateRoles(staging, STAGING_ACCOUNT).map((r) => [roleArn(STAGING_ACCOUNT, r.roleName!, TARGET_SETUP.stageRolePath), identity(r)] as const),
  ] as const;

  test('no identity of the staging account may assume prod\'s access role, even allowed everything', async () => {
    for (const [principal] of stagingPrincipals()) {
      expect([principal, await decide({
        principal, action: 'sts:AssumeRole', resource: accessArn(PROD_ACCOUNT), resourceAccount: PROD_ACCOUNT,
        identityPolicies: mayDoAnything, resourcePolicy: setup[PROD_ACCOUNT].access.trust,
      })]).toEqual([principal, 'ImplicitlyDenied']);
    }
  });

  test('no identity of the staging account may update or delete prod\'s stacks with its own policies', async () => {
    for (const [principal, identityPolicies] of stagingPrincipals()) {
      for (const action of ['cloudformation:UpdateStack', 'cloudformation:DeleteStack']) {
        for (const name of [stackName('deploy-prod'), stackName(`target-${PROD_ACCOUNT}`)]) {
          expect([principal, action, name, await decide({
            principal, action, resource: stackArn(PROD_ACCOUNT, name), resourceAccount: PROD_ACCOUNT, identityPolicies,
            context: { 'cloudformation:RoleArn': executionArn(PROD_ACCOUNT) },
          })]).toEqual([principal, action, name, 'ImplicitlyDenied']);
        }
      }
    }
  });

  test('the staging execution role sets the scaling of this project\'s staging targets, not of prod\'s account', async () => {
    const target = (account: string) => `arn:aws:application-autoscaling:${REGION}:${account}:scalable-target/056d1b9a2b3c4d5e6f7a8b9c0d1e2f3a4b5c`;
    const context = (stage: string) => ({
      'application-autoscaling:service-namespace': 'sagemaker', 'application-autoscaling:scalable-dimension': 'sagemaker:variant:DesiredInstanceCount',
      'aws:ResourceTag/sagemaker:project-id': PROJECT_ID, 'aws:ResourceTag/sagemaker:deployment-stage': stage,
      'aws:RequestTag/sagemaker:project-id': PROJECT_ID, 'aws:RequestTag/sagemaker:deployment-stage': stage,
    });
    for (const action of ['application-autoscaling:RegisterScalableTarget', 'application-autoscaling:PutScalingPolicy']) {
      const asStaging = (account: string, stage: string) => decide({
        principal: executionArn(STAGING_ACCOUNT), action, resource: target(account), resourceAccount: account,
        identityPolicies: identity(setup[STAGING_ACCOUNT].execution), context: context(stage),
      });
      expect([action, await asStaging(STAGING_ACCOUNT, 'staging')]).toEqual([action, 'Allowed']);
      expect([action, await asStaging(PROD_ACCOUNT, 'prod')]).toEqual([action, 'ImplicitlyDenied']);
    }
  });

  test('the staging smoke test\'s role invokes the staging endpoint only, not prod\'s', async () => {
    const smoke = roleNamed(staging, STAGING_ACCOUNT, targetRoleName('staging', 'smoke-test'));
    const invoke = (account: string, endpoint: string) => decide({
      principal: targetRoleArn(STAGING_ACCOUNT, 'staging', 'smoke-test'), action: 'sagemaker:InvokeEndpoint',
      resource: `arn:aws:sagemaker:${REGION}:${account}:endpoint/${endpoint}`, resourceAccount: account,
      identityPolicies: identity(smoke), boundary: setup[STAGING_ACCOUNT].boundary, context: { 'aws:ResourceTag/sagemaker:project-id': PROJECT_ID },
    });
    expect(await invoke(STAGING_ACCOUNT, 'mlops-demo-staging')).toBe('Allowed');
    expect(await invoke(STAGING_ACCOUNT, 'mlops-demo-prod')).toBe('ImplicitlyDenied');
    expect(await invoke(PROD_ACCOUNT, 'mlops-demo-prod')).toBe('ImplicitlyDenied');
  });
});

describe('what the pipeline deploys in a target account, the set-up\'s execution role may create', () => {
  /** The request CloudFormation makes, as the execution role, to create each resource of the template. */
  const creations = (template: typeof prod, account: string): Array<[string, string, string, Record<string, string | string[]>]> => {
    const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>;
    const tagged = { 'aws:RequestTag/sagemaker:project-id': PROJECT_ID, 'aws:TagKeys': ['sagemaker:project-id'] };
    const boundary = { 'iam:PermissionsBoundary': setupBoundaryArn(account) };
    return Object.entries(resources).flatMap(([id, r]): Array<[string, string, string, Record<string, string | string[]>]> => {
      const p = evaluate(r.Properties, account) as Record<string, string>;
      switch (r.Type) {
        case 'AWS::IAM::Role': return [[id, 'iam:CreateRole', roleArn(account, p.RoleName, p.Path), boundary],
          [id, 'iam:TagRole', roleArn(account, p.RoleName, p.Path), {}]];
        case 'AWS::KMS::Key': return [[id, 'kms:CreateKey', '*', tagged]];
        case 'AWS::KMS::Alias': return [[id, 'kms:CreateAlias', `arn:aws:kms:${REGION}:${account}:${p.AliasName}`, {}]];
        case 'AWS::S3::Bucket': return ['s3:CreateBucket', 's3:PutBucketPolicy', 's3:PutBucketNotification', 's3:PutEncryptionConfiguration',
          's3:PutLifecycleConfiguration', 's3:PutBucketVersioning', 's3:PutBucketLogging', 's3:PutBucketTagging', 's3:PutBucketPublicAccessBlock',
          's3:PutBucketOwnershipControls'].map((a) => [id, a, `arn:aws:s3:::${p.BucketName}`, {}]);
        case 'AWS::SNS::Topic': return [[id, 'sns:CreateTopic', `arn:aws:sns:${REGION}:${account}:${p.TopicName}`, {}]];
        default: return [];
      }
    });
  };

  test.each([['staging', STAGING_ACCOUNT], ['prod', PROD_ACCOUNT]])('every role, key, alias, bucket and topic of the %s account template', async (_stage, account) => {
    const requests = creations(targets[account], account);
    expect(requests.length).toBeGreaterThan(20);
    for (const [id, action, resource, context] of requests) {
      expect([id, action, await decide({
        principal: executionArn(account), action, resource, resourceAccount: account, identityPolicies: identity(setup[account].execution), context,
      })]).toEqual([id, action, 'Allowed']);
    }
  });

  test.each([['staging', STAGING_ACCOUNT], ['prod', PROD_ACCOUNT]])('the %s model role, under the boundary, reads model artifacts and writes data capture', async (stage, account) => {
    // The buckets' ARNs as IAM sees them.
    const bucketArn = (name: string) => `arn:aws:s3:::${name}`;
    const bucketIds = (template: typeof prod) => Object.fromEntries(Object.entries(template.findResources('AWS::S3::Bucket'))
      .map(([id, b]) => [`${id}.Arn`, bucketArn(String(b.Properties.BucketName))]));
    const capture = `sagemaker-project-${PROJECT_ID}-capture-${account}`;
    const model = roleNamed(targets[account], account, targetRoleName(stage, 'model'), bucketIds(targets[account]));
    const projectBucket = `sagemaker-project-${PROJECT_ID}`;
    const artifactPolicy = { Version: '2012-10-17', Statement: Object.values(project.findResources('AWS::S3::BucketPolicy'))
      .flatMap((p) => (evaluate(p.Properties.PolicyDocument, PROJECT_ACCOUNT, { 'ProjectArtifactStoreBucketA8ED1D3C.Arn': `arn:aws:s3:::${projectBucket}` }) as
        { Statement: Array<Record<string, unknown>> }).Statement)
      .filter((st) => JSON.stringify(st.Resource).includes(`arn:aws:s3:::${projectBucket}/`)) };
    const asModel = (action: string, resource: string, resourceAccount: string, context: Record<string, string>, resourcePolicy?: unknown) => decide({
      principal: targetRoleArn(account, stage, 'model'), action, resource, resourceAccount, identityPolicies: identity(model),
      boundary: setup[account].boundary, context, resourcePolicy,
    });
    expect(await asModel('s3:GetObject', `arn:aws:s3:::${projectBucket}/${GROUP}/model.tar.gz`, PROJECT_ACCOUNT,
      { 's3:ResourceAccount': PROJECT_ACCOUNT }, artifactPolicy)).toBe('Allowed');
    expect(await asModel('s3:PutObject', `arn:aws:s3:::${capture}/datacapture-${stage}/x.jsonl`, account,
      { 's3:ResourceAccount': account })).toBe('Allowed');
    expect(await asModel('s3:PutObject', `arn:aws:s3:::${capture}/datacapture-other/x.jsonl`, account,
      { 's3:ResourceAccount': account })).toBe('ImplicitlyDenied');
  });
});

describe('a batch stage in a target account (the deploy seed\'s "inference": "batch"), under the set-up\'s boundary', () => {
  const OTHER_PROJECT = 'p-zzzzzzzzzzzz';
  const capture = (account: string, id = PROJECT_ID) => `arn:aws:s3:::sagemaker-project-${id}-capture-${account}`;
  const keyArn = (account: string) => `arn:aws:kms:${REGION}:${account}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
  // Buckets and the key with the ARNs IAM sees (the simulator does not match placeholders as a reader would).
  const attributes = (account: string) => {
    const template = targets[account];
    return {
      ...Object.fromEntries(Object.entries(template.findResources('AWS::S3::Bucket')).map(([id, b]) => [`${id}.Arn`, `arn:aws:s3:::${String(b.Properties.BucketName)}`])),
      ...Object.fromEntries(Object.keys(template.findResources('AWS::KMS::Key')).map((id) => [`${id}.Arn`, keyArn(account)])),
    };
  };
  // The account's key policy defers to IAM (the default policy), as KMS needs for any IAM grant to count.
  const keyPolicy = (account: string) => ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'kms:*', Resource: '*' }] });
  const as = (account: string, stage: string, kind: string) => {
    const role = roleNamed(targets[account], account, targetRoleName(stage, kind), attributes(account));
    return (action: string, resource: string, context: Record<string, string | string[]> = {}, resourcePolicy?: unknown) => decide({
      principal: targetRoleArn(account, stage, kind), action, resource, resourceAccount: account,
      identityPolicies: identity(role), boundary: setup[account].boundary, context, resourcePolicy,
    });
  };
  const inAccount = (account: string) => ({ 's3:ResourceAccount': account });
  const tagged = { 'aws:RequestTag/sagemaker:project-id': PROJECT_ID, 'aws:TagKeys': ['sagemaker:project-id'] };
  const job = (account: string, name: string) => `arn:aws:sagemaker:${REGION}:${account}:transform-job/${name}`;

  test.each([['staging', STAGING_ACCOUNT, 'prod'], ['prod', PROD_ACCOUNT, 'staging']])('the %s model role reads and lists its input and writes its output, with the account\'s key through S3', async (stage, account) => {
    const model = as(account, stage, 'model');
    expect(await model('s3:GetObject', `${capture(account)}/batch-input/${stage}/day.csv`, inAccount(account))).toBe('Allowed');
    expect(await model('s3:ListBucket', capture(account), { ...inAccount(account), 's3:prefix': `batch-input/${stage}/` })).toBe('Allowed');
    expect(await model('s3:PutObject', `${capture(account)}/batch-output/${stage}/run/day.csv.out`, inAccount(account))).toBe('Allowed');
    expect(await model('kms:GenerateDataKey', keyArn(account), { 'kms:ViaService': `s3.${REGION}.amazonaws.com`, 'aws:ResourceTag/sagemaker:project-id': PROJECT_ID },
      keyPolicy(account))).toBe('Allowed');
  });

  test.each([['staging', STAGING_ACCOUNT, 'prod'], ['prod', PROD_ACCOUNT, 'staging']])('the %s model role cannot reach the other stage\'s or another project\'s batch folders', async (stage, account, other) => {
    const model = as(account, stage, 'model');
    for (const [action, resource] of [
      ['s3:GetObject', `${capture(account)}/batch-input/${other}/day.csv`],
      ['s3:PutObject', `${capture(account)}/batch-output/${other}/run/day.csv.out`],
      ['s3:GetObject', `${capture(account, OTHER_PROJECT)}/batch-input/${stage}/day.csv`],
      ['s3:PutObject', `${capture(account, OTHER_PROJECT)}/batch-output/${stage}/run/day.csv.out`],
      ['s3:PutObject', `${capture(account)}/batch-input/${stage}/day.csv`],
    ]) {
      expect([action, resource, await model(action, resource, inAccount(account))]).toEqual([action, resource, 'ImplicitlyDenied']);
    }
    expect(await model('s3:ListBucket', capture(account), { ...inAccount(account), 's3:prefix': `batch-input/${other}/` })).toBe('ImplicitlyDenied');
    expect(await model('kms:GenerateDataKey', keyArn(account), { 'aws:ResourceTag/sagemaker:project-id': PROJECT_ID }, keyPolicy(account))).toBe('ImplicitlyDenied');
  });

  test.each([['staging', STAGING_ACCOUNT, 'prod'], ['prod', PROD_ACCOUNT, 'staging']])('the %s schedule role starts this project\'s %s jobs only, with volume key grants for AWS resources only', async (stage, account, other) => {
    const schedule = as(account, stage, 'batch-schedule');
    expect(await schedule('sagemaker:CreateTransformJob', job(account, `mlops-demo-${stage}-run1`), tagged)).toBe('Allowed');
    expect(await schedule('sagemaker:CreateTransformJob', job(account, `mlops-demo-${other}-run1`), tagged)).toBe('ImplicitlyDenied');
    expect(await schedule('sagemaker:CreateTransformJob', job(account, `mlops-demo-${stage}-run1`),
      { ...tagged, 'aws:RequestTag/sagemaker:project-id': OTHER_PROJECT })).toBe('ImplicitlyDenied');
    expect(await schedule('sagemaker:CreateTransformJob', job(account, `mlops-demo-${stage}-run1`))).toBe('ImplicitlyDenied');
    const grant = (forAwsResource: string) => schedule('kms:CreateGrant', keyArn(account),
      { 'kms:GrantIsForAWSResource': forAwsResource, 'aws:ResourceTag/sagemaker:project-id': PROJECT_ID }, keyPolicy(account));
    expect(await grant('true')).toBe('Allowed');
    expect(await grant('false')).toBe('ImplicitlyDenied');
  });

  test('the schedule role is trusted by EventBridge Scheduler for its own stage\'s schedule group in its account only', () => {
    const role = roleNamed(targets[PROD_ACCOUNT], PROD_ACCOUNT, targetRoleName('prod', 'batch-schedule'));
    expect(role.trust.Statement).toEqual([expect.objectContaining({
      Principal: { Service: 'scheduler.amazonaws.com' },
      Condition: { StringEquals: { 'aws:SourceAccount': PROD_ACCOUNT, 'aws:SourceArn': `arn:aws:scheduler:${REGION}:${PROD_ACCOUNT}:schedule-group/mlops-demo-prod-batch` } },
    })]);
  });

  test('the staging smoke-test role runs the batch staging test there, and nothing of prod\'s', async () => {
    const smoke = as(STAGING_ACCOUNT, 'staging', 'smoke-test');
    const stagingStack = stackArn(STAGING_ACCOUNT, stackName('deploy-staging'));
    expect(await smoke('cloudformation:DescribeStacks', stagingStack)).toBe('Allowed');
    expect(await smoke('s3:PutObject', `${capture(STAGING_ACCOUNT)}/batch-input/smoke-test/t1/sample`, inAccount(STAGING_ACCOUNT))).toBe('Allowed');
    expect(await smoke('s3:GetObject', `${capture(STAGING_ACCOUNT)}/batch-output/smoke-test/t1/sample.out`, inAccount(STAGING_ACCOUNT))).toBe('Allowed');
    expect(await smoke('sagemaker:CreateTransformJob', job(STAGING_ACCOUNT, 'mlops-demo-staging-t1'), tagged)).toBe('Allowed');
    expect(await smoke('sagemaker:DescribeTransformJob', job(STAGING_ACCOUNT, 'mlops-demo-staging-t1'), { 'aws:ResourceTag/sagemaker:project-id': PROJECT_ID })).toBe('Allowed');
    for (const [action, resource] of [
      ['cloudformation:DescribeStacks', stackArn(STAGING_ACCOUNT, stackName('deploy-prod'))],
      ['s3:PutObject', `${capture(STAGING_ACCOUNT)}/batch-input/staging/day.csv`],
      ['s3:GetObject', `${capture(STAGING_ACCOUNT)}/batch-output/staging/run/day.csv.out`],
      ['s3:GetObject', `${capture(STAGING_ACCOUNT, OTHER_PROJECT)}/batch-output/smoke-test/t1/sample.out`],
    ]) {
      expect([action, resource, await smoke(action, resource, inAccount(STAGING_ACCOUNT))]).toEqual([action, resource, 'ImplicitlyDenied']);
    }
    expect(await smoke('sagemaker:CreateTransformJob', job(STAGING_ACCOUNT, 'mlops-demo-prod-t1'), tagged)).toBe('ImplicitlyDenied');
    expect(await smoke('sagemaker:DescribeTransformJob', job(STAGING_ACCOUNT, 'mlops-demo-staging-t1'), { 'aws:ResourceTag/sagemaker:project-id': OTHER_PROJECT }))
      .toBe('ImplicitlyDenied');
  });

  test('the project stack passes each target stage\'s schedule role, by the naming contract, to the deploy build', () => {
    const build = Object.values(project.findResources('AWS::CodeBuild::Project')).find((p) => JSON.stringify(p).includes('BATCH_SCHEDULE_ROLES'))!;
    const variable = (build.Properties.Environment.EnvironmentVariables as Array<{ Name: string; Value: unknown }>).find((v) => v.Name === 'BATCH_SCHEDULE_ROLES')!;
    expect(JSON.parse(String(evaluate(variable.Value, PROJECT_ACCOUNT)))).toEqual({
      staging: targetRoleArn(STAGING_ACCOUNT, 'staging', 'batch-schedule'),
      prod: targetRoleArn(PROD_ACCOUNT, 'prod', 'batch-schedule'),
    });
  });
});

describe('the model registry, read from a target account', () => {
  const groupPolicy = evaluate(Object.values(project.findResources('AWS::SageMaker::ModelPackageGroup'))[0].Properties.ModelPackageGroupPolicy, PROJECT_ACCOUNT);
  const packageArn = (group: string) => `arn:aws:sagemaker:${REGION}:${PROJECT_ACCOUNT}:model-package/${group}/3`;
  const request = (principal: string, action: string, group: string, resourcePolicy: unknown, identityPolicies: SimulatedRequest['identityPolicies']) => decide({
    principal, action, resource: packageArn(group), resourceAccount: PROJECT_ACCOUNT, identityPolicies, resourcePolicy,
  });
  const stagingModel = roleNamed(staging, STAGING_ACCOUNT, targetRoleName('staging', 'model'));
  const prodModel = roleNamed(prod, PROD_ACCOUNT, targetRoleName('prod', 'model'));

  test('the staging and prod model roles read this group\'s packages', async () => {
    expect(await request(targetRoleArn(STAGING_ACCOUNT, 'staging', 'model'), 'sagemaker:DescribeModelPackage', GROUP, groupPolicy, identity(stagingModel))).toBe('Allowed');
    expect(await request(targetRoleArn(PROD_ACCOUNT, 'prod', 'model'), 'sagemaker:DescribeModelPackage', GROUP, groupPolicy, identity(prodModel))).toBe('Allowed');
  });

  test('the prepared account\'s execution role reads them to create models; its access role cannot', async () => {
    // (CreateModel itself is authorized on the model in IAM's reference; the package is read with DescribeModelPackage.)
    expect(await request(executionArn(PROD_ACCOUNT), 'sagemaker:DescribeModelPackage', GROUP, groupPolicy, identity(setup[PROD_ACCOUNT].execution))).toBe('Allowed');
    expect(await request(accessArn(PROD_ACCOUNT), 'sagemaker:DescribeModelPackage', GROUP, groupPolicy, mayDoAnything)).toBe('ImplicitlyDenied');
  });

  test('the model role cannot read another group\'s packages, even one shared with its whole account', async () => {
    const sharedWithAccount = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${STAGING_ACCOUNT}:root` }, Action: 'sagemaker:DescribeModelPackage', Resource: packageArn('other-p-zzz000000000') }],
    };
    expect(await request(targetRoleArn(STAGING_ACCOUNT, 'staging', 'model'), 'sagemaker:DescribeModelPackage', 'other-p-zzz000000000', sharedWithAccount,
      identity(stagingModel))).toBe('ImplicitlyDenied');
  });

  test('another role of the staging account cannot read this group, whatever its own policies allow', async () => {
    expect(await request(targetRoleArn(STAGING_ACCOUNT, 'staging', 'smoke-test'), 'sagemaker:DescribeModelPackage', GROUP, groupPolicy, mayDoAnything))
      .toBe('ImplicitlyDenied');
  });
});

describe('the project\'s image repository, pulled from a target account', () => {
  const repository = `arn:aws:ecr:${REGION}:${PROJECT_ACCOUNT}:repository/sagemaker-project-${PROJECT_ID}`;
  const policy = evaluate(Object.values(project.findResources('AWS::ECR::Repository'))[0].Properties.RepositoryPolicyText, PROJECT_ACCOUNT) as { Statement: object[] };
  // A repository policy names no resource: it is the repository's.
  const repositoryPolicy = { ...policy, Statement: policy.Statement.map((s) => ({ ...s, Resource: repository })) };
  const pull = (role: TemplateRole, account: string, resource = repository, identityPolicies = identity(role)) => decide({
    principal: roleArn(account, role.roleName!, TARGET_SETUP.stageRolePath),
    action: 'ecr:BatchGetImage',
    resource,
    resourceAccount: PROJECT_ACCOUNT,
    identityPolicies,
    resourcePolicy: repositoryPolicy,
  });

  test('the staging and prod model roles pull the project\'s images', async () => {
    expect(await pull(roleNamed(staging, STAGING_ACCOUNT, targetRoleName('staging', 'model')), STAGING_ACCOUNT)).toBe('Allowed');
    expect(await pull(roleNamed(prod, PROD_ACCOUNT, targetRoleName('prod', 'model')), PROD_ACCOUNT)).toBe('Allowed');
  });

  test('another role of the staging account cannot pull, whatever its own policies allow', async () => {
    const smokeTest = roleNamed(staging, STAGING_ACCOUNT, targetRoleName('staging', 'smoke-test'));
    const anything = [{ name: 'PullAnything', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ecr:BatchGetImage', Resource: '*' }] } }];
    expect(await pull(smokeTest, STAGING_ACCOUNT, repository, anything)).toBe('ImplicitlyDenied');
  });
});

describe('the project\'s teardown in the prepared accounts', () => {
  const TAG = 'sagemaker:project-id';
  const OTHER_ID = 'p-zzz999zzz999';
  const teardownName = (id: string) => `sagemaker-${id}-teardown`;
  /** The project's teardown role, as the project stack synthesizes it. */
  const teardown = roleNamed(project, PROJECT_ACCOUNT, teardownName(PROJECT_ID));
  const session = (id: string) => ({ [`aws:RequestTag/${TAG}`]: id, 'aws:TagKeys': [TAG] });

  /** A role of `account` named `name` and tagged with `tag` assumes the access role of `target`, asking for the session tag `id`. */
  const assume = (action: string, principal: string, tag: string, id: string, identityPolicies: SimulatedRequest['identityPolicies'], target = PROD_ACCOUNT) => decide({
    principal, action, resource: accessArn(target), resourceAccount: target, identityPolicies, resourcePolicy: setup[target].access.trust,
    context: { [`aws:PrincipalTag/${TAG}`]: tag, ...session(id) },
  });

  test('carries the project tag, under the name the access roles trust', () => {
    const [role] = Object.values(project.findResources('AWS::IAM::Role', { Properties: { RoleName: teardownName(PROJECT_ID) } }));
    expect(role.Properties.Tags).toContainEqual({ Key: TAG, Value: PROJECT_ID });
  });

  test.each([['staging', STAGING_ACCOUNT], ['prod', PROD_ACCOUNT]])('assumes the %s account\'s access role with its own project\'s session tag', async (_stage, account) => {
    for (const action of ['sts:AssumeRole', 'sts:TagSession']) {
      expect([action, await assume(action, roleArn(PROJECT_ACCOUNT, teardownName(PROJECT_ID)), PROJECT_ID, PROJECT_ID, identity(teardown), account)])
        .toEqual([action, 'Allowed']);
    }
  });

  test.each([
    ['its own role, asking for another project\'s session tag', teardownName(PROJECT_ID), PROJECT_ID, OTHER_ID, PROJECT_ACCOUNT],
    ['another project\'s teardown, asking for this project\'s tag', teardownName(OTHER_ID), OTHER_ID, PROJECT_ID, PROJECT_ACCOUNT],
    ['another project\'s teardown tagged with this project\'s id', teardownName(OTHER_ID), PROJECT_ID, PROJECT_ID, PROJECT_ACCOUNT],
    ['a role of another account with the same name and tag', teardownName(PROJECT_ID), PROJECT_ID, PROJECT_ID, OTHER_ACCOUNT],
    ['the project\'s deploy pipeline role, tagged', pipelineRoleName, PROJECT_ID, PROJECT_ID, PROJECT_ACCOUNT],
    ['a role outside the teardown name pattern whose name holds its tag', 'sagemaker-admin-teardown', 'admin', 'admin', PROJECT_ACCOUNT],
  ])('the trust refuses %s, whatever its own policies allow', async (_what, name, tag, id, account) => {
    expect(await assume('sts:TagSession', roleArn(account, name), tag, id, mayDoAnything)).toBe('ImplicitlyDenied');
  });

  test.each([
    ['a Studio template\'s (path /sagemaker-mlops-project/)', '/sagemaker-mlops-project/', 'Allowed'],
    ['at another path', '/other/', 'ImplicitlyDenied'],
  ])('the trust takes a teardown role at %s: %s', async (_what, path, expected) => {
    for (const action of ['sts:AssumeRole', 'sts:TagSession']) {
      expect([action, await assume(action, roleArn(PROJECT_ACCOUNT, teardownName(PROJECT_ID), path), PROJECT_ID, PROJECT_ID, mayDoAnything)])
        .toEqual([action, expected]);
    }
  });

  test('its own policy asks for no other session tag', async () => {
    expect(await assume('sts:TagSession', roleArn(PROJECT_ACCOUNT, teardownName(PROJECT_ID)), PROJECT_ID, OTHER_ID, identity(teardown))).toBe('ImplicitlyDenied');
  });

  /** A request of an access role session tagged with project `id` (a teardown's), in the prod account. */
  const asSession = (id: string, action: string, resource: string, context: Record<string, string> = {}) => decide({
    principal: accessArn(PROD_ACCOUNT), action, resource, resourceAccount: PROD_ACCOUNT, identityPolicies: identity(setup[PROD_ACCOUNT].access),
    context: { [`aws:PrincipalTag/${TAG}`]: id, ...context },
  });
  const withExecutionRole = { 'cloudformation:RoleArn': executionArn(PROD_ACCOUNT) };
  const ownStacks = [stackName('deploy-prod'), stackName(`target-${PROD_ACCOUNT}`)];
  const otherStacks = [`sagemaker-other-${OTHER_ID}-deploy-prod`, `sagemaker-other-${OTHER_ID}-target-${PROD_ACCOUNT}`];

  test('its session deletes and reads its own project\'s stacks there, with the execution role', async () => {
    for (const name of ownStacks) {
      expect([name, await asSession(PROJECT_ID, 'cloudformation:DeleteStack', stackArn(PROD_ACCOUNT, name), withExecutionRole)]).toEqual([name, 'Allowed']);
      expect([name, await asSession(PROJECT_ID, 'cloudformation:DescribeStacks', stackArn(PROD_ACCOUNT, name))]).toEqual([name, 'Allowed']);
    }
    expect(await asSession(PROJECT_ID, 'iam:PassRole', executionArn(PROD_ACCOUNT), { 'iam:PassedToService': 'cloudformation.amazonaws.com' })).toBe('Allowed');
  });

  test('another project\'s teardown session cannot delete this project\'s stacks, nor this one another\'s', async () => {
    for (const name of ownStacks) {
      expect([name, await asSession(OTHER_ID, 'cloudformation:DeleteStack', stackArn(PROD_ACCOUNT, name), withExecutionRole)]).toEqual([name, 'ImplicitlyDenied']);
    }
    for (const name of otherStacks) {
      expect([name, await asSession(PROJECT_ID, 'cloudformation:DeleteStack', stackArn(PROD_ACCOUNT, name), withExecutionRole)]).toEqual([name, 'ImplicitlyDenied']);
    }
  });

  test.each([
    ['delete its stack with its own rights (no execution role)', 'cloudformation:DeleteStack', stackArn(PROD_ACCOUNT, stackName('deploy-prod')), {}],
    ['update its stack', 'cloudformation:UpdateStack', stackArn(PROD_ACCOUNT, stackName('deploy-prod')), withExecutionRole],
    ['create a stack', 'cloudformation:CreateStack', stackArn(PROD_ACCOUNT, stackName('deploy-prod')), withExecutionRole],
    ['delete the account\'s set-up stack', 'cloudformation:DeleteStack', stackArn(PROD_ACCOUNT, TARGET_SETUP.stackName), withExecutionRole],
    ['read the pipeline\'s run artifacts', 's3:GetObject', `arn:aws:s3:::sagemaker-project-${PROJECT_ID}-pipeline-artifacts/x`, { 's3:ResourceAccount': PROJECT_ACCOUNT }],
  ])('its session cannot %s', async (_what, action, resource, context) => {
    expect(await asSession(PROJECT_ID, action, resource, context)).toBe('ImplicitlyDenied');
  });

  describe('running batch transforms', () => {
    const jobArn = (name: string) => `arn:aws:sagemaker:${REGION}:${PROD_ACCOUNT}:transform-job/${name}`;
    const ownJob = jobArn('mlops-demo-prod-r0123456789abcde');
    const tagged = (id?: string): Record<string, string> => (id === undefined ? {} : { [`aws:ResourceTag/${TAG}`]: id });

    test('its session lists the jobs, reads a stage job\'s tags and stops its own project\'s job', async () => {
      expect(await asSession(PROJECT_ID, 'sagemaker:ListTransformJobs', '*')).toBe('Allowed');
      for (const id of [PROJECT_ID, OTHER_ID, undefined]) {
        expect([id, await asSession(PROJECT_ID, 'sagemaker:ListTags', ownJob, tagged(id))]).toEqual([id, 'Allowed']);
      }
      expect(await asSession(PROJECT_ID, 'sagemaker:StopTransformJob', ownJob, tagged(PROJECT_ID))).toBe('Allowed');
      expect(await asSession(PROJECT_ID, 'sagemaker:StopTransformJob', jobArn('mlops-demo-staging-r1'), tagged(PROJECT_ID))).toBe('Allowed');
    });

    test.each([
      ['another project\'s job (another tag)', ownJob, OTHER_ID],
      ['an untagged job', ownJob, undefined],
      ['a job of no batch stage, though tagged with its id', jobArn('mlops-demo-dev-r1'), PROJECT_ID],
    ])('its session cannot stop %s', async (_what, job, id) => {
      expect(await asSession(PROJECT_ID, 'sagemaker:StopTransformJob', job, tagged(id))).toBe('ImplicitlyDenied');
    });

    test('another project\'s teardown session cannot stop this project\'s job', async () => {
      expect(await asSession(OTHER_ID, 'sagemaker:StopTransformJob', ownJob, tagged(PROJECT_ID))).toBe('ImplicitlyDenied');
    });

    test('its session cannot start, describe or delete the tags of a job', async () => {
      for (const action of ['sagemaker:CreateTransformJob', 'sagemaker:DescribeTransformJob', 'sagemaker:DeleteTags', 'sagemaker:AddTags']) {
        expect([action, await asSession(PROJECT_ID, action, ownJob, { ...tagged(PROJECT_ID), [`aws:RequestTag/${TAG}`]: PROJECT_ID })]).toEqual([action, 'ImplicitlyDenied']);
      }
    });

    test('a deploy pipeline\'s session (no project tag) may neither list nor stop jobs', async () => {
      for (const [action, resource] of [['sagemaker:ListTransformJobs', '*'], ['sagemaker:ListTags', ownJob], ['sagemaker:StopTransformJob', ownJob]]) {
        expect([action, await decide({
          principal: accessArn(PROD_ACCOUNT), action, resource, resourceAccount: PROD_ACCOUNT,
          identityPolicies: identity(setup[PROD_ACCOUNT].access), context: tagged(PROJECT_ID),
        })]).toEqual([action, 'ImplicitlyDenied']);
      }
    });
  });

  test('a deploy pipeline\'s session (no project tag) still runs stage stacks as before', async () => {
    expect(await decide({
      principal: accessArn(PROD_ACCOUNT), action: 'cloudformation:UpdateStack', resource: stackArn(PROD_ACCOUNT, stackName('deploy-prod')), resourceAccount: PROD_ACCOUNT,
      identityPolicies: identity(setup[PROD_ACCOUNT].access), context: withExecutionRole,
    })).toBe('Allowed');
  });
});
