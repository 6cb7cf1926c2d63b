/**
 * {@link DoctorAws} from the AWS SDK clients this repository installs (CloudFormation, S3,
 * SageMaker, CodePipeline). Every call is read-only. Members whose client is not installed
 * (STS, CodeCommit, CodeConnections, Service Quotas, IAM) are left out: their checks say so.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CodePipelineClient, paginateListPipelines } from '@aws-sdk/client-codepipeline';
import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import {
  DescribeEndpointCommand, DescribeModelPackageGroupCommand, DescribePipelineCommand, paginateListPipelines as paginateSageMakerPipelines, SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import type { DoctorAws } from './checks';

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
    sageMakerPipelineCount: async () => {
      let count = 0;
      for await (const page of paginateSageMakerPipelines({ client: sagemaker }, {})) count += page.PipelineSummaries?.length ?? 0;
      return count;
    },
  };
}
