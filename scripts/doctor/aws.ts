/**
 * {@link DoctorAws} from the AWS SDK clients: CloudFormation, S3, SageMaker, CodePipeline, STS,
 * CodeCommit, CodeStar Connections, Service Quotas and IAM. Every call is read-only (Describe, Get,
 * List, Head).
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CodeCommitClient, GetRepositoryCommand } from '@aws-sdk/client-codecommit';
import { CodePipelineClient, paginateListPipelines } from '@aws-sdk/client-codepipeline';
import { EventBridgeClient, ListRulesCommand } from '@aws-sdk/client-eventbridge';
import { CodeStarConnectionsClient, GetConnectionCommand, ListTagsForResourceCommand } from '@aws-sdk/client-codestar-connections';
import { GetAccountSummaryCommand, IAMClient } from '@aws-sdk/client-iam';
import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import {
  DescribeEndpointCommand, DescribeModelPackageGroupCommand, DescribePipelineCommand, paginateListPipelines as paginateSageMakerPipelines, SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { paginateListAWSDefaultServiceQuotas, paginateListServiceQuotas, ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import type { DoctorAws, Quota } from './checks';

/** Client settings (tests point them at moto_server). */
export interface AdapterConfig {
  readonly region?: string;
  readonly endpoint?: string;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** The CDK bootstrap stack's name. @default 'CDKToolkit' */
  readonly toolkitStackName?: string;
}

/** Whether an error is the service's "it does not exist". */
function isMissing(e: unknown): boolean {
  const err = e as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  return err.name === 'ResourceNotFound' || err.name === 'ResourceNotFoundException' || err.name === 'NotFound'
    || err.name === 'RepositoryDoesNotExistException'
    || err.name === 'NoSuchBucket' || err.$metadata?.httpStatusCode === 404
    || (err.name === 'ValidationError' && /does not exist/.test(err.message ?? ''))
    || (err.name === 'ValidationException' && /(does not exist|not found|Could not find)/i.test(err.message ?? ''));
}

async function existsOr404(call: () => Promise<unknown>): Promise<boolean> {
  try {
    await call();
    return true;
  } catch (e) {
    if (isMissing(e)) return false;
    throw e;
  }
}

/** The adapter: clients in the configured (or the credentials' default) region. */
export function sdkDoctorAws(config: AdapterConfig = {}): DoctorAws {
  const common = {
    ...(config.region ? { region: config.region } : {}),
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    ...(config.credentials ? { credentials: config.credentials } : {}),
  };
  const cfn = new CloudFormationClient(common);
  const s3 = new S3Client({ ...common, forcePathStyle: config.endpoint !== undefined });
  const sagemaker = new SageMakerClient(common);
  const codepipeline = new CodePipelineClient(common);
  const sts = new STSClient(common);
  const codecommit = new CodeCommitClient(common);
  const serviceQuotas = new ServiceQuotasClient(common);
  const iam = new IAMClient(common);
  const events = new EventBridgeClient(common);
  const quotaCache = new Map<string, Promise<readonly Quota[]>>();

  const stackStatus = async (name: string) => {
    try {
      const out = await cfn.send(new DescribeStacksCommand({ StackName: name }));
      return out.Stacks?.[0];
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw e;
    }
  };
  return {
    region: async () => {
      try {
        return await cfn.config.region();
      } catch {
        return undefined;
      }
    },
    hasCredentials: async () => {
      if (config.credentials) return true;
      try {
        await fromNodeProviderChain()();
        return true;
      } catch {
        return false;
      }
    },
    bootstrapStack: async () => {
      const stack = await stackStatus(config.toolkitStackName ?? 'CDKToolkit');
      if (stack === undefined) return undefined;
      const version = stack.Outputs?.find((o) => o.OutputKey === 'BootstrapVersion')?.OutputValue;
      return { status: stack.StackStatus ?? 'UNKNOWN', ...(version === undefined ? {} : { version: Number(version) }) };
    },
    stackStatus: async (name) => (await stackStatus(name))?.StackStatus,
    bucketState: async (name) => {
      try {
        await s3.send(new HeadBucketCommand({ Bucket: name }));
        return 'yours';
      } catch (e) {
        const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
        if (status === 404 || isMissing(e)) return 'absent';
        if (status === 403) return 'taken';
        throw e;
      }
    },
    sageMakerPipelineExists: (name) => existsOr404(() => sagemaker.send(new DescribePipelineCommand({ PipelineName: name }))),
    modelPackageGroupExists: (name) => existsOr404(() => sagemaker.send(new DescribeModelPackageGroupCommand({ ModelPackageGroupName: name }))),
    endpointExists: (name) => existsOr404(() => sagemaker.send(new DescribeEndpointCommand({ EndpointName: name }))),
    codePipelineNames: async () => {
      const names: string[] = [];
      for await (const page of paginateListPipelines({ client: codepipeline }, {})) {
        names.push(...(page.pipelines ?? []).flatMap((p) => (p.name ? [p.name] : [])));
      }
      return names;
    },
    identity: async () => {
      const out = await sts.send(new GetCallerIdentityCommand({}));
      return { account: out.Account ?? 'unknown', arn: out.Arn ?? 'unknown' };
    },
    repositoryExists: (name) => existsOr404(() => codecommit.send(new GetRepositoryCommand({ repositoryName: name }))),
    connection: async (arn) => {
      // A connection lives in the region its ARN names, whatever the configured one. The CodeStar
      // Connections API takes both ARN forms (codestar-connections and codeconnections).
      const region = arn.split(':')[3];
      const client = new CodeStarConnectionsClient({ ...common, ...(region && !config.endpoint ? { region } : {}) });
      const connection = (await client.send(new GetConnectionCommand({ ConnectionArn: arn }))).Connection;
      const tags = (await client.send(new ListTagsForResourceCommand({ ResourceArn: arn }))).Tags ?? [];
      return {
        status: connection?.ConnectionStatus ?? 'UNKNOWN',
        tags: Object.fromEntries(tags.flatMap((t) => (t.Key === undefined ? [] : [[t.Key, t.Value ?? '']]))),
      };
    },
    quotas: (serviceCode) => {
      let quotas = quotaCache.get(serviceCode);
      if (quotas === undefined) {
        quotas = listQuotas(serviceQuotas, serviceCode);
        quotaCache.set(serviceCode, quotas);
      }
      return quotas;
    },
    roleUsage: async () => {
      const summary = (await iam.send(new GetAccountSummaryCommand({}))).SummaryMap ?? {};
      if (summary.Roles === undefined || summary.RolesQuota === undefined) {
        throw new Error('IAM GetAccountSummary returned no Roles or RolesQuota');
      }
      return { used: summary.Roles, quota: summary.RolesQuota };
    },
    eventBridgeRuleCount: async () => {
      // ListRules has no paginator in the SDK: NextToken by hand, on the default event bus.
      let count = 0;
      let token: string | undefined;
      do {
        const page = await events.send(new ListRulesCommand({ NextToken: token, Limit: 100 }));
        count += page.Rules?.length ?? 0;
        token = page.NextToken;
      } while (token);
      return count;
    },
    sageMakerPipelineCount: async () => {
      let count = 0;
      for await (const page of paginateSageMakerPipelines({ client: sagemaker }, {})) count += page.PipelineSummaries?.length ?? 0;
      return count;
    },
  };
}

/**
 * The quotas of one service, by name: the applied values (ListServiceQuotas), and the AWS defaults
 * (ListAWSDefaultServiceQuotas) of the quotas that have no applied value, which ListServiceQuotas
 * leaves out ("if the applied quota value is not available for a quota, the quota is not retrieved").
 */
async function listQuotas(client: ServiceQuotasClient, serviceCode: string): Promise<readonly Quota[]> {
  const byName = new Map<string, Quota>();
  for await (const page of paginateListServiceQuotas({ client }, { ServiceCode: serviceCode })) {
    for (const q of page.Quotas ?? []) {
      if (q.QuotaName !== undefined && q.Value !== undefined) byName.set(q.QuotaName, { name: q.QuotaName, value: q.Value, ...(q.QuotaCode ? { code: q.QuotaCode } : {}) });
    }
  }
  for await (const page of paginateListAWSDefaultServiceQuotas({ client }, { ServiceCode: serviceCode })) {
    for (const q of page.Quotas ?? []) {
      if (q.QuotaName !== undefined && q.Value !== undefined && !byName.has(q.QuotaName)) {
        byName.set(q.QuotaName, { name: q.QuotaName, value: q.Value, ...(q.QuotaCode ? { code: q.QuotaCode } : {}) });
      }
    }
  }
  return [...byName.values()];
}
