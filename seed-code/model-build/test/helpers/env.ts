/** The environment the project's CodeBuild project passes. */
export const CODEBUILD_ENV = {
  AWS_REGION: 'eu-west-1',
  SAGEMAKER_PROJECT_NAME: 'abalone',
  SAGEMAKER_PROJECT_ID: 'p-abcdef123456',
  SAGEMAKER_PIPELINE_NAME: 'abalone-p-abcdef123456',
  MODEL_PACKAGE_GROUP_NAME: 'abalone-p-abcdef123456',
  ARTIFACT_BUCKET: 'sagemaker-project-p-abcdef123456',
  SAGEMAKER_PIPELINE_ROLE_ARN: 'arn:aws:iam::123456789012:role/abalone-pipeline',
  KMS_KEY_ARN: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  PROJECT_TAGS: '{"team":"ml"}',
};
