import { DLC_REGISTRY_ACCOUNTS, FRAMEWORK_REGISTRY_ACCOUNTS, FRAMEWORK_VERSIONS, frameworkImageUri, tensorflowImageUri } from '../../src/pipelines';

/**
 * Published facts: the registry account of the scikit-learn and XGBoost images per commercial
 * region, as the SageMaker Python SDK lists them (sagemaker-core/src/sagemaker/core/image_uri_config/
 * sklearn.json and xgboost.json, commit a24812666d258d9d19c9a82d0c9385ca0bd3ba01, 2026-08-21; the
 * same accounts for sklearn 1.2-1 and 1.4-2 and xgboost 1.7-1, 3.0-5 and 3.2-0). The SDK also lists
 * cn-*, us-gov-* and us-iso* regions, which are other partitions.
 */
const PUBLISHED = {
  'af-south-1': '510948584623',
  'ap-east-1': '651117190479',
  'ap-northeast-1': '354813040037',
  'ap-northeast-2': '366743142698',
  'ap-northeast-3': '867004704886',
  'ap-south-1': '720646828776',
  'ap-south-2': '628508329040',
  'ap-southeast-1': '121021644041',
  'ap-southeast-2': '783357654285',
  'ap-southeast-3': '951798379941',
  'ap-southeast-4': '106583098589',
  'ca-central-1': '341280168497',
  'ca-west-1': '190319476487',
  'eu-central-1': '492215442770',
  'eu-central-2': '680994064768',
  'eu-north-1': '662702820516',
  'eu-south-1': '978288397137',
  'eu-south-2': '104374241257',
  'eu-west-1': '141502667606',
  'eu-west-2': '764974769150',
  'eu-west-3': '659782779980',
  'il-central-1': '898809789911',
  'me-central-1': '272398656194',
  'me-south-1': '801668240914',
  'sa-east-1': '737474898029',
  'us-east-1': '683313688378',
  'us-east-2': '257758044811',
  'us-west-1': '746614075791',
  'us-west-2': '246618743249',
};

describe('framework image URIs', () => {
  test('the registry accounts are exactly the published ones for every commercial region', () => {
    expect(FRAMEWORK_REGISTRY_ACCOUNTS).toEqual(PUBLISHED);
  });

  test('the current and previous container versions of both frameworks are known', () => {
    expect(FRAMEWORK_VERSIONS).toEqual({ sklearn: ['1.2-1', '1.4-2'], xgboost: ['1.7-1', '3.0-5', '3.2-0'] });
  });

  test.each([
    ['sklearn', 'us-east-1', undefined, '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3'],
    ['sklearn', 'ca-west-1', '1.4-2', '190319476487.dkr.ecr.ca-west-1.amazonaws.com/sagemaker-scikit-learn:1.4-2-cpu-py3'],
    ['xgboost', 'eu-west-1', undefined, '141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:1.7-1'],
    ['xgboost', 'ap-southeast-2', '3.2-0', '783357654285.dkr.ecr.ap-southeast-2.amazonaws.com/sagemaker-xgboost:3.2-0'],
    ['xgboost', 'us-west-2', '3.0-5', '246618743249.dkr.ecr.us-west-2.amazonaws.com/sagemaker-xgboost:3.0-5'],
  ] as const)('%s in %s at %s is %s', (framework, region, version, uri) => {
    expect(frameworkImageUri(framework, region, version)).toBe(uri);
  });

  test.each(['xx-nowhere-1', 'cn-north-1', 'us-gov-west-1', 'toString'])('fails when the region is %s', (region) => {
    expect(() => frameworkImageUri('xgboost', region)).toThrow(`region '${region}' has no sklearn/xgboost image in this seed's table`);
  });

  test('fails when the version is not in the table', () => {
    expect(() => frameworkImageUri('xgboost', 'us-east-1', '0.72')).toThrow("xgboost version '0.72' is not in this seed's table; known: 1.7-1, 3.0-5, 3.2-0");
  });
});

/**
 * Published facts: the registry account of the TensorFlow 2.19.0 training and inference DLCs per
 * region, as the SageMaker Python SDK lists them (sagemaker-core/src/sagemaker/core/image_uri_config/
 * tensorflow.json, commit a24812666d258d9d19c9a82d0c9385ca0bd3ba01, 2026-08-21, read 2026-12-06: the
 * same account for `training` and `inference` in every region of the seed's table; training
 * py_versions ["py312"]).
 */
const PUBLISHED_DLC = {
  'af-south-1': '626614931356',
  'ap-east-1': '871362719292',
  'ap-northeast-1': '763104351884',
  'ap-northeast-2': '763104351884',
  'ap-northeast-3': '364406365360',
  'ap-south-1': '763104351884',
  'ap-south-2': '772153158452',
  'ap-southeast-1': '763104351884',
  'ap-southeast-2': '763104351884',
  'ap-southeast-3': '907027046896',
  'ap-southeast-4': '457447274322',
  'ca-central-1': '763104351884',
  'ca-west-1': '204538143572',
  'eu-central-1': '763104351884',
  'eu-central-2': '380420809688',
  'eu-north-1': '763104351884',
  'eu-south-1': '692866216735',
  'eu-south-2': '503227376785',
  'eu-west-1': '763104351884',
  'eu-west-2': '763104351884',
  'eu-west-3': '763104351884',
  'il-central-1': '780543022126',
  'me-central-1': '914824155844',
  'me-south-1': '217643126080',
  'sa-east-1': '763104351884',
  'us-east-1': '763104351884',
  'us-east-2': '763104351884',
  'us-west-1': '763104351884',
  'us-west-2': '763104351884',
};

describe('TensorFlow DLC image URIs', () => {
  test('the registry accounts are exactly the published ones, in every region the seed lists', () => {
    expect(DLC_REGISTRY_ACCOUNTS).toEqual(PUBLISHED_DLC);
    expect(Object.keys(DLC_REGISTRY_ACCOUNTS)).toEqual(Object.keys(FRAMEWORK_REGISTRY_ACCOUNTS));
  });

  test.each([
    ['training', 'us-east-1', '763104351884.dkr.ecr.us-east-1.amazonaws.com/tensorflow-training:2.19.0-cpu-py312'],
    ['inference', 'eu-west-1', '763104351884.dkr.ecr.eu-west-1.amazonaws.com/tensorflow-inference:2.19.0-cpu'],
    ['inference', 'il-central-1', '780543022126.dkr.ecr.il-central-1.amazonaws.com/tensorflow-inference:2.19.0-cpu'],
  ] as const)('%s in %s is %s', (scope, region, uri) => {
    expect(tensorflowImageUri(scope, region)).toBe(uri);
  });

  test.each(['xx-nowhere-1', 'cn-north-1', 'toString'])('fails naming the region %s', (region) => {
    expect(() => tensorflowImageUri('inference', region)).toThrow(`region '${region}' has no TensorFlow inference image in this seed's table; supported regions: af-south-1,`);
  });
});
