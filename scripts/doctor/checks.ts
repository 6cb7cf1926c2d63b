/**
 * The checks of `npm run doctor`: what would make a project's first deploy or first run fail, asked
 * of the account through {@link DoctorAws} (read-only calls) and judged against a {@link DoctorPlan}
 * (what the project will create and request). No AWS SDK and nothing of lib/ here: the command line
 * (scripts/doctor.ts) builds the plan from the project's settings and the adapter from SDK clients.
 */

/** One line of the report. `problem` blocks (the command exits non-zero); the others do not. */
export interface CheckResult {
  readonly check: string;
  readonly status: 'ok' | 'problem' | 'warning' | 'skipped';
  readonly detail: string;
  /** How to fix a problem (or what to do about a warning or a skipped check). */
  readonly fix?: string;
}

/**
 * One SageMaker quota the project consumes: an instance type for one usage, at a count. The quota
 * names (`ml.m5.xlarge for spot training job usage`) are matched by name: their per-type quota codes
 * could not be confirmed from the documentation. A name Service Quotas does not list gives a `warning`.
 */
export interface InstanceNeed {
  /** The quota's usage, as Service Quotas names it: `<type> for <usage>`. */
  readonly usage: 'training job usage' | 'spot training job usage' | 'processing job usage' | 'transform job usage' | 'endpoint usage';
  readonly instanceType: string;
  /** Instances one run (or the deployed endpoints together) needs at once. */
  readonly count: number;
  /** Who asks for them, for the message (`abalone: TrainAbaloneModel`, `staging endpoint`). */
  readonly requestedBy: readonly string[];
}

/** An account limit the project consumes, and how much of it the project adds. */
export interface HeadroomNeed {
  readonly what: 'IAM roles' | 'EventBridge rules' | 'CodePipeline pipelines' | 'SageMaker pipelines';
  /** How many the project creates, counted in its synthesized templates. */
  readonly adds: number;
}

/** CodeBuild builds the project runs at once in one build environment (a concurrency quota each). */
export interface BuildConcurrencyNeed {
  /**
   * The environment as Service Quotas names its concurrency quota (`Linux/Small` in 'Concurrently
   * running builds for Linux/Small environment'); undefined when the environment type and compute
   * type have no name here (then `environment` says which).
   */
  readonly quotaEnvironment?: string;
  /** `LINUX_CONTAINER BUILD_GENERAL1_SMALL`. */
  readonly environment: string;
  /** Builds at once: each pipeline's largest group of CodeBuild actions that run together, summed over the pipelines (they run independently). */
  readonly builds: number;
  /** The CodeBuild projects of that environment (logical ids). */
  readonly projects: readonly string[];
}

/** Names the project will create that must not exist yet (unless the project's own stack holds them). */
export interface NamesToClaim {
  readonly buckets: readonly string[];
  readonly sageMakerPipelines: readonly string[];
  readonly modelPackageGroups: readonly string[];
  readonly codePipelines: readonly string[];
  readonly repositories: readonly string[];
}

/** Multi-account: what one target account hosts. */
export interface TargetAccountPlan {
  readonly account: string;
  readonly stages: readonly string[];
  /** The name of the stack of the project's resources there, which the deploy pipeline creates. */
  readonly stackName: string;
  readonly endpointNames: readonly string[];
  readonly instances: readonly InstanceNeed[];
}

/** What the project will create and request, from its settings. */
export interface DoctorPlan {
  /** The project stack's name. */
  readonly projectStackName: string;
  /** The lowest CDK bootstrap version the synthesized templates accept. */
  readonly minBootstrapVersion: number;
  /** Multi-account: the project account and each target account with its stack. */
  readonly multiAccount?: {
    readonly projectAccount: string;
    /** The stack of a target account's one-time set-up (`-c prepareTargetAccount=true`). */
    readonly setupStackName: string;
    readonly targets: readonly TargetAccountPlan[];
  };
  /** `sourceProvider=codeconnections`: the connection the project uses. */
  readonly connectionArn?: string;
  /** Names fixed before the deploy (with `projectId`); without it they derive from the new stack's id and cannot collide. */
  readonly names?: NamesToClaim;
  /** Endpoint names of the stages the project account hosts (`<name>-<stage>`: they do not depend on the id). */
  readonly endpointNames: readonly string[];
  /** Instance quotas, for the pipelines and the stages the project account runs. */
  readonly instances: readonly InstanceNeed[];
  readonly headroom: readonly HeadroomNeed[];
  /** CodeBuild concurrency, per build environment. */
  readonly buildConcurrency: readonly BuildConcurrencyNeed[];
}

/** A Service Quotas quota. */
export interface Quota {
  readonly name: string;
  /** Its quota code (`L-244521F2`). */
  readonly code?: string;
  readonly value: number;
}

/**
 * The read-only calls the checks make. A member left out means this installation cannot ask (the
 * SDK client is not installed): its checks report `skipped`, saying so.
 */
export interface DoctorAws {
  /** The region the credentials' configuration names, if any. */
  readonly region: () => Promise<string | undefined>;
  /** Whether the credential chain finds credentials (no call to AWS). */
  readonly hasCredentials: () => Promise<boolean>;
  /** STS GetCallerIdentity. */
  readonly identity?: () => Promise<{ readonly account: string; readonly arn: string }>;
  /** The status and `BootstrapVersion` output of the CDKToolkit stack; undefined when there is none. */
  readonly bootstrapStack: () => Promise<{ readonly status: string; readonly version?: number } | undefined>;
  /** A CloudFormation stack's status; undefined when there is none. */
  readonly stackStatus: (name: string) => Promise<string | undefined>;
  /** S3 HeadBucket: absent (404), this account's (200) or another account's (403). */
  readonly bucketState: (name: string) => Promise<'absent' | 'yours' | 'taken'>;
  readonly sageMakerPipelineExists: (name: string) => Promise<boolean>;
  readonly modelPackageGroupExists: (name: string) => Promise<boolean>;
  readonly endpointExists: (name: string) => Promise<boolean>;
  readonly codePipelineNames: () => Promise<readonly string[]>;
  readonly sageMakerPipelineCount: () => Promise<number>;
  /** CodeCommit GetRepository. */
  readonly repositoryExists?: (name: string) => Promise<boolean>;
  /** CodeConnections GetConnection and ListTagsForResource. */
  readonly connection?: (arn: string) => Promise<{ readonly status: string; readonly tags: Readonly<Record<string, string>> }>;
  /** Service Quotas ListServiceQuotas (applied values) of a service code (`sagemaker`, `iam`, ...). */
  readonly quotas?: (serviceCode: string) => Promise<readonly Quota[]>;
  /** IAM GetAccountSummary: roles used and the account's role quota. */
  readonly roleUsage?: () => Promise<{ readonly used: number; readonly quota: number }>;
  /** EventBridge ListRules on the default event bus: how many rules it holds. */
  readonly eventBridgeRuleCount?: () => Promise<number>;
}

const ok = (check: string, detail: string): CheckResult => ({ check, status: 'ok', detail });
const problem = (check: string, detail: string, fix: string): CheckResult => ({ check, status: 'problem', detail, fix });
const warning = (check: string, detail: string, fix: string): CheckResult => ({ check, status: 'warning', detail, fix });
const skipped = (check: string, detail: string, fix: string): CheckResult => ({ check, status: 'skipped', detail, fix });

/** The SDK client a missing {@link DoctorAws} member needs, for the `skipped` lines. */
const NEEDS: Record<string, string> = {
  identity: '@aws-sdk/client-sts',
  repositoryExists: '@aws-sdk/client-codecommit',
  connection: '@aws-sdk/client-codestar-connections',
  quotas: '@aws-sdk/client-service-quotas',
  roleUsage: '@aws-sdk/client-iam',
};
const notInstalled = (check: string, member: keyof typeof NEEDS, what: string): CheckResult =>
  skipped(check, `not checked: ${what} needs ${NEEDS[member]}, which this installation does not have`, `add ${NEEDS[member]} to the devDependencies`);

/** The message of an AWS error, with its name (AccessDenied, ...), for a `problem` line. */
function describeError(e: unknown): string {
  const name = (e as { name?: string }).name;
  // One line per check: an SDK message may span lines (a deserialization error, say).
  const message = (e instanceof Error ? e.message : String(e)).replace(/\s*\n\s*/g, ' ').trim();
  return name && !message.startsWith(name) ? `${name}: ${message}` : message;
}

/** Runs one check; an AWS error (access denied, throttling) becomes a problem line naming it. */
async function guarded(check: string, run: () => Promise<CheckResult | CheckResult[]>): Promise<CheckResult[]> {
  try {
    const result = await run();
    return Array.isArray(result) ? result : [result];
  } catch (e) {
    return [problem(check, `cannot check: ${describeError(e)}`, 'run the doctor with credentials that may read it (the deploy needs more)')];
  }
}

/** Runs every check of the plan, in report order. Read-only: every call is a Get, List, Describe or Head. */
export async function runChecks(plan: DoctorPlan, aws: DoctorAws): Promise<CheckResult[]> {
  if (!(await aws.hasCredentials())) {
    return [problem('credentials', 'no AWS credentials found', 'set them as for `cdk deploy` (e.g. `export AWS_PROFILE=...`); `aws sts get-caller-identity` must answer')];
  }
  const results: CheckResult[] = [];
  const region = await aws.region();
  if (region === undefined) {
    return [problem('region', 'no region configured', 'set AWS_REGION (or the profile\'s region), as `cdk deploy` needs it too')];
  }
  results.push(ok('region', region));

  // Account: which one, and what it hosts in a multi-account project.
  let account: string | undefined;
  let hostsProject = true;
  let hostsTarget: TargetAccountPlan | undefined;
  if (aws.identity) {
    const identity = await guarded('credentials', async () => {
      const id = await aws.identity!();
      account = id.account;
      return ok('credentials', `account ${id.account} as ${id.arn}`);
    });
    results.push(...identity);
    if (account === undefined) return results;
    if (plan.multiAccount) {
      hostsProject = account === plan.multiAccount.projectAccount;
      hostsTarget = plan.multiAccount.targets.find((t) => t.account === account);
      if (!hostsProject && !hostsTarget) {
        results.push(problem('account', `account ${account} is neither the project account (${plan.multiAccount.projectAccount}) `
          + `nor a target account (${plan.multiAccount.targets.map((t) => t.account).join(', ')})`,
        'run the doctor with the credentials of the account you deploy to'));
        return results;
      }
      results.push(ok('account', `${hostsProject ? 'project account' : ''}${hostsProject && hostsTarget ? ' and ' : ''}`
        + `${hostsTarget ? `target account of ${hostsTarget.stages.join(' and ')}` : ''}`));
      for (const other of plan.multiAccount.targets.filter((t) => t.account !== account)) {
        results.push(skipped(`account ${other.account}`, `target account of ${other.stages.join(' and ')}: checked with its own credentials`,
          `run \`npm run doctor\` (same -c settings) with account ${other.account}'s credentials`));
      }
      if (!hostsProject) {
        results.push(skipped(`account ${plan.multiAccount.projectAccount}`, 'the project account: checked with its own credentials',
          `run \`npm run doctor\` (same -c settings) with account ${plan.multiAccount.projectAccount}'s credentials`));
      }
    }
  } else {
    results.push(ok('credentials', 'found'), notInstalled('account', 'identity', 'which account the credentials belong to'));
  }

  // A target account needs no CDK bootstrap (its set-up has no asset), but its one-time set-up.
  if (hostsProject) results.push(...await guarded('CDK bootstrap', () => bootstrapCheck(plan, aws, account, region)));
  if (hostsTarget) {
    const multi = plan.multiAccount!;
    results.push(...await guarded('target account set-up', async () => setupCheck(multi.setupStackName, multi.projectAccount, account!, region,
      await aws.stackStatus(multi.setupStackName))));
    results.push(...await guarded(`stack ${hostsTarget.stackName}`, async () => stackNameCheck(hostsTarget!.stackName, await aws.stackStatus(hostsTarget!.stackName))));
  }
  if (!hostsProject) {
    const target = { ...plan, endpointNames: hostsTarget!.endpointNames, instances: hostsTarget!.instances };
    results.push(...await guarded('endpoint names', () => endpointChecks(target, aws)));
    results.push(...await guarded('instance quotas', () => quotaChecks(target, aws)));
    return results;
  }

  let projectStack: string | undefined;
  results.push(...await guarded(`stack ${plan.projectStackName}`, async () => {
    projectStack = await aws.stackStatus(plan.projectStackName);
    return stackNameCheck(plan.projectStackName, projectStack);
  }));
  if (plan.connectionArn !== undefined) {
    results.push(...await guarded('connection', () => connectionCheck(plan.connectionArn!, aws)));
  }
  results.push(...await guarded('names', () => nameChecks(plan, aws, projectStack !== undefined)));
  results.push(...await guarded('endpoint names', () => endpointChecks(plan, aws)));
  results.push(...await guarded('instance quotas', () => quotaChecks(plan, aws)));
  results.push(...await guarded('account limits', () => headroomChecks(plan, aws, projectStack !== undefined)));
  results.push(...await guarded('CodeBuild concurrency', () => buildConcurrencyChecks(plan, aws)));
  return results;
}

async function bootstrapCheck(plan: DoctorPlan, aws: DoctorAws, account: string | undefined, region: string): Promise<CheckResult> {
  const command = `npx cdk bootstrap aws://${account ?? '<account>'}/${region}`;
  const stack = await aws.bootstrapStack();
  if (stack === undefined) {
    return problem('CDK bootstrap', `${account === undefined ? 'this account' : `account ${account}`} in ${region} is not bootstrapped (no CDKToolkit stack)`, `run \`${command}\``);
  }
  // UPDATE_ROLLBACK_COMPLETE is a stable state a deploy can use; a failed or rolled-back creation is not.
  if (stack.status === 'ROLLBACK_COMPLETE' || stack.status.endsWith('_FAILED') || stack.status.startsWith('DELETE')) {
    return problem('CDK bootstrap', `the CDKToolkit stack is ${stack.status}`, `fix or delete the CDKToolkit stack, then run \`${command}\``);
  }
  if (stack.version === undefined || stack.version < plan.minBootstrapVersion) {
    return problem('CDK bootstrap', `bootstrap version ${stack.version ?? 'unknown'}; the project's templates need ${plan.minBootstrapVersion} or later`, `run \`${command}\` again (it upgrades)`);
  }
  return ok('CDK bootstrap', `version ${stack.version}`);
}

/**
 * Multi-account: the target account's one-time set-up, whose access role the project's deploy
 * pipeline assumes: its stack must exist and be usable.
 */
function setupCheck(stackName: string, projectAccount: string, account: string, region: string, status: string | undefined): CheckResult {
  const command = `npx cdk deploy -c prepareTargetAccount=true -c projectAccount=${projectAccount} ${stackName}`;
  const check = 'target account set-up';
  if (status === undefined) {
    return problem(check, `account ${account} in ${region} is not prepared (no stack ${stackName}): the deploy pipeline cannot assume its access role`,
      `run \`${command}\` with this account's credentials`);
  }
  if (status === 'ROLLBACK_COMPLETE' || status.endsWith('_FAILED') || status.startsWith('DELETE')) {
    return problem(check, `stack ${stackName} is ${status}`, `fix or delete it, then run \`${command}\``);
  }
  if (status.endsWith('_IN_PROGRESS')) return warning(check, `stack ${stackName} is ${status}`, 'wait until it finishes before deploying');
  return ok(check, `stack ${stackName} (${status}): the project account's deploy pipelines may deploy here`);
}

/** A stack the deploy creates or updates: fine unless it is stuck in a state CloudFormation cannot update. */
function stackNameCheck(name: string, status: string | undefined): CheckResult {
  const check = `stack ${name}`;
  if (status === undefined) return ok(check, 'does not exist yet: the first deploy creates it');
  if (status === 'ROLLBACK_COMPLETE' || status.endsWith('_FAILED')) {
    return problem(check, `exists in state ${status}, which CloudFormation cannot update`, `delete it (\`aws cloudformation delete-stack --stack-name ${name}\`) and deploy again`);
  }
  if (status.endsWith('_IN_PROGRESS')) {
    return warning(check, `is ${status}`, 'wait until it finishes before deploying');
  }
  return ok(check, `exists (${status}): a deploy updates it`);
}

async function connectionCheck(arn: string, aws: DoctorAws): Promise<CheckResult[]> {
  if (!aws.connection) return [notInstalled('connection', 'connection', 'the connection\'s status and tags')];
  const connection = await aws.connection(arn);
  const results: CheckResult[] = [];
  results.push(connection.status === 'AVAILABLE'
    ? ok('connection', `${arn} is AVAILABLE`)
    : problem('connection', `${arn} is ${connection.status}: the seeding and the pipelines' source actions fail until it is AVAILABLE`,
      'complete the handshake in the console (Developer Tools > Settings > Connections > Update pending connection)'));
  results.push(connection.tags.sagemaker === 'true'
    ? ok('connection tag', 'sagemaker=true (Studio lists the connection)')
    : problem('connection tag', 'the connection has no tag sagemaker=true, which SageMaker Studio needs to use it',
      `run \`aws codeconnections tag-resource --resource-arn ${arn} --tags Key=sagemaker,Value=true\``));
  return results;
}

async function nameChecks(plan: DoctorPlan, aws: DoctorAws, projectStackExists: boolean): Promise<CheckResult[]> {
  if (plan.names === undefined) {
    return [ok('names', 'derived from the new stack\'s id at deploy time (no projectId set): they cannot collide')];
  }
  if (projectStackExists) {
    return [ok('names', 'held by the existing project stack (a deploy updates them)')];
  }
  const taken: string[] = [];
  const fixes: string[] = [];
  for (const bucket of plan.names.buckets) {
    const state = await aws.bucketState(bucket);
    if (state === 'yours') taken.push(`bucket ${bucket} (in this account: retained by an earlier project?)`);
    if (state === 'taken') taken.push(`bucket ${bucket} (owned by another account, as bucket names are global, or not readable with these credentials)`);
  }
  for (const name of plan.names.sageMakerPipelines) if (await aws.sageMakerPipelineExists(name)) taken.push(`SageMaker pipeline ${name}`);
  for (const name of plan.names.modelPackageGroups) if (await aws.modelPackageGroupExists(name)) taken.push(`model package group ${name}`);
  const pipelines = new Set(await aws.codePipelineNames());
  for (const name of plan.names.codePipelines) if (pipelines.has(name)) taken.push(`CodePipeline ${name}`);
  const results: CheckResult[] = [];
  if (aws.repositoryExists) {
    for (const name of plan.names.repositories) if (await aws.repositoryExists(name)) taken.push(`CodeCommit repository ${name}`);
  } else if (plan.names.repositories.length > 0) {
    results.push(notInstalled('repository names', 'repositoryExists', 'whether the CodeCommit repositories exist'));
  }
  if (taken.length > 0) fixes.push('delete them (after keeping what you need) or choose another `projectId`');
  results.unshift(taken.length === 0
    ? ok('names', `no bucket, pipeline${plan.names.repositories.length > 0 ? ', model package group or repository' : ' or model package group'} of the project's names exists`)
    : problem('names', `already exist, and the project stack does not hold them: ${taken.join(', ')}`, fixes.join('; ')));
  return results;
}

async function endpointChecks(plan: DoctorPlan, aws: DoctorAws): Promise<CheckResult> {
  const existing: string[] = [];
  for (const name of plan.endpointNames) if (await aws.endpointExists(name)) existing.push(name);
  return existing.length === 0
    ? ok('endpoint names', `${plan.endpointNames.join(', ') || 'none in this account'}: free`)
    : warning('endpoint names', `endpoint ${existing.join(', ')} already exists: the deploy fails unless it belongs to this project's endpoint stack`,
      'delete the other endpoint or choose another `projectName`');
}

async function quotaChecks(plan: DoctorPlan, aws: DoctorAws): Promise<CheckResult[]> {
  if (plan.instances.length === 0) return [ok('instance quotas', 'no instances requested in this account')];
  if (!aws.quotas) return [notInstalled('instance quotas', 'quotas', `the quotas of ${plan.instances.map(describeNeed).join(', ')}`)];
  const quotas = new Map((await aws.quotas('sagemaker')).map((q) => [q.name, q.value]));
  return plan.instances.map((need) => {
    const name = `${need.instanceType} for ${need.usage}`;
    const check = `quota ${name}`;
    const value = quotas.get(name);
    if (value === undefined) {
      return warning(check, `Service Quotas lists no quota of that name in this region (needed: ${need.count}, by ${need.requestedBy.join(', ')})`,
        'check that the instance type is offered in this region');
    }
    return value >= need.count
      ? ok(check, `${value} (needed: ${need.count})`)
      : problem(check, `${value}, but ${need.requestedBy.join(', ')} ${need.requestedBy.length > 1 ? 'need' : 'needs'} ${need.count}`,
        `request an increase to ${need.count} or more (Service Quotas console > Amazon SageMaker > '${name}'), or configure a type you have quota for`);
  });
}

function describeNeed(need: InstanceNeed): string {
  return `${need.count} x ${need.instanceType} for ${need.usage}`;
}

/**
 * The Service Quotas quota of each account limit (IAM roles come from IAM GetAccountSummary, which
 * the IAM guide names for "account-level information about IAM usage and quotas"). Matched by quota
 * code where the code is confirmed from the AWS documentation, else by name, and the line says so:
 * - EventBridge: 'Number of rules', L-244521F2 ("Maximum number of rules an account can have per
 *   event bus"), in the EventBridge User Guide's quotas page (eb-quota).
 * - CodePipeline: the guide words its limit 'Maximum number of total pipelines per Region in an AWS
 *   account' (1000) and gives no quota code; the Service Quotas name here is not confirmed either.
 * - SageMaker: the documentation lists 'Maximum number of pipelines allowed per account' (500)
 *   (found only in a translated page), without a quota code.
 * A quota Service Quotas does not list gives a `warning`, never a false `ok`.
 */
const LIMIT_QUOTAS: Record<Exclude<HeadroomNeed['what'], 'IAM roles'>, { service: string; name: string; code?: string }> = {
  'EventBridge rules': { service: 'events', name: 'Number of rules', code: 'L-244521F2' },
  'CodePipeline pipelines': { service: 'codepipeline', name: 'Number of pipelines per Region' },
  'SageMaker pipelines': { service: 'sagemaker', name: 'Maximum number of pipelines allowed per account' },
};

/** How a quota was found, for the line: by its confirmed code, or by name (no code confirmed). */
function quotaSource(source: { name: string; code?: string }): string {
  return source.code ? `quota ${source.code}` : `quota '${source.name}', matched by name: no quota code confirmed from the AWS documentation`;
}

async function headroomChecks(plan: DoctorPlan, aws: DoctorAws, projectStackExists: boolean): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const need of plan.headroom) {
    const check = `limit ${need.what}`;
    // A deploy of an existing project stack adds nothing: its resources exist.
    const adds = projectStackExists ? 0 : need.adds;
    const addsText = `the project adds ${adds}${projectStackExists ? ' (its stack exists)' : ''}`;
    let used: number | undefined;
    let quota: number | undefined;
    let source = 'IAM GetAccountSummary';
    let uncounted = '';
    if (need.what === 'IAM roles') {
      if (!aws.roleUsage) {
        results.push(notInstalled(check, 'roleUsage', 'the IAM role count'));
        continue;
      }
      ({ used, quota } = await aws.roleUsage());
    } else {
      const limit = LIMIT_QUOTAS[need.what];
      source = quotaSource(limit);
      if (need.what === 'SageMaker pipelines') used = await aws.sageMakerPipelineCount();
      if (need.what === 'CodePipeline pipelines') used = (await aws.codePipelineNames()).length;
      if (need.what === 'EventBridge rules') {
        if (aws.eventBridgeRuleCount) used = await aws.eventBridgeRuleCount();
        else uncounted = '; rules already on the default event bus not counted: no EventBridge client given';
      }
      if (!aws.quotas) {
        results.push(notInstalled(check, 'quotas', `the ${need.what} quota${used === undefined ? '' : ` (${used} used)`}`));
        continue;
      }
      const listed = await aws.quotas(limit.service);
      quota = (limit.code ? listed.find((q) => q.code === limit.code) : undefined)?.value ?? listed.find((q) => q.name === limit.name)?.value;
      if (quota === undefined) {
        results.push(warning(check, `Service Quotas lists no ${quotaSource(limit)} for ${limit.service} (${addsText})`, 'check the limit in the Service Quotas console'));
        continue;
      }
    }
    if ((used ?? 0) + adds > quota) {
      results.push(problem(check, `${used === undefined ? '' : `${used} of `}${quota} used; ${addsText} (${source}${uncounted})`,
        `delete unused ones or request an increase of '${need.what}'`));
    } else {
      results.push(ok(check, `${used === undefined ? `quota ${quota}` : `${used} of ${quota} used`}; ${addsText} (${source}${uncounted})`));
    }
  }
  return results;
}

/**
 * Service Quotas names CodeBuild's concurrency quotas 'Concurrently running builds for <environment>
 * environment'. Matched by name: their quota codes (one per environment) could not be confirmed from
 * the AWS documentation. A build beyond the quota waits in the queue; with a quota of 0 it never starts.
 */
async function buildConcurrencyChecks(plan: DoctorPlan, aws: DoctorAws): Promise<CheckResult[]> {
  if (plan.buildConcurrency.length === 0) return [];
  const by = (need: BuildConcurrencyNeed) => `${need.builds} at once: ${need.projects.join(', ')}`;
  if (!aws.quotas) return [notInstalled('limit CodeBuild concurrency', 'quotas', `the concurrency quotas of ${plan.buildConcurrency.map((n) => n.environment).join(', ')}`)];
  const listed = await aws.quotas('codebuild');
  return plan.buildConcurrency.map((need) => {
    const check = `limit CodeBuild concurrency ${need.quotaEnvironment ?? need.environment}`;
    if (need.quotaEnvironment === undefined) {
      return warning(check, `no Service Quotas name known for build environment ${need.environment} (${by(need)})`, 'check its concurrency quota in the Service Quotas console (AWS CodeBuild)');
    }
    const name = `Concurrently running builds for ${need.quotaEnvironment} environment`;
    const value = listed.find((q) => q.name === name)?.value;
    const source = `'${name}', matched by name: no quota code confirmed from the AWS documentation`;
    if (value === undefined) {
      return warning(check, `Service Quotas lists no ${source} (the project runs ${by(need)})`, 'check the quota in the Service Quotas console (AWS CodeBuild)');
    }
    const fix = `request an increase to ${need.builds} or more (Service Quotas console > AWS CodeBuild > '${name}')`;
    if (value === 0) return problem(check, `0: the project's builds never start (it runs ${by(need)}; ${source})`, fix);
    if (value < need.builds) return warning(check, `${value}; the project runs ${by(need)}: the others wait in the queue (${source})`, fix);
    return ok(check, `${value}; the project runs ${by(need)} (${source})`);
  });
}

/** The report, one line per check: `ok`, `PROBLEM` or `warning`, what was found, and how to fix it. */
export function formatResults(results: readonly CheckResult[]): string {
  const label = { ok: 'ok     ', problem: 'PROBLEM', warning: 'warning', skipped: 'skipped' } as const;
  return results.map((r) => `${label[r.status]}  ${r.check}: ${r.detail}${r.fix ? ` -> ${r.fix}` : ''}\n`).join('');
}

/** Whether anything blocks the deploy or the first run. */
export function blocks(results: readonly CheckResult[]): boolean {
  return results.some((r) => r.status === 'problem');
}
