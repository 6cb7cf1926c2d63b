import { parseProperties } from '../../../lambda/teardown/properties';

const valid = {
  ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:provider',
  ProjectName: 'abalone',
  ProjectId: 'p-abc123',
  StackNames: ['sagemaker-abalone-p-abc123-deploy-staging', 'sagemaker-abalone-p-abc123-deploy-prod'],
  PipelineName: 'abalone-p-abc123',
  ModelPackageGroupName: 'abalone-p-abc123',
  RetainData: 'true',
};

describe('parseProperties', () => {
  test('maps every property', () => {
    // WHEN
    const props = parseProperties(valid);

    // THEN
    expect(props).toEqual({
      projectName: 'abalone',
      projectId: 'p-abc123',
      stackNames: ['sagemaker-abalone-p-abc123-deploy-staging', 'sagemaker-abalone-p-abc123-deploy-prod'],
      pipelineName: 'abalone-p-abc123',
      modelPackageGroupName: 'abalone-p-abc123',
      retainData: true,
      stackRoleArns: {},
      targetAccounts: [],
    });
  });

  test.each([
    ['true', true],
    ['false', false],
  ])("RetainData '%s' means retainData %s", (raw, expected) => {
    expect(parseProperties({ ...valid, RetainData: raw }).retainData).toBe(expected);
  });

  test('takes no PipelineName (a target account has no SageMaker pipeline)', () => {
    const withoutPipeline = Object.fromEntries(Object.entries(valid).filter(([key]) => key !== 'PipelineName'));
    expect(parseProperties(withoutPipeline)).not.toHaveProperty('pipelineName');
    expect(() => parseProperties({ ...valid, PipelineName: '' })).toThrow("`PipelineName` must be a non-empty string; got ''");
  });

  test('StackRoles: the role each stack is deleted with, by stack name; none by default', () => {
    const prod = 'sagemaker-abalone-p-abc123-deploy-prod';
    const role = 'arn:aws:iam::123456789012:role/prod-deploy';
    expect(parseProperties({ ...valid, StackRoles: [{ StackName: prod, RoleArn: role }] }).stackRoleArns).toEqual({ [prod]: role });
    expect(parseProperties(valid).stackRoleArns).toEqual({});
    expect(() => parseProperties({ ...valid, StackRoles: { [prod]: role } })).toThrow('`StackRoles` must be an array of stack names with their roles; got {');
    expect(() => parseProperties({ ...valid, StackRoles: [{ StackName: prod, RoleArn: '' }] })).toThrow("`StackRoles[0].RoleArn` must be a non-empty string; got ''");
  });

  test('drops duplicate stack names so a stack is never processed twice', () => {
    expect(parseProperties({ ...valid, StackNames: ['a', 'b', 'a'] }).stackNames).toEqual(['a', 'b']);
  });

  test('accepts an empty stack list', () => {
    expect(parseProperties({ ...valid, StackNames: [] }).stackNames).toEqual([]);
  });

  test.each([
    ['ProjectId is missing', { ProjectId: undefined }, '`ProjectId` must be a non-empty string; got nothing'],
    ['ProjectId is blank', { ProjectId: '  ' }, "`ProjectId` must be a non-empty string; got '  '"],
    ['ProjectName is a number', { ProjectName: 3 }, "`ProjectName` must be a non-empty string; got 3"],
    ['ModelPackageGroupName is missing', { ModelPackageGroupName: undefined }, '`ModelPackageGroupName` must be a non-empty string'],
    ['StackNames is a string', { StackNames: 'a,b' }, "`StackNames` must be an array of non-empty stack names; got 'a,b'"],
    ['StackNames holds a blank name', { StackNames: ['a', ''] }, '`StackNames` must be an array of non-empty stack names'],
    ['RetainData is a boolean', { RetainData: true }, "`RetainData` must be 'true' or 'false'; got true"],
    ['RetainData is yes', { RetainData: 'yes' }, "`RetainData` must be 'true' or 'false'; got 'yes'"],
  ])('fails when %s', (_name, override, message) => {
    expect(() => parseProperties({ ...valid, ...override })).toThrow(message);
  });

  test('fails when there are no properties at all', () => {
    expect(() => parseProperties(undefined)).toThrow('`ProjectName` must be a non-empty string; got nothing');
  });
});
