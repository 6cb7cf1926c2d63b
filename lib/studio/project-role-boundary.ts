import { IAspect, Lazy, Stack, Validations } from 'aws-cdk-lib/core';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, IConstruct } from 'constructs';
import { PROJECT_ROLE_PATH } from '../contract/names';

/** The IAM path of the roles of a published template (one fact, kept in the naming contract). */
export { PROJECT_ROLE_PATH };

/** Tag every project resource carries (SageMaker and the project construct set it). */
const PROJECT_TAG = 'sagemaker:project-id';

/** Puts every role of a template under {@link PROJECT_ROLE_PATH}. */
export class ProjectRolePath implements IAspect {
  public visit(node: IConstruct): void {
    if (node instanceof iam.CfnRole && node.path === undefined) node.path = PROJECT_ROLE_PATH;
    if (node instanceof codebuild.CfnProject) {
      Validations.of(node).acknowledge({
        id: 'CloudFormation-Validate::E3050',
        reason: "ServiceRole is the role's ARN (Fn::GetAtt <role>.Arn in the template, which cfn-lint's E3050 accepts), so the role's path does not matter",
      });
    }
  }
}

/** The ARN of a customer managed policy of the stack's account, by name. */
export function managedPolicyArnInAccount(name: string): string {
  return `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:policy/${name}`;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- fragments of CloudFormation templates
type Json = any;

/** A string of a template, with the stack's pseudo parameters left as `Ref`s. */
type Part = string | { readonly Ref: string };

/** What a template's tokens stand for when {@link boundaryStatements} generalizes them. */
export interface TokenValues {
  /** A pseudo parameter (`AWS::Partition`, `AWS::Region`, ...): a value, or kept as a `Ref`. */
  readonly pseudo: (name: string) => Part;
  /** A template parameter (`SageMakerProjectName`, `SageMakerProjectId`, connection parameters). */
  readonly parameter: (name: string) => string;
  /** The name CloudFormation generates for a resource without one (`<stack name>-<logical id>-<suffix>`). */
  readonly generatedName: (logicalId: string, lowerCase: boolean) => string;
  /** The id of a resource that has no name (a KMS key id, a state machine's suffix). */
  readonly generatedId: (logicalId: string) => string;
}

/** Patterns of the template parameters that are not free text. */
const PARAMETER_PATTERNS: Readonly<Record<string, string>> = {
  SageMakerProjectId: 'p-*',
  // A connection ARN; the roles also name both ARN forms built from its parts (codeconnections,
  // codestar-connections), which the boundary holds as such. (A wildcard service is no valid ARN.)
  CodeConnectionArn: 'arn:*:codestar-connections:*:*:connection/*',
};

/** The wildcard values: any project's name, id and generated names of a provisioner's stacks. */
export function wildcardTokenValues(stackPrefix: string): TokenValues {
  return {
    pseudo: (name) => ({ Ref: name }),
    parameter: (name) => PARAMETER_PATTERNS[name] ?? '*',
    generatedName: (_logicalId, lowerCase) => `${lowerCase ? stackPrefix.toLowerCase() : stackPrefix}*`,
    generatedId: () => '*',
  };
}

/** How a resource type's `Ref` and `Arn` read, from its name (given or generated). */
interface ResourceKind {
  /** The resource's name property, if it has one. */
  readonly nameProperty?: string;
  /** CloudFormation lower-cases the generated name (buckets). */
  readonly lowerCase?: boolean;
  /** `Ref` of the resource. */
  readonly ref?: (name: Part[]) => Part[];
  /** `Fn::GetAtt [X, Arn]` of the resource. */
  readonly arn?: (name: Part[]) => Part[];
  /** The resource has no name in its ARN: it is scoped by the project tag instead. */
  readonly byTag?: boolean;
}

const P = { Ref: 'AWS::Partition' };
const R = { Ref: 'AWS::Region' };
const A = { Ref: 'AWS::AccountId' };
const regional = (service: string, rest: string) => (name: Part[]): Part[] => ['arn:', P, `:${service}:`, R, ':', A, `:${rest}`, ...name];

const RESOURCE_KINDS: Readonly<Record<string, ResourceKind>> = {
  'AWS::S3::Bucket': { nameProperty: 'BucketName', lowerCase: true, ref: (n) => n, arn: (n) => ['arn:', P, ':s3:::', ...n] },
  'AWS::IAM::Role': { nameProperty: 'RoleName', ref: (n) => n, arn: (n) => ['arn:', P, ':iam::', A, `:role${PROJECT_ROLE_PATH}`, ...n] },
  'AWS::KMS::Key': { arn: regional('kms', 'key/'), byTag: true },
  'AWS::CodeCommit::Repository': { nameProperty: 'RepositoryName', arn: regional('codecommit', '') },
  'AWS::ECR::Repository': { nameProperty: 'RepositoryName', ref: (n) => n, arn: regional('ecr', 'repository/') },
  'AWS::CodeBuild::Project': { nameProperty: 'Name', ref: (n) => n, arn: regional('codebuild', 'project/') },
  'AWS::CodePipeline::Pipeline': { nameProperty: 'Name', ref: (n) => n },
  'AWS::Logs::LogGroup': { nameProperty: 'LogGroupName', ref: (n) => n, arn: (n) => [...regional('logs', 'log-group:')(n), ':*'] },
  'AWS::Lambda::Function': { nameProperty: 'FunctionName', ref: (n) => n, arn: regional('lambda', 'function:') },
  'AWS::SQS::Queue': { nameProperty: 'QueueName', arn: regional('sqs', '') },
  'AWS::SNS::Topic': { nameProperty: 'TopicName', ref: regional('sns', '') },
  'AWS::StepFunctions::StateMachine': { ref: regional('states', 'stateMachine:'), byTag: true },
};

/** A statement of a role of the template, its tokens replaced by {@link TokenValues}. */
export interface ValuedStatement {
  readonly actions: string[];
  /** Each resource as parts; `['*']` for `*`. */
  readonly resources: Part[][];
  /** The statement names a resource scoped by the project tag (a key, a state machine). */
  readonly byTag: boolean;
}

/** Replaces the tokens of a template value by parts; throws on a form it does not know. */
class TokenWalker {
  /** Whether the last walked value referred to a resource scoped by tag. */
  public byTag = false;

  constructor(private readonly template: Json, private readonly values: TokenValues) {}

  public walk(value: Json): Part[] {
    return this.parts(value).map((p) => (typeof p === 'string' ? p : this.values.pseudo(p.Ref)));
  }

  private parts(value: Json): Part[] {
    if (typeof value === 'string') return [value];
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error(`not a string: ${JSON.stringify(value)}`);
    if ('Ref' in value) return this.ref(value.Ref);
    if ('Fn::GetAtt' in value) {
      const [logicalId, attribute] = value['Fn::GetAtt'];
      if (attribute !== 'Arn') throw new Error(`Fn::GetAtt ${logicalId}.${attribute} is not handled`);
      return this.resource(logicalId, 'arn');
    }
    if ('Fn::Join' in value) {
      const [separator, items] = value['Fn::Join'];
      return (items as Json[]).flatMap((item, i) => [...(i > 0 && separator ? [separator] : []), ...this.walk(item)]);
    }
    if ('Fn::Select' in value || 'Fn::Split' in value) return ['*'];
    // A plain-string `Fn::Sub` (the ARNs of roles in target accounts): its `${Name}`s are refs.
    if ('Fn::Sub' in value && typeof value['Fn::Sub'] === 'string') {
      return (value['Fn::Sub'] as string).split(/(\$\{[^}]+\})/).flatMap((p, i) => (i % 2 === 1 ? this.ref(p.slice(2, -1)) : [p]));
    }
    throw new Error(`intrinsic not handled: ${JSON.stringify(value)}`);
  }

  private ref(name: string): Part[] {
    if (name === 'AWS::StackId') return ['arn:', P, ':cloudformation:', R, ':', A, ':stack/', this.values.generatedName('', false), '/*'];
    if (name.startsWith('AWS::')) return [this.values.pseudo(name)];
    if (this.template.Parameters?.[name]) return [this.values.parameter(name)];
    return this.resource(name, 'ref');
  }

  private resource(logicalId: string, form: 'ref' | 'arn'): Part[] {
    const resource = this.template.Resources?.[logicalId];
    const kind: ResourceKind | undefined = resource && RESOURCE_KINDS[resource.Type];
    const build = kind?.[form];
    if (!kind || !build) throw new Error(`${form === 'ref' ? 'Ref' : 'Fn::GetAtt Arn'} of ${logicalId} (${resource?.Type}) is not handled`);
    if (kind.byTag) {
      this.byTag = true;
      return build([this.values.generatedId(logicalId)]);
    }
    const given = kind.nameProperty ? resource.Properties?.[kind.nameProperty] : undefined;
    return build(given === undefined ? [this.values.generatedName(logicalId, kind.lowerCase === true)] : this.walk(given));
  }
}

/** Joins adjacent strings and collapses runs of wildcards (`*-*` stays, `**` becomes `*`). */
function normalize(parts: Part[]): Part[] {
  const out: Part[] = [];
  for (const part of parts) {
    const last = out[out.length - 1];
    if (typeof part === 'string' && typeof last === 'string') out[out.length - 1] = (last + part).replace(/\*+/g, '*');
    else if (part !== '') out.push(typeof part === 'string' ? part.replace(/\*+/g, '*') : part);
  }
  return out;
}

/** The parts as a template value: a string, or a `Fn::Join` keeping the pseudo parameters. */
export function partsToValue(parts: Part[]): Json {
  const normalized = normalize(parts);
  if (normalized.every((p) => typeof p === 'string')) return normalized.join('');
  return { 'Fn::Join': ['', normalized] };
}

/** The statements of every role of a template (inline and `AWS::IAM::Policy`), tokens replaced by `values`. */
export function roleStatements(template: Json, values: TokenValues): ValuedStatement[] {
  const documents: Json[] = Object.values(template.Resources ?? {}).flatMap((r: Json) => {
    if (r.Type === 'AWS::IAM::Policy') return [r.Properties.PolicyDocument];
    if (r.Type === 'AWS::IAM::Role') return (r.Properties.Policies ?? []).map((p: Json) => p.PolicyDocument);
    return [];
  });
  return documents.flatMap((d) => d.Statement as Json[]).map((s) => {
    if (s.Effect !== 'Allow' || s.NotAction || s.NotResource) throw new Error(`only Allow statements with Action and Resource are handled: ${JSON.stringify(s)}`);
    const walker = new TokenWalker(template, values);
    const resources = [s.Resource].flat().map((r: Json) => normalize(walker.walk(r)));
    return { actions: [s.Action].flat(), resources, byTag: walker.byTag };
  });
}

/**
 * AWS managed policies a template's role may carry, as what they let the role do in a project
 * (AWSLambdaBasicExecutionRole: write the logs of the stack's functions).
 */
const MANAGED_POLICY_STATEMENTS: Readonly<Record<string, (values: TokenValues) => ValuedStatement>> = {
  'service-role/AWSLambdaBasicExecutionRole': (values) => ({
    actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
    resources: [normalize(['arn:', values.pseudo('AWS::Partition'), ':logs:', values.pseudo('AWS::Region'), ':', values.pseudo('AWS::AccountId'),
      `:log-group:/aws/lambda/${values.generatedName('', false)}`])],
    byTag: false,
  }),
};

/** The statements the template's roles hold through AWS managed policies; throws on one it does not know. */
function managedPolicyStatements(template: Json, values: TokenValues): ValuedStatement[] {
  return Object.values(template.Resources ?? {}).flatMap((r: Json) => (r.Type === 'AWS::IAM::Role' ? r.Properties.ManagedPolicyArns ?? [] : []))
    .map((arn: Json) => {
      const name = String(JSON.stringify(arn).match(/:iam::aws:policy\/([\w/-]+)/)?.[1]);
      const statement = MANAGED_POLICY_STATEMENTS[name];
      if (!statement) throw new Error(`a role of the template carries the managed policy ${JSON.stringify(arn)}, which the project role boundary does not know`);
      return statement(values);
    });
}

/**
 * Actions of the template's roles that have no resource type in IAM (asked for on `*`, whatever
 * resource a role's policy names): the boundary cannot hold them to the projects' resources.
 */
const RESOURCELESS_ACTIONS: readonly string[] = ['cloudformation:ValidateTemplate'];

/** Services whose actions the template's roles may hold (for the boundary's cdk-nag acknowledgements). */
const BOUNDARY_SERVICES = [
  'application-autoscaling', 'cloudformation', 'cloudwatch', 'codebuild', 'codecommit', 'codeconnections', 'codepipeline',
  'codestar-connections', 'ecr', 'events', 'iam', 'kms', 'lambda', 'logs', 's3', 'sagemaker', 'scheduler', 'sns', 'sqs', 'states',
];
/** aws-cdk-lib's grant action groups the template's roles hold besides the read families. */
const GRANT_GROUPS = ['s3:Abort*', 's3:DeleteObject*', 'kms:GenerateDataKey*', 'kms:ReEncrypt*'];

/** Longest a managed policy may be (characters without white space): IAM's quota. */
export const MANAGED_POLICY_MAX_LENGTH = 6144;

/** Whether glob `pattern` (`*` for any characters) covers every string `other` (also a glob) matches. */
function covers(pattern: string, other: string): boolean {
  const regex = new RegExp(`^${pattern.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\/]/g, '\\$&')).join('.*')}$`);
  return regex.test(other);
}

/**
 * A shorter pattern covering a resource pattern, so the boundary fits IAM's quota: the literal
 * end after the second wildcard goes (`project/sagemaker-*-p-*-modelbuild` and
 * `stack/sagemaker-*-p-*-deploy-prod/*` become `project/sagemaker-*-p-*` and `stack/sagemaker-*-p-*`:
 * any project's, as before), and so does the last part of an object
 * key without a wildcard (`bucket/assets/<hash>.zip` becomes `bucket/assets/*`, `bucket/<hash>.zip`
 * becomes `bucket/*`: the template's assets, which ReadOnlyResources keeps read-only), a log group of an
 * AWS service's folder becomes the folder (`log-group:/aws/sagemaker/*`: the roles create groups and
 * read streams there, and write log streams anywhere, since the state machine's log delivery
 * accepts only `*`), another group's streams the group and a wildcard; region and account become wildcards.
 */
function coarsen(parts: Part[]): Part[] {
  // As text, each `Ref` a placeholder that holds no wildcard.
  const refs: string[] = [];
  const text = normalize(parts).map((p) => (typeof p === 'string' ? p : `\u0000${refs.push(p.Ref) - 1}\u0000`)).join('');
  // The resource part of an ARN: after `arn:partition:service:region:account:`.
  const start = text.split(':').slice(0, 5).join(':').length + 1;
  const resource = text.slice(start);
  const stars = [...resource].flatMap((c, i) => (c === '*' ? [i] : []));
  let coarse = resource;
  const awsLogGroup = /^log-group:\/aws\/[^/]+\//.exec(resource);
  if (text.includes(':logs:') && awsLogGroup) coarse = `${awsLogGroup[0]}*`;
  else if (text.includes(':logs:') && resource.includes(':log-stream:')) coarse = `${resource.slice(0, resource.indexOf(':log-stream:'))}*`;
  else if (stars.length >= 2) coarse = resource.slice(0, stars[1] + 1);
  else if (stars.length === 0 && text.includes(':s3:::') && /^[^/]+\/.+$/.test(resource)) coarse = resource.replace(/[^/]*$/, '*');
  // Any region and account: the quota has no room for them in every ARN. A role acts in its own
  // account (its Allow names no account); another account's resource would have to grant it.
  const prefix = text.slice(0, start).replace(`\u0000${refs.indexOf('AWS::Region')}\u0000`, '*').replace(`\u0000${refs.indexOf('AWS::AccountId')}\u0000`, '*');
  return normalize((prefix + coarse).split('\u0000').map((p, i) => (i % 2 === 1 ? { Ref: refs[Number(p)] } : p)));
}

/** Parts from their text form, each `Ref` written `{Name}`. */
function partsFromText(text: string): Part[] {
  return normalize(text.split(/(\{[A-Za-z:]+\})/).map((p) => (/^\{[A-Za-z:]+\}$/.test(p) ? { Ref: p.slice(1, -1) } : p)));
}

/** Drops every resource another one of the list covers (parts compared as text, `Ref`s included). */
function withoutCovered(resources: Part[][]): Part[][] {
  const text = resources.map((r) => normalize(r).map((p) => (typeof p === 'string' ? p : `{${p.Ref}}`)).join(''));
  const unique = [...new Map(text.map((t, i) => [t, i])).values()];
  return unique.filter((i) => !unique.some((j) => j !== i && covers(text[j], text[i])))
    .sort((a, b) => text[a].localeCompare(text[b]))
    .map((i) => resources[i]);
}

/** Verbs of read-only actions, which the boundary allows as a family per service (on the projects' resources only). */
const READ_VERBS = ['Describe', 'Get', 'List'];

/**
 * The actions without those a wildcard action of the list covers (`s3:GetObject` beside
 * `s3:GetObject*`); with `readFamilies`, each service's read actions as `<service>:Describe*`,
 * `Get*`, `List*` (the quota has no room for each name).
 */
function withoutCoveredActions(actions: string[], readFamilies = false): string[] {
  const families = readFamilies
    ? actions.flatMap((a) => READ_VERBS.filter((v) => a.split(':')[1].startsWith(v)).map((v) => `${a.split(':')[0]}:${v}*`))
    : [];
  const unique = [...new Set([...actions, ...families])].sort();
  return unique.filter((a) => !unique.some((b) => b !== a && b.includes('*') && covers(b, a)));
}

/**
 * Verbs of the write actions the template's roles hold, which the boundary allows as a family per
 * service ({@link verbFamilies}; each family acknowledged for cdk-nag). A role action with another
 * verb shows as an unacknowledged AwsSolutions-IAM5 finding of the boundary in the compliance
 * gate: add its verb here.
 */
const WRITE_VERBS = [
  'Abort', 'Add', 'Batch', 'Cancel', 'Complete', 'Create', 'Decrypt', 'Delete', 'Deregister', 'Disable', 'Enable', 'Encrypt',
  'Initiate', 'Invoke', 'Put', 'Register', 'Remove', 'Send', 'Set', 'Start', 'Stop', 'Tag', 'Untag', 'Update', 'Upload', 'Use', 'Validate',
];

/** Services whose actions the boundary allows by name only, never as a verb family (IAM: no role may create or change roles; STS: a multi-account project's roles assume the target accounts' roles, not by web identity, SAML or as root). */
const EXACT_ACTION_SERVICES = ['iam', 'sts'];

/**
 * Each action as its verb's family in its service (`sagemaker:CreateModel` as `sagemaker:Create*`),
 * but IAM's ({@link EXACT_ACTION_SERVICES}), so the allowed actions fit IAM's quota however many
 * the template's roles hold. The family only widens what the boundary allows on the projects'
 * resources: `OnlyProjectResources` denies every action but the exact ones the roles hold on `*`
 * everywhere else, and an action without a resource type is asked for on `*`, which no project
 * resource pattern covers.
 */
function verbFamilies(actions: string[]): string[] {
  return actions.map((action) => {
    const [service, name] = action.split(':');
    const verb = /^[A-Z][a-z]+/.exec(name)?.[0];
    return EXACT_ACTION_SERVICES.includes(service) || !verb || name.includes('*') ? action : `${service}:${verb}*`;
  });
}

/**
 * The boundary's statements for the roles of the given templates. Three statements, small enough
 * for IAM's managed policy quota whatever the template holds:
 *
 * - `ProjectActions` allows the actions the template's roles hold (on any resource), each as its
 *   verb's family per service (`sagemaker:Create*`; IAM's by name);
 * - `OnlyProjectResources` denies every one of them on a resource outside the template roles'
 *   resources, with the project's name, id and generated names as wildcards (so it holds for
 *   every project of the template), except the actions IAM accepts only on `*` (listed there, the
 *   read-only ones as their service's family);
 * - `ReadOnlyResources` denies every other action on the resources the roles only read (their
 *   own stack, sample data, the template's assets);
 * - `OnlyTaggedKeysAndStateMachines` denies the actions on keys and state machines (whose names
 *   are generated ids) that do not carry the project tag.
 *
 * The roles' own conditions stay on the roles; the boundary is the ceiling a role created with the
 * launch role cannot exceed, whatever its policies.
 */
export function boundaryStatements(templates: readonly Json[], stackPrefix: string): Json[] {
  const values = wildcardTokenValues(stackPrefix);
  const statements = templates.flatMap((t) => [...roleStatements(t, values), ...managedPolicyStatements(t, values)]);
  const onStar = (s: ValuedStatement) => s.resources.some((r) => r.length === 1 && r[0] === '*');
  const actions = withoutCoveredActions(verbFamilies(statements.flatMap((s) => s.actions)), true);
  const starActions = [...new Set([...statements.filter(onStar).flatMap((s) => s.actions),
    ...statements.flatMap((s) => s.actions).filter((a) => RESOURCELESS_ACTIONS.includes(a))])].sort();
  const isRead = (action: string) => READ_VERBS.some((v) => action.split(':')[1].startsWith(v));
  // Resources the roles only read (their own stack, sample data, the template's assets): no writes there.
  const text = (r: Part[]) => coarsen(r).map((p) => (typeof p === 'string' ? p : `{${p.Ref}}`)).join('');
  const written = statements.filter((s) => !onStar(s) && !s.actions.every(isRead)).flatMap((s) => s.resources.map(text));
  // The writes denied there are S3 object writes or stack changes: a bucket counts as its objects.
  const objects = (r: Part[]) => {
    const t = text(r);
    return t.includes(':s3:::') ? partsFromText(`${t.replace(/\/.*$/, '')}/*`) : coarsen(r);
  };
  const readOnly = withoutCovered(statements.filter((s) => !onStar(s) && s.actions.every(isRead))
    .flatMap((s) => s.resources.filter((r) => !written.some((w) => covers(w, text(r)) || covers(text(r), w))).map(objects)));
  const readOnlyServices = new Set(readOnly.map((r) => normalize(r).filter((p) => typeof p === 'string').join('').split(':')[2]));
  const tagged = statements.filter((s) => s.byTag);
  const taggedResources = withoutCovered(tagged.flatMap((s) => s.resources.filter((r) => JSON.stringify(r).match(/:(kms|states):/)).map(coarsen)));
  return [
    { Sid: 'ProjectActions', Effect: 'Allow', Action: actions, Resource: '*' },
    {
      Sid: 'OnlyProjectResources',
      Effect: 'Deny',
      NotAction: withoutCoveredActions(starActions, true),
      NotResource: withoutCovered(statements.filter((s) => !onStar(s)).flatMap((s) => s.resources.map(coarsen))).map(partsToValue),
    },
    ...(readOnly.length > 0 ? [{
      Sid: 'ReadOnlyResources',
      Effect: 'Deny',
      Action: actions.filter((a) => !isRead(a) && readOnlyServices.has(a.split(':')[0])),
      Resource: readOnly.map(partsToValue),
    }] : []),
    ...(tagged.length > 0 ? [{
      Sid: 'OnlyTaggedKeysAndStateMachines',
      Effect: 'Deny',
      Action: [...new Set(tagged.flatMap((s) => s.actions))].sort(),
      Resource: taggedResources.map(partsToValue),
      Condition: { Null: { [`aws:ResourceTag/${PROJECT_TAG}`]: 'true' } },
    }] : []),
  ];
}

/** Properties of {@link ProjectRoleBoundary}. */
export interface ProjectRoleBoundaryProps {
  /** Name of the managed policy; the template's roles refer to it by this name. */
  readonly managedPolicyName: string;
  /** The project template(s) whose roles it bounds: stacks of this app, or synthesized template JSON (released versions). */
  readonly templates: ReadonlyArray<Stack | Json>;
  /** Stack name prefix of the provisioner (`SC-` or `SP-`): CloudFormation's generated names start with it. */
  readonly stackPrefix: string;
}

/**
 * The permissions boundary of every role of a published project template, shipped with the
 * launch role: what the template's roles may do, for any project created from it (its statements
 * are {@link boundaryStatements} of the template). The launch role creates and changes roles only
 * with this boundary, so a role it creates, whatever its policies, can do nothing a project's role
 * cannot: no IAM changes, nothing outside the projects' names and tags.
 */
export class ProjectRoleBoundary extends Construct {
  /** The managed policy. */
  public readonly policy: iam.IManagedPolicy;
  /** The CloudFormation resource. */
  public readonly resource: iam.CfnManagedPolicy;

  constructor(scope: Construct, id: string, props: ProjectRoleBoundaryProps) {
    super(scope, id);
    const stack = Stack.of(this);
    // Derived once, when first asked for (the size check, then the policy document): rendering the
    // templates of the project stacks is most of its cost, and both run after the app is prepared.
    let derived: Json[] | undefined;
    const statements = () => (derived ??= boundaryStatements(props.templates.map((t) => (t instanceof Stack ? templateOf(t) : t)), props.stackPrefix));
    this.resource = new iam.CfnManagedPolicy(this, 'Resource', {
      managedPolicyName: props.managedPolicyName,
      description: 'Permissions boundary of the roles of SageMaker MLOps projects: what the project template\'s roles may do, for any project',
      policyDocument: Lazy.any({
        produce: () => ({
          Version: '2012-10-17',
          Statement: statements(),
        }),
      }),
    });
    // The boundary's wildcards (derived at synth, so acknowledged by kind; a kind that does not occur is harmless).
    Validations.of(this.resource).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'A permissions boundary, not a grant: ProjectActions allows the template roles\' actions on *, and the Deny statements OnlyProjectResources, ReadOnlyResources and OnlyTaggedKeysAndStateMachines hold them to the projects\' resources',
      },
      ...BOUNDARY_SERVICES.flatMap((service) => [...READ_VERBS, ...WRITE_VERBS].map((verb) => ({
        id: `AwsSolutions-IAM5[Action::${service}:${verb}*]`,
        reason: `A permissions boundary, not a grant: ${service}'s ${verb} actions as one family (IAM's quota has no room for each name), `
          + "only on the projects' resources (OnlyProjectResources)",
      }))),
      ...GRANT_GROUPS.map((action) => ({
        id: `AwsSolutions-IAM5[Action::${action}]`,
        reason: "A permissions boundary, not a grant: aws-cdk-lib's grant action group that the template's roles hold, only on the projects' resources",
      })),
    );
    // IAM refuses a managed policy over its quota only at deploy time: refuse it at synth instead.
    this.node.addValidation({
      validate: () => {
        const length = renderedLength(statements());
        return length <= MANAGED_POLICY_MAX_LENGTH ? [] : [
          `The project role boundary ${props.managedPolicyName} derived from the template would be ${length} characters, over IAM's ${MANAGED_POLICY_MAX_LENGTH} `
          + 'for a managed policy: configure `permissionsBoundary` (your own boundary for the project roles) or fewer `dataLocations`',
        ];
      },
    });
    this.policy = iam.ManagedPolicy.fromManagedPolicyArn(this, 'Policy', stack.formatArn({
      service: 'iam', region: '', resource: 'policy', resourceName: props.managedPolicyName,
    }));
  }
}

/**
 * The length IAM counts for a policy of these statements (no white space), with the pseudo
 * parameters as in the commercial partition (`aws`, a 12-digit account, the longest region name).
 */
export function renderedLength(statements: Json[]): number {
  const sample: Record<string, string> = { 'AWS::Partition': 'aws', 'AWS::AccountId': '123456789012', 'AWS::Region': 'ap-southeast-5' };
  const render = (v: Json): Json => {
    if (Array.isArray(v)) return v.map(render);
    if (v && typeof v === 'object') {
      if ('Fn::Join' in v) return (v['Fn::Join'][1] as Json[]).map((p) => (typeof p === 'string' ? p : sample[p.Ref] ?? p.Ref)).join(v['Fn::Join'][0]);
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, render(x)]));
    }
    return v;
  };
  return JSON.stringify({ Version: '2012-10-17', Statement: render(statements) }).length;
}

/** The template a stack of this app synthesizes (its policies are complete once the app is prepared). */
function templateOf(stack: Stack): Json {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- aws-cdk-lib's own template rendering, as its assertions use
  return (stack as any)._toCloudFormation();
}
