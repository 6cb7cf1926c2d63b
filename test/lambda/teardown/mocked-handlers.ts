import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { createTeardownHandlers } from '../../../lambda/teardown';

/**
 * The teardown handlers over mocked CloudFormation, SageMaker and STS clients, configured with the
 * properties of the test's event and a stack that is being deleted.
 */
export function mockedTeardown() {
  const cfn = mockClient(CloudFormationClient);
  const sm = mockClient(SageMakerClient);
  const sts = mockClient(STSClient);
  const handlers = createTeardownHandlers(() => ({
    cloudFormation: new CloudFormationClient({ region: 'us-east-1' }),
    sageMaker: new SageMakerClient({ region: 'us-east-1' }),
    sts: new STSClient({ region: 'us-east-1' }),
  }), { properties: (e) => e.ResourceProperties, stackIsBeingDeleted: async () => true });
  return { cfn, sm, sts, handlers };
}
