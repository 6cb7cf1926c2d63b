import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { createTeardownHandlers } from '../../../lambda/teardown';

/** Access key of the project account's clients (a target account's clients have their assumed role's). */
export const PROJECT_ACCOUNT_KEY = 'AKIAPROJECTACCOUNT';

/**
 * The teardown handlers over mocked CloudFormation, SageMaker and STS clients, configured with the
 * properties of the test's event and a stack that is being deleted.
 */
export function mockedTeardown() {
  const cfn = mockClient(CloudFormationClient);
  const sm = mockClient(SageMakerClient);
  const sts = mockClient(STSClient);
  // Static credentials: a test can tell by a call's client in which account it was made.
  const config = { region: 'us-east-1', credentials: { accessKeyId: PROJECT_ACCOUNT_KEY, secretAccessKey: 'secret' } };
  const handlers = createTeardownHandlers(() => ({
    cloudFormation: new CloudFormationClient(config),
    sageMaker: new SageMakerClient(config),
    sts: new STSClient(config),
  }), { properties: (e) => e.ResourceProperties, stackIsBeingDeleted: async () => true });
  return { cfn, sm, sts, handlers };
}
