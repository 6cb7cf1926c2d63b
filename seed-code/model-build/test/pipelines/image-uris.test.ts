import { FRAMEWORK_REGISTRY_ACCOUNTS, frameworkImageUri } from '../../src/pipelines';

describe('framework image URIs', () => {
  test.each([
    ['sklearn', 'us-east-1', '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3'],
    ['xgboost', 'us-east-1', '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1'],
    ['xgboost', 'eu-west-1', '141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:1.7-1'],
    ['sklearn', 'ap-southeast-2', '783357654285.dkr.ecr.ap-southeast-2.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3'],
  ] as const)('%s in %s is %s', (framework, region, uri) => {
    expect(frameworkImageUri(framework, region)).toBe(uri);
  });

  test('covers the commercial regions only, each with a 12-digit account', () => {
    const regions = Object.keys(FRAMEWORK_REGISTRY_ACCOUNTS);
    expect(regions.length).toBeGreaterThanOrEqual(28);
    expect(regions.filter((r) => /^(cn|us-gov|us-iso)/.test(r))).toEqual([]);
    for (const account of Object.values(FRAMEWORK_REGISTRY_ACCOUNTS)) {
      expect(account).toMatch(/^\d{12}$/);
    }
  });

  test.each(['xx-nowhere-1', 'cn-north-1', 'us-gov-west-1', 'toString'])('fails when the region is %s', (region) => {
    expect(() => frameworkImageUri('xgboost', region)).toThrow(`region '${region}' has no sklearn/xgboost image in this seed's table`);
  });
});
