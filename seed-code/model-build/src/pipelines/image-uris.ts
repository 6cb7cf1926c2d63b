/**
 * Image URIs of SageMaker's first-party scikit-learn and XGBoost containers per region.
 *
 * Both frameworks, in every version listed, are published from the same per-region ECR registry
 * accounts. The table covers every commercial (`aws` partition) region the SageMaker Python SDK's
 * `image_uri_config/sklearn.json` and `xgboost.json` list (checked against the SDK as of August 2026);
 * a region missing here fails with a clear error, and callers can pass image URIs explicitly.
 *
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg-ecr-paths/sagemaker-algo-docker-registry-paths.html
 */
import DLC_ACCOUNTS from './dlc-registry-accounts.json';

/** Framework containers the seed pipelines use. */
export type Framework = 'sklearn' | 'xgboost';

/**
 * Container versions the table knows, per framework: the pipelines' default first, then the newer
 * ones the SageMaker Python SDK publishes (scikit-learn 1.4-2; XGBoost 3.0-5 and 3.2-0).
 * Versions differ only in the tag; every version is published from the same registry accounts.
 */
export const FRAMEWORK_VERSIONS = {
  sklearn: ['1.2-1', '1.4-2'],
  xgboost: ['1.7-1', '3.0-5', '3.2-0'],
} as const satisfies Record<Framework, readonly string[]>;

/** A version of a framework container, e.g. `'1.7-1'` for XGBoost. */
export type FrameworkVersion<F extends Framework = Framework> = (typeof FRAMEWORK_VERSIONS)[F][number];

/**
 * Repository and tag of each framework; the defaults are scikit-learn 1.2-1 (pandas 1.5, the
 * versions the buildspec's script tests install) and XGBoost 1.7-1 (`reg:squarederror`).
 */
export const FRAMEWORK_IMAGES: Readonly<Record<Framework, { readonly repository: string; readonly defaultVersion: string; readonly tag: (version: string) => string }>> = {
  sklearn: { repository: 'sagemaker-scikit-learn', defaultVersion: '1.2-1', tag: (version) => `${version}-cpu-py3` },
  xgboost: { repository: 'sagemaker-xgboost', defaultVersion: '1.7-1', tag: (version) => version },
};

/** ECR registry account of the scikit-learn and XGBoost framework images, by region. */
export const FRAMEWORK_REGISTRY_ACCOUNTS: Readonly<Record<string, string>> = {
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

/**
 * ECR registry account of SageMaker's deep learning containers (TensorFlow, PyTorch, Hugging Face)
 * by region, for the regions of {@link FRAMEWORK_REGISTRY_ACCOUNTS}: the registry the image build
 * logs in to for base images (`FROM ${DLC_REGISTRY}/tensorflow-training:...`). Kept in a JSON file
 * because the project's CDK app reads it too: the image build's role may pull from these accounts
 * only. As the SageMaker Python SDK's `image_uri_config/tensorflow.json` lists them.
 */
export const DLC_REGISTRY_ACCOUNTS: Readonly<Record<string, string>> = DLC_ACCOUNTS;

/** The deep learning container registry of `region` (`<account>.dkr.ecr.<region>.amazonaws.com`), if the table has it. */
export function dlcRegistry(region: string): string | undefined {
  const account = Object.prototype.hasOwnProperty.call(DLC_REGISTRY_ACCOUNTS, region) ? DLC_REGISTRY_ACCOUNTS[region] : undefined;
  return account ? `${account}.dkr.ecr.${region}.amazonaws.com` : undefined;
}

/** Thrown for a region the image table does not cover. */
export class UnknownRegionError extends Error {
  public constructor(public readonly region: string) {
    super(
      `region '${region}' has no ${Object.keys(FRAMEWORK_IMAGES).join('/')} image in this seed's table; ` +
        `supported regions: ${Object.keys(FRAMEWORK_REGISTRY_ACCOUNTS).join(', ')} ` +
        `(or pass the image URIs explicitly)`,
    );
    this.name = 'UnknownRegionError';
  }
}

/**
 * The image URI of `framework` (at `version`, default the pipelines' version) in `region`.
 *
 * @throws UnknownRegionError when the region is not in the table
 */
export function frameworkImageUri(framework: Framework, region: string, version?: string): string {
  const account = Object.prototype.hasOwnProperty.call(FRAMEWORK_REGISTRY_ACCOUNTS, region)
    ? FRAMEWORK_REGISTRY_ACCOUNTS[region]
    : undefined;
  if (!account) {
    throw new UnknownRegionError(region);
  }
  const image = FRAMEWORK_IMAGES[framework];
  const chosen = version ?? image.defaultVersion;
  if (!(FRAMEWORK_VERSIONS[framework] as readonly string[]).includes(chosen)) {
    throw new Error(`${framework} version '${chosen}' is not in this seed's table; known: ${FRAMEWORK_VERSIONS[framework].join(', ')}`);
  }
  return `${account}.dkr.ecr.${region}.amazonaws.com/${image.repository}:${image.tag(chosen)}`;
}

/**
 * TensorFlow deep learning containers (DLCs): the training image the project's
 * `containers/tensorflow/` image is built FROM, and the serving image a TensorFlow model is
 * registered with. One pinned version: TensorFlow 2.19.0, CPU, Python 3.12 (training).
 *
 * The DLC registry accounts are not the scikit-learn/XGBoost ones. Checked against the SageMaker
 * Python SDK's `sagemaker-core/src/sagemaker/core/image_uri_config/tensorflow.json` (commit
 * a24812666d258d9d19c9a82d0c9385ca0bd3ba01 of 2026-08-21, read 2026-12-06): `training` and
 * `inference` 2.19.0 list every region of {@link FRAMEWORK_REGISTRY_ACCOUNTS}, with the accounts
 * below (the same for both scopes).
 */
export const TENSORFLOW_VERSION = '2.19.0';

/** Repository and tag of the TensorFlow DLCs, by scope. */
export const TENSORFLOW_IMAGES = {
  training: { repository: 'tensorflow-training', tag: `${TENSORFLOW_VERSION}-cpu-py312` },
  inference: { repository: 'tensorflow-inference', tag: `${TENSORFLOW_VERSION}-cpu` },
} as const;

/** A TensorFlow DLC scope. */
export type TensorFlowScope = keyof typeof TENSORFLOW_IMAGES;

/**
 * The TensorFlow DLC image URI of `scope` in `region` (the image build's `FROM` for training, the
 * registered serving image for inference).
 *
 * @throws Error naming the region and the supported ones when the table has no entry
 */
export function tensorflowImageUri(scope: TensorFlowScope, region: string): string {
  const account = Object.prototype.hasOwnProperty.call(DLC_REGISTRY_ACCOUNTS, region) ? DLC_REGISTRY_ACCOUNTS[region] : undefined;
  if (!account) {
    throw new Error(`region '${region}' has no TensorFlow ${scope} image in this seed's table; supported regions: ${Object.keys(DLC_REGISTRY_ACCOUNTS).join(', ')}`);
  }
  const image = TENSORFLOW_IMAGES[scope];
  return `${account}.dkr.ecr.${region}.amazonaws.com/${image.repository}:${image.tag}`;
}
