// Loads a synthesized CloudFormation template and turns it into concrete, offline IAM inputs:
// resource ARNs (tables and their indexes, queues, secrets, KMS keys, roles, Bedrock
// application inference profiles), each resource's tags, each role's identity policies and
// trust policy, and the resource policies (queue policies, key policies, secret and table
// resource policies). Intrinsics are resolved the way CloudFormation would at deploy time,
// with a fixed account and Region. Anything this module cannot resolve faithfully (an AWS
// managed policy, Fn::ImportValue, an unknown attribute) throws: a harness that guessed
// would evaluate policies that are not the deployed ones.

import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export const DEFAULT_ACCOUNT_ID = '111111111111';
export const DEFAULT_REGION = 'sa-east-1';
export const PARTITION = 'aws';
export const URL_SUFFIX = 'amazonaws.com';
/** Secrets Manager appends six random characters to a secret's name in its ARN. */
export const SECRET_SUFFIX = 'AbCdEf';

const NO_VALUE = Symbol('AWS::NoValue');

/** A deterministic stand-in for a physical id CloudFormation or the service generates. */
function fakeId(seed, length, alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789') {
  const digest = createHash('sha256').update(seed).digest();
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[digest[i] % alphabet.length];
  return out;
}

function fakeUuid(seed) {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/**
 * The Region and account of a synthesized stack: its manifest's environment when it names
 * them (aws://<account>/<region>), else the defaults.
 */
function stackEnvironment(templatePath) {
  const env = { region: DEFAULT_REGION, accountId: DEFAULT_ACCOUNT_ID };
  const manifestPath = join(dirname(templatePath), 'manifest.json');
  if (!existsSync(manifestPath)) return env;
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  const stackName = basename(templatePath).replace(/\.template\.json$/, '');
  const artifact = manifest.artifacts?.[stackName];
  const m = /^aws:\/\/([^/]+)\/(.+)$/.exec(artifact?.environment ?? '');
  if (m) {
    if (/^\d{12}$/.test(m[1])) env.accountId = m[1];
    if (m[2] !== 'unknown-region') env.region = m[2];
  }
  return env;
}

/**
 * Loads the template at path. options.region / options.accountId override the stack's
 * environment; options.stackName overrides the name taken from the file name.
 */
export function loadStack(path, options = {}) {
  const template = JSON.parse(readFileSync(path, 'utf8'));
  const env = stackEnvironment(path);
  return new Stack(template, {
    region: options.region ?? env.region,
    accountId: options.accountId ?? env.accountId,
    stackName: options.stackName ?? basename(path).replace(/\.template\.json$/, ''),
  });
}

export class Stack {
  constructor(template, { region = DEFAULT_REGION, accountId = DEFAULT_ACCOUNT_ID, stackName = 'Stack' } = {}) {
    if (!template || typeof template.Resources !== 'object') {
      throw new Error('template has no Resources');
    }
    this.template = template;
    this.region = region;
    this.accountId = accountId;
    this.stackName = stackName;
    this.resources = template.Resources;
    this.#cache = new Map();
  }

  #cache;

  /** Memoizes fn under key: the template does not change once loaded. */
  #memo(key, fn) {
    if (!this.#cache.has(key)) this.#cache.set(key, fn());
    return this.#cache.get(key);
  }

  // ---------------------------------------------------------------- intrinsics

  /** Resolves every intrinsic function in value; AWS::NoValue drops the key or element. */
  resolve(value, where = 'template') {
    const out = this.#resolve(value, where);
    return out === NO_VALUE ? undefined : out;
  }

  #resolve(value, where) {
    if (Array.isArray(value)) {
      return value.map((v, i) => this.#resolve(v, `${where}[${i}]`)).filter((v) => v !== NO_VALUE);
    }
    if (value === null || typeof value !== 'object') return value;
    const keys = Object.keys(value);
    if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::') || keys[0] === 'Condition')) {
      return this.#intrinsic(keys[0], value[keys[0]], where);
    }
    const out = {};
    for (const k of keys) {
      const v = this.#resolve(value[k], `${where}.${k}`);
      if (v !== NO_VALUE) out[k] = v;
    }
    return out;
  }

  #intrinsic(fn, arg, where) {
    switch (fn) {
      case 'Ref':
        return this.ref(arg, where);
      case 'Fn::GetAtt': {
        const [id, attr] = Array.isArray(arg) ? arg : String(arg).split(/\.(.+)/);
        return this.getAtt(this.#resolve(id, where), this.#resolve(attr, where), where);
      }
      case 'Fn::Join': {
        const [sep, parts] = arg;
        const list = this.#resolve(parts, where);
        if (!Array.isArray(list)) throw new Error(`${where}: Fn::Join of a non-list`);
        return list.map((p) => this.#scalar(p, where)).join(sep);
      }
      case 'Fn::Sub':
        return this.#sub(arg, where);
      case 'Fn::Select': {
        const [index, list] = arg;
        const l = this.#resolve(list, where);
        const i = Number(this.#resolve(index, where));
        if (!Array.isArray(l) || !(i >= 0 && i < l.length)) throw new Error(`${where}: Fn::Select ${i} out of range`);
        return l[i];
      }
      case 'Fn::Split': {
        const [sep, s] = arg;
        return String(this.#scalar(this.#resolve(s, where), where)).split(sep);
      }
      case 'Fn::FindInMap': {
        const [map, top, second] = arg.map((a) => this.#resolve(a, where));
        const v = this.template.Mappings?.[map]?.[top]?.[second];
        if (v === undefined) throw new Error(`${where}: Fn::FindInMap ${map}.${top}.${second} not found`);
        return v;
      }
      case 'Fn::If': {
        const [cond, a, b] = arg;
        return this.condition(cond, where) ? this.#resolve(a, where) : this.#resolve(b, where);
      }
      case 'Fn::Equals': {
        const [a, b] = arg.map((x) => this.#resolve(x, where));
        return JSON.stringify(a) === JSON.stringify(b);
      }
      case 'Fn::And':
        return arg.every((c) => this.#resolve(c, where) === true);
      case 'Fn::Or':
        return arg.some((c) => this.#resolve(c, where) === true);
      case 'Fn::Not':
        return !(this.#resolve(arg[0], where) === true);
      case 'Condition':
        return this.condition(arg, where);
      case 'Fn::GetAZs':
        return ['a', 'b', 'c'].map((z) => `${this.region}${z}`);
      default:
        throw new Error(`${where}: cannot resolve ${fn} offline`);
    }
  }

  #scalar(v, where) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
    throw new Error(`${where}: expected a string, got ${JSON.stringify(v)}`);
  }

  condition(name, where = 'template') {
    const def = this.template.Conditions?.[name];
    if (def === undefined) throw new Error(`${where}: unknown condition ${name}`);
    return this.#resolve(def, `Conditions.${name}`) === true;
  }

  #sub(arg, where) {
    const [text, vars] = Array.isArray(arg) ? arg : [arg, {}];
    const resolvedVars = {};
    for (const [k, v] of Object.entries(vars ?? {})) resolvedVars[k] = this.#resolve(v, where);
    return String(text).replace(/\$\{([^}]*)\}/g, (whole, name) => {
      if (name.startsWith('!')) return '${' + name.slice(1) + '}';
      if (name in resolvedVars) return this.#scalar(resolvedVars[name], where);
      if (name.startsWith('AWS::') || name in this.resources || name in (this.template.Parameters ?? {})) {
        return this.#scalar(this.ref(name, where), where);
      }
      const dot = name.indexOf('.');
      if (dot > 0 && name.slice(0, dot) in this.resources) {
        return this.#scalar(this.getAtt(name.slice(0, dot), name.slice(dot + 1), where), where);
      }
      throw new Error(`${where}: Fn::Sub variable \${${name}} is neither a parameter, a resource nor a pseudo parameter`);
    });
  }

  ref(name, where = 'template') {
    switch (name) {
      case 'AWS::Region':
        return this.region;
      case 'AWS::AccountId':
        return this.accountId;
      case 'AWS::Partition':
        return PARTITION;
      case 'AWS::URLSuffix':
        return URL_SUFFIX;
      case 'AWS::StackName':
        return this.stackName;
      case 'AWS::StackId':
        return `arn:${PARTITION}:cloudformation:${this.region}:${this.accountId}:stack/${this.stackName}/${fakeUuid(this.stackName)}`;
      case 'AWS::NoValue':
        return NO_VALUE;
      case 'AWS::NotificationARNs':
        return [];
    }
    const param = this.template.Parameters?.[name];
    if (param) {
      if (param.Default === undefined) throw new Error(`${where}: parameter ${name} has no default`);
      return param.Default;
    }
    const res = this.resources[name];
    if (!res) throw new Error(`${where}: Ref to unknown ${name}`);
    const p = res.Properties ?? {};
    switch (res.Type) {
      case 'AWS::DynamoDB::Table':
        return this.tableName(name);
      case 'AWS::SQS::Queue':
        return `https://sqs.${this.region}.${URL_SUFFIX}/${this.accountId}/${this.queueName(name)}`;
      case 'AWS::SecretsManager::Secret':
        return this.secretArn(name);
      case 'AWS::KMS::Key':
        return fakeUuid(`${this.stackName}/${name}`);
      case 'AWS::KMS::Alias':
        return this.resolve(p.AliasName, `${name}.AliasName`);
      case 'AWS::IAM::Role':
        return this.roleName(name);
      case 'AWS::IAM::ManagedPolicy':
        return this.managedPolicyArn(name);
      case 'AWS::IAM::Policy':
      case 'AWS::IAM::RolePolicy':
        return this.resolve(p.PolicyName, `${name}.PolicyName`) ?? name;
      case 'AWS::Lambda::Function':
        return this.resolve(p.FunctionName, `${name}.FunctionName`) ?? name;
      case 'AWS::Logs::LogGroup':
        return this.resolve(p.LogGroupName, `${name}.LogGroupName`) ?? name;
      case 'AWS::Bedrock::ApplicationInferenceProfile':
        return this.inferenceProfileArn(name);
      case 'AWS::SNS::Topic':
        return `arn:${PARTITION}:sns:${this.region}:${this.accountId}:${this.resolve(p.TopicName) ?? name}`;
      default:
        // The physical id CloudFormation would generate; fine for names nobody evaluates.
        return `${this.stackName}-${name}`;
    }
  }

  getAtt(name, attr, where = 'template') {
    const res = this.resources[name];
    if (!res) throw new Error(`${where}: Fn::GetAtt of unknown ${name}`);
    const p = res.Properties ?? {};
    const fail = () => {
      throw new Error(`${where}: cannot resolve Fn::GetAtt ${name}.${attr} (${res.Type}) offline`);
    };
    switch (res.Type) {
      case 'AWS::DynamoDB::Table':
        if (attr === 'Arn') return this.tableArn(name);
        if (attr === 'StreamArn') return `${this.tableArn(name)}/stream/1970-01-01T00:00:00.000`;
        return fail();
      case 'AWS::SQS::Queue':
        if (attr === 'Arn') return this.queueArn(name);
        if (attr === 'QueueName') return this.queueName(name);
        if (attr === 'QueueUrl') return this.ref(name, where);
        return fail();
      case 'AWS::SecretsManager::Secret':
        if (attr === 'Id') return this.secretArn(name);
        return fail();
      case 'AWS::KMS::Key':
        if (attr === 'Arn') return this.keyArn(name);
        if (attr === 'KeyId') return this.ref(name, where);
        return fail();
      case 'AWS::IAM::Role':
        if (attr === 'Arn') return this.roleArn(name);
        if (attr === 'RoleId') return `AROA${fakeId(name, 17, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}`;
        return fail();
      case 'AWS::IAM::ManagedPolicy':
        if (attr === 'PolicyArn') return this.managedPolicyArn(name);
        return fail();
      case 'AWS::Lambda::Function':
        if (attr === 'Arn') {
          return `arn:${PARTITION}:lambda:${this.region}:${this.accountId}:function:${this.ref(name, where)}`;
        }
        return fail();
      case 'AWS::Logs::LogGroup':
        if (attr === 'Arn') {
          return `arn:${PARTITION}:logs:${this.region}:${this.accountId}:log-group:${this.ref(name, where)}:*`;
        }
        return fail();
      case 'AWS::Bedrock::ApplicationInferenceProfile':
        if (attr === 'InferenceProfileArn' || attr === 'InferenceProfileIdentifier') return this.inferenceProfileArn(name);
        if (attr === 'InferenceProfileId') return this.inferenceProfileId(name);
        return fail();
      case 'AWS::SNS::Topic':
        if (attr === 'TopicArn') return this.ref(name, where);
        return fail();
      case 'AWS::ApiGatewayV2::Api':
        if (attr === 'ApiId') return fakeId(name, 10);
        if (attr === 'ApiEndpoint') return `https://${fakeId(name, 10)}.execute-api.${this.region}.${URL_SUFFIX}`;
        return fail();
      default:
        return fail();
    }
  }

  // ---------------------------------------------------------------- names and ARNs

  #typed(name, type) {
    const res = this.resources[name];
    if (!res || res.Type !== type) throw new Error(`${name} is not a ${type}`);
    return res.Properties ?? {};
  }

  tableName(id) {
    return this.resolve(this.#typed(id, 'AWS::DynamoDB::Table').TableName, `${id}.TableName`) ?? id;
  }
  tableArn(id) {
    return `arn:${PARTITION}:dynamodb:${this.region}:${this.accountId}:table/${this.tableName(id)}`;
  }
  queueName(id) {
    const p = this.#typed(id, 'AWS::SQS::Queue');
    const n = this.resolve(p.QueueName, `${id}.QueueName`);
    if (n) return n;
    return this.resolve(p.FifoQueue) === true || this.resolve(p.FifoQueue) === 'true' ? `${id}.fifo` : id;
  }
  queueArn(id) {
    return `arn:${PARTITION}:sqs:${this.region}:${this.accountId}:${this.queueName(id)}`;
  }
  secretName(id) {
    return this.resolve(this.#typed(id, 'AWS::SecretsManager::Secret').Name, `${id}.Name`) ?? id;
  }
  secretArn(id) {
    return `arn:${PARTITION}:secretsmanager:${this.region}:${this.accountId}:secret:${this.secretName(id)}-${SECRET_SUFFIX}`;
  }
  keyArn(id) {
    this.#typed(id, 'AWS::KMS::Key');
    return `arn:${PARTITION}:kms:${this.region}:${this.accountId}:key/${this.ref(id)}`;
  }
  roleName(id) {
    return this.resolve(this.#typed(id, 'AWS::IAM::Role').RoleName, `${id}.RoleName`) ?? id;
  }
  rolePath(id) {
    const path = this.resolve(this.#typed(id, 'AWS::IAM::Role').Path) ?? '/';
    return path.replace(/^\//, '');
  }
  roleArn(id) {
    return `arn:${PARTITION}:iam::${this.accountId}:role/${this.rolePath(id)}${this.roleName(id)}`;
  }
  managedPolicyArn(id) {
    const p = this.#typed(id, 'AWS::IAM::ManagedPolicy');
    const path = (this.resolve(p.Path) ?? '/').replace(/^\//, '');
    return `arn:${PARTITION}:iam::${this.accountId}:policy/${path}${this.resolve(p.ManagedPolicyName) ?? id}`;
  }
  inferenceProfileId(id) {
    this.#typed(id, 'AWS::Bedrock::ApplicationInferenceProfile');
    return fakeId(`${this.stackName}/${id}`, 12);
  }
  inferenceProfileArn(id) {
    return `arn:${PARTITION}:bedrock:${this.region}:${this.accountId}:application-inference-profile/${this.inferenceProfileId(id)}`;
  }

  /** A resource's tags as {key: value}, from its Tags property (list or map form). */
  tags(id) {
    const tags = this.resolve(this.resources[id]?.Properties?.Tags, `${id}.Tags`);
    if (!tags) return {};
    if (Array.isArray(tags)) return Object.fromEntries(tags.map((t) => [t.Key, t.Value]));
    return { ...tags };
  }

  #ofType(type) {
    return Object.keys(this.resources).filter((id) => this.resources[id].Type === type);
  }

  // ---------------------------------------------------------------- resources

  /** Every table: {logicalId, name, arn, keySchema: {hash, range}, indexes: [{name, arn, hash, range}], tags}. */
  tables() {
    return this.#memo('tables', () => this.#ofType('AWS::DynamoDB::Table').map((id) => {
      const p = this.resolve(this.resources[id].Properties ?? {}, id);
      const keys = (schema = []) => ({
        hash: schema.find((k) => k.KeyType === 'HASH')?.AttributeName,
        range: schema.find((k) => k.KeyType === 'RANGE')?.AttributeName,
      });
      const arn = this.tableArn(id);
      const indexes = [...(p.GlobalSecondaryIndexes ?? []), ...(p.LocalSecondaryIndexes ?? [])].map((ix) => ({
        name: ix.IndexName,
        arn: `${arn}/index/${ix.IndexName}`,
        ...keys(ix.KeySchema),
      }));
      return { logicalId: id, name: this.tableName(id), arn, keySchema: keys(p.KeySchema), indexes, tags: this.tags(id) };
    }));
  }

  table(name) {
    const t = this.tables().find((x) => x.name === name);
    if (!t) throw new Error(`template has no table named ${name}`);
    return t;
  }

  index(tableName, indexName) {
    const t = this.table(tableName);
    const ix = t.indexes.find((i) => i.name === indexName);
    if (!ix) throw new Error(`table ${tableName} has no index ${indexName} (has: ${t.indexes.map((i) => i.name).join(', ') || 'none'})`);
    return { ...ix, table: t };
  }

  queues() {
    return this.#memo('queues', () => this.#ofType('AWS::SQS::Queue').map((id) => ({
      logicalId: id,
      name: this.queueName(id),
      arn: this.queueArn(id),
      url: this.ref(id),
      tags: this.tags(id),
    })));
  }

  queue(name) {
    const q = this.queues().find((x) => x.name === name);
    if (!q) throw new Error(`template has no queue named ${name}`);
    return q;
  }

  secrets() {
    return this.#memo('secrets', () => this.#ofType('AWS::SecretsManager::Secret').map((id) => ({
      logicalId: id,
      name: this.secretName(id),
      arn: this.secretArn(id),
      tags: this.tags(id),
    })));
  }

  secret(name) {
    const s = this.secrets().find((x) => x.name === name);
    if (!s) throw new Error(`template has no secret named ${name}`);
    return s;
  }

  keys() {
    return this.#memo('keys', () => this.#ofType('AWS::KMS::Key').map((id) => ({
      logicalId: id,
      arn: this.keyArn(id),
      tags: this.tags(id),
      keyPolicy: this.resolve(this.resources[id].Properties?.KeyPolicy, `${id}.KeyPolicy`),
    })));
  }

  inferenceProfiles() {
    return this.#memo('inferenceProfiles', () => this.#ofType('AWS::Bedrock::ApplicationInferenceProfile').map((id) => ({
      logicalId: id,
      name: this.resolve(this.resources[id].Properties?.InferenceProfileName, `${id}.InferenceProfileName`),
      arn: this.inferenceProfileArn(id),
      /** The model (or system inference profile) ARN it copies: ModelSource.CopyFrom. */
      model: this.resolve(this.resources[id].Properties?.ModelSource?.CopyFrom, `${id}.ModelSource.CopyFrom`),
      tags: this.tags(id),
    })));
  }

  /**
   * The profile named name, or else the one profile whose name is name plus a suffix: the CDK
   * app names a brand's profile wabot-<env>-<clientId>-<hash of the model>.
   */
  inferenceProfile(name) {
    const all = this.inferenceProfiles();
    let p = all.find((x) => x.name === name);
    if (!p) {
      const suffixed = all.filter((x) => typeof x.name === 'string' && x.name.startsWith(`${name}-`));
      if (suffixed.length > 1) throw new Error(`several inference profiles are named ${name}-*: ${suffixed.map((x) => x.name).join(', ')}`);
      [p] = suffixed;
    }
    if (!p) {
      throw new Error(`template has no AWS::Bedrock::ApplicationInferenceProfile named ${name} (has: ${this.inferenceProfiles().map((x) => x.name).join(', ') || 'none'})`);
    }
    return p;
  }

  // ---------------------------------------------------------------- roles and policies

  /** The role names an AWS::IAM::Policy / ManagedPolicy / RolePolicy is attached to. */
  #attachedRoleNames(id) {
    const p = this.resources[id].Properties ?? {};
    if (this.resources[id].Type === 'AWS::IAM::RolePolicy') return [this.resolve(p.RoleName, `${id}.RoleName`)];
    return this.resolve(p.Roles ?? [], `${id}.Roles`);
  }

  /**
   * Every identity policy of role id: AWS::IAM::Policy, AWS::IAM::RolePolicy and customer
   * managed AWS::IAM::ManagedPolicy resources attached to it, its inline Policies, and its
   * ManagedPolicyArns. A managed policy that is not in the template (an AWS managed policy,
   * or one from another stack) throws: its document is not known offline.
   */
  identityPolicies(id) {
    const p = this.#typed(id, 'AWS::IAM::Role');
    const name = this.roleName(id);
    const out = [];
    for (const inline of this.resolve(p.Policies ?? [], `${id}.Policies`)) {
      out.push({ name: `${id}/${inline.PolicyName}`, policy: inline.PolicyDocument });
    }
    for (const pid of [...this.#ofType('AWS::IAM::Policy'), ...this.#ofType('AWS::IAM::RolePolicy')]) {
      if (this.#attachedRoleNames(pid).includes(name)) {
        out.push({ name: pid, policy: this.resolve(this.resources[pid].Properties.PolicyDocument, `${pid}.PolicyDocument`) });
      }
    }
    const managedById = new Map(this.#ofType('AWS::IAM::ManagedPolicy').map((mid) => [this.managedPolicyArn(mid), mid]));
    const attachedManaged = new Set();
    for (const arn of this.resolve(p.ManagedPolicyArns ?? [], `${id}.ManagedPolicyArns`)) {
      const mid = managedById.get(arn);
      if (!mid) {
        throw new Error(`role ${id} has managed policy ${arn}, which is not defined in the template: its document cannot be evaluated offline`);
      }
      attachedManaged.add(mid);
    }
    for (const mid of this.#ofType('AWS::IAM::ManagedPolicy')) {
      if (this.#attachedRoleNames(mid).includes(name)) attachedManaged.add(mid);
    }
    for (const mid of attachedManaged) {
      out.push({ name: mid, policy: this.resolve(this.resources[mid].Properties.PolicyDocument, `${mid}.PolicyDocument`) });
    }
    return out;
  }

  /** The permissions boundary of role id, as [{name, policy}], or undefined. */
  permissionBoundary(id) {
    const p = this.#typed(id, 'AWS::IAM::Role');
    if (p.PermissionsBoundary === undefined) return undefined;
    const arn = this.resolve(p.PermissionsBoundary, `${id}.PermissionsBoundary`);
    const mid = this.#ofType('AWS::IAM::ManagedPolicy').find((m) => this.managedPolicyArn(m) === arn);
    if (!mid) throw new Error(`role ${id} has permissions boundary ${arn}, which is not defined in the template`);
    return [{ name: mid, policy: this.resolve(this.resources[mid].Properties.PolicyDocument, `${mid}.PolicyDocument`) }];
  }

  /** Every role: {logicalId, name, arn, trustPolicy, identityPolicies, permissionBoundary, tags}. */
  roles() {
    return this.#ofType('AWS::IAM::Role').map((id) => this.roleById(id));
  }

  roleById(id) {
    return this.#memo(`role:${id}`, () => ({
      logicalId: id,
      name: this.roleName(id),
      arn: this.roleArn(id),
      trustPolicy: this.resolve(this.resources[id].Properties?.AssumeRolePolicyDocument, `${id}.AssumeRolePolicyDocument`),
      identityPolicies: this.identityPolicies(id),
      permissionBoundary: this.permissionBoundary(id),
      tags: this.tags(id),
    }));
  }

  /** The role whose RoleName is name. */
  roleNamed(name) {
    const id = this.#ofType('AWS::IAM::Role').find((r) => this.roleName(r) === name);
    if (!id) throw new Error(`template has no AWS::IAM::Role with RoleName ${name}`);
    return this.roleById(id);
  }

  /** Lambda functions and their execution roles: [{logicalId, functionName, role}]. */
  functions() {
    return this.#ofType('AWS::Lambda::Function').map((fid) => {
      const roleArn = this.resolve(this.resources[fid].Properties?.Role, `${fid}.Role`);
      const rid = this.#ofType('AWS::IAM::Role').find((r) => this.roleArn(r) === roleArn);
      return { logicalId: fid, functionName: this.ref(fid), roleArn, role: rid ? this.roleById(rid) : undefined };
    });
  }

  /**
   * The execution role of the one Lambda function whose logical id matches pattern. Throws
   * unless exactly one function matches and its role is defined in the template.
   */
  functionRole(pattern) {
    const matches = this.functions().filter((f) => pattern.test(f.logicalId));
    if (matches.length !== 1) {
      throw new Error(`expected one Lambda function matching ${pattern}, found ${matches.length}: ${matches.map((f) => f.logicalId).join(', ')}`);
    }
    if (!matches[0].role) throw new Error(`function ${matches[0].logicalId} has role ${matches[0].roleArn}, not defined in the template`);
    return matches[0].role;
  }

  // ---------------------------------------------------------------- resource-side facts

  /**
   * The resource-based policy of the resource with this ARN, merged into one document (the
   * statements of every policy that applies to it), or undefined: SQS queue policies, KMS key
   * policies, Secrets Manager resource policies, DynamoDB table resource policies, and role
   * trust policies.
   */
  resourcePolicy(arn) {
    const statements = [];
    const add = (doc) => {
      if (!doc) return;
      statements.push(...[doc.Statement].flat());
    };
    for (const id of this.#ofType('AWS::SQS::QueuePolicy')) {
      const p = this.resolve(this.resources[id].Properties, id);
      if (p.Queues.some((url) => this.queues().some((q) => q.url === url && q.arn === arn))) add(p.PolicyDocument);
    }
    for (const id of this.#ofType('AWS::SecretsManager::ResourcePolicy')) {
      const p = this.resolve(this.resources[id].Properties, id);
      if (p.SecretId === arn || this.secrets().some((s) => s.arn === arn && s.name === p.SecretId)) add(p.ResourcePolicy);
    }
    for (const k of this.keys()) if (k.arn === arn) add(k.keyPolicy);
    for (const t of this.tables()) {
      if (t.arn === arn || t.indexes.some((i) => i.arn === arn)) {
        add(this.resolve(this.resources[t.logicalId].Properties?.ResourcePolicy?.PolicyDocument, `${t.logicalId}.ResourcePolicy`));
      }
    }
    for (const r of this.#ofType('AWS::IAM::Role')) if (this.roleArn(r) === arn) add(this.roleById(r).trustPolicy);
    if (statements.length === 0) return undefined;
    return { Version: '2012-10-17', Statement: statements };
  }

  /** The tags of the resource with this ARN (an index has its table's tags). */
  tagsOf(arn) {
    for (const t of this.tables()) if (t.arn === arn || t.indexes.some((i) => i.arn === arn)) return t.tags;
    for (const group of [this.queues(), this.secrets(), this.keys(), this.inferenceProfiles(), this.roles()]) {
      const r = group.find((x) => x.arn === arn);
      if (r) return r.tags;
    }
    return {};
  }
}
