/** A connection of the newer ARN form (the older `codestar-connections` form is tested beside it). */
export const CONNECTION_ARN = 'arn:aws:codeconnections:eu-west-1:123456789012:connection/0123abcd-4567-89ab-cdef-0123456789ab';

/** Configuration context of a project whose repositories are reached through {@link CONNECTION_ARN}. */
export const CONNECTION_CONFIG: Record<string, unknown> = {
  sourceProvider: 'codeconnections',
  connectionArn: CONNECTION_ARN,
  buildRepository: 'acme/model-build',
  deployRepository: 'acme/ml-platform/model-deploy',
};
