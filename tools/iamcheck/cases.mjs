// The IAM cases of the tenant isolation design, as data: each case names a principal, a
// service action and a resource, the expected outcome, and a run() that asks the policy
// evaluator (simulate.mjs). iam.test.mjs runs them against the synthesized dev template;
// selftest.test.mjs runs the same builder against hand-made fixtures to prove that a leak
// makes a case fail.
//
// Resources are looked up inside run(), so a resource the template lacks fails its own cases
// with a message that names it, instead of hiding them.

import { decide, externalPrincipal, rolePrincipal } from './simulate.mjs';

/** The dev environment's design (docs: tenant-scoped access; shared/resourcenames). */
export const DEV_DESIGN = {
  env: 'dev',
  tenantRoleName: 'wabot-dev-tenant-access',
  tenantAdminRoleName: 'wabot-dev-tenant-admin',
  tenantTag: 'clientId',
  webhookFunction: /Webhook/,
  workerFunction: /Worker/,
  adminFunction: /^AdminFunction/,
  brand: 'demo-burger',
  brandStore: 'vila-madalena',
  other: 'demo-pizzaria',
  otherStores: ['centro', 'paulista'],
  tables: {
    clientConfig: 'WhatsAppBotClientConfig-dev',
    storeConfig: 'WhatsAppBotStoreConfig-dev',
    menu: 'WhatsAppBotMenu-dev',
    phoneMapping: 'WhatsAppBotPhoneMapping-dev',
    conversationState: 'WhatsAppBotConversationState-dev',
    orders: 'WhatsAppBotOrders-dev',
    idempotency: 'WhatsAppBotIdempotency-dev',
    dailyMetrics: 'WhatsAppBotDailyMetrics-dev',
    audit: 'WhatsAppBotAudit-dev',
  },
  clientIndex: 'twilioPhoneNumber-index',
  // The admin API's platform-level indexes (its function's own role): the brand list, one
  // partition keyed brandListValue, and the audit by day.
  brandsIndex: 'brandList-index',
  brandListValue: 'brand',
  auditDayIndex: 'auditDay-index',
  inboundQueue: 'wabot-dev-inbound.fifo',
  inboundDlq: 'wabot-dev-inbound-dlq.fifo',
  secret: (clientId, kind) => `wabot/dev/${clientId}/${kind}`,
  // The platform's key of erased customers' pseudonyms (no clientId tag): the admin
  // function's own role reads it, no tenant session does.
  pseudonymKey: 'wabot/dev/_platform/pseudonym-key',
  storeQueue: (clientId, storeId) => `wabot-dev-${clientId}-${storeId}-orders.fifo`,
  storeDlq: (clientId, storeId) => `wabot-dev-${clientId}-${storeId}-orders-dlq.fifo`,
  // What the tenant admin role allows a brand's session: resourcenames.TenantAdminTableActions,
  // TenantAdminSecretActions and TenantAdminQueueActions (infra/stacks/admin_test.go holds the
  // template to them exactly; this is the same list, for the evaluator).
  tenantAdminTableActions: {
    'WhatsAppBotClientConfig-dev': ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'],
    'WhatsAppBotStoreConfig-dev': ['GetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem'],
    'WhatsAppBotMenu-dev': ['GetItem', 'Query', 'PutItem', 'DeleteItem', 'BatchWriteItem'],
    'WhatsAppBotPhoneMapping-dev': ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query'],
    'WhatsAppBotConversationState-dev': ['GetItem', 'BatchGetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query'],
    'WhatsAppBotOrders-dev': ['GetItem', 'PutItem', 'UpdateItem', 'Query'],
    'WhatsAppBotDailyMetrics-dev': ['GetItem', 'Query', 'UpdateItem'],
  },
  tenantAdminSecretActions: ['GetSecretValue', 'DescribeSecret', 'PutSecretValue'],
  tenantAdminQueueActions: ['GetQueueUrl', 'GetQueueAttributes', 'SendMessage'],
  inferenceProfile: (clientId) => `wabot-dev-${clientId}`,
};

const PHONE = 'whatsapp:+5511999990001';
const TWILIO_NUMBER = 'whatsapp:+5511888880000';

/**
 * The leading key (partition key value) of an item of brand in each tenant table: the tables
 * keyed by clientId take the brand itself; the pk tables take "<clientId>#<rest>".
 */
function itemKey(design, table, brand) {
  const t = design.tables;
  switch (table) {
    case t.clientConfig:
    case t.storeConfig:
    case t.menu:
    case t.dailyMetrics:
    case t.audit:
      return brand;
    case t.phoneMapping:
    case t.conversationState:
      return `${brand}#${PHONE}`;
    case t.orders:
      return `${brand}#ord-0001`;
    case t.idempotency:
      return `${brand}#SM0123456789abcdef`;
    default:
      throw new Error(`no key shape for ${table}`);
  }
}

/**
 * The tenant tables: every table but the platform's idempotency table and the admin API's
 * audit (written and read by the admin function's own role, never by a tenant session).
 */
function tenantTables(design) {
  const t = design.tables;
  return [t.clientConfig, t.storeConfig, t.menu, t.phoneMapping, t.conversationState, t.orders, t.dailyMetrics];
}

/**
 * What the runtime does with a tenant's items, per table, under the tenant session
 * (shared/dynamo): brand and store configuration are read-only there (operators and the
 * registrar write them), menus are replaced in batches, customers' mappings and
 * conversations are read, written and deleted, orders are never deleted.
 */
function tenantItemActions(design, table) {
  const t = design.tables;
  const d = (...a) => a.map((x) => `dynamodb:${x}`);
  switch (table) {
    case t.clientConfig:
      return d('GetItem');
    case t.storeConfig:
      return d('GetItem', 'Query');
    case t.menu:
      return d('GetItem', 'Query', 'PutItem', 'DeleteItem', 'BatchWriteItem');
    case t.phoneMapping:
      return d('GetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem');
    case t.conversationState:
      // BatchGetItem: a store's list reads the conversations the KEYS_ONLY index names.
      return d('GetItem', 'BatchGetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem');
    case t.orders:
      return d('GetItem', 'Query', 'PutItem', 'UpdateItem');
    case t.dailyMetrics:
      // The worker's daily counters: atomic ADDs on the brand's items, and a Query of the
      // brand's day before a model call (its daily token budget, metrics.ModelSpend).
      return d('UpdateItem', 'Query');
    default:
      throw new Error(`no runtime actions for ${table}`);
  }
}

/** Every item-level data action: whatever the runtime uses, none may cross tenants. */
const ITEM_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:Query',
  'dynamodb:BatchGetItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
];

/** The runtime's listing indexes: [table, index, leading key of brand (store, shard)]. */
function tenantIndexes(design) {
  const t = design.tables;
  return [
    [t.phoneMapping, 'brandShard-index', (brand) => `${brand}#3`],
    [t.conversationState, 'storeShard-index', (brand, store) => `${brand}#${store}#2`],
    [t.conversationState, 'sessionId-index', (brand) => `${brand}#sess-0001`],
    [t.orders, 'storeShard-status-index', (brand, store) => `${brand}#${store}#2`],
    // A customer's orders (LGPD export and erasure): customerKey "<clientId>#<phone>".
    [t.orders, 'customerKey-index', (brand) => `${brand}#${PHONE}`],
  ];
}

const EXPECT_TEXT = { allow: 'ALLOWED', deny: 'DENIED', explicitDeny: 'EXPLICITLY DENIED' };

/** Does the evaluator's decision meet the expectation? */
export function meets(expect, decision) {
  if (expect === 'allow') return decision === 'Allowed';
  if (expect === 'deny') return decision !== 'Allowed';
  if (expect === 'explicitDeny') return decision === 'ExplicitlyDenied';
  throw new Error(`unknown expectation ${expect}`);
}

/** Runs one case: {ok, decision, message}; a harness error (missing resource) is not ok. */
export async function check(c) {
  try {
    const r = await c.run();
    const ok = meets(c.expect, r.decision);
    return { ok, decision: r.decision, message: ok ? '' : `expected ${EXPECT_TEXT[c.expect]}, evaluator said ${r.decision}` };
  } catch (err) {
    return { ok: false, decision: 'error', message: err.message };
  }
}

function short(arn) {
  return arn.replace(/^arn:aws:[^:]+:[^:]*:\d*:/, '');
}

function leadingKeys(keys) {
  return keys === undefined ? 'no LeadingKeys' : `LeadingKeys=${JSON.stringify(keys)}`;
}

/**
 * Builds every case for stack (a template.mjs Stack) and design. Returns
 * [{id, group, title, expect: 'allow' | 'deny' | 'explicitDeny', run}].
 */
export function buildCases(stack, design = DEV_DESIGN) {
  const cases = [];
  const add = (group, id, title, expect, run) => cases.push({ group, id, title: `${title} -> ${EXPECT_TEXT[expect]}`, expect, run });

  const tenantRole = () => stack.roleNamed(design.tenantRoleName);
  const tenantSession = (brand) => rolePrincipal(stack, tenantRole(), { [design.tenantTag]: brand });
  const webhookRole = () => stack.functionRole(design.webhookFunction);
  const workerRole = () => stack.functionRole(design.workerFunction);
  const functionRoles = [
    ['webhook', webhookRole],
    ['worker', workerRole],
  ];
  const dataKey = () => {
    const keys = stack.keys();
    if (keys.length !== 1) throw new Error(`expected one KMS key in the template, found ${keys.length}`);
    return keys[0];
  };
  const kms = (service) => `${service}.${stack.region}.amazonaws.com`;

  const B = design.brand;
  const O = design.other;
  const tenantLabel = (brand) => `tenant(${design.tenantRoleName}, clientId=${brand})`;

  // 1. The tenant session of demo-burger: its own data, nobody else's. ----------------------
  const g1 = 'tenant session';
  for (const table of tenantTables(design)) {
    for (const action of tenantItemActions(design, table)) {
      const keys = [itemKey(design, table, B)];
      add(g1, `tenant-own:${table}:${action}`, `${tenantLabel(B)} ${action} table/${table} ${leadingKeys(keys)}`, 'allow', () =>
        decide(stack, { principal: tenantSession(B), action, resource: stack.table(table).arn, context: { 'dynamodb:LeadingKeys': keys } }),
      );
    }
    for (const action of ITEM_ACTIONS) {
      const keys = [itemKey(design, table, O)];
      add(g1, `tenant-other:${table}:${action}`, `${tenantLabel(B)} ${action} table/${table} ${leadingKeys(keys)}`, 'deny', () =>
        decide(stack, { principal: tenantSession(B), action, resource: stack.table(table).arn, context: { 'dynamodb:LeadingKeys': keys } }),
      );
    }
    for (const action of ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem']) {
      const keys = [itemKey(design, table, B), itemKey(design, table, O)];
      add(g1, `tenant-mixed:${table}:${action}`, `${tenantLabel(B)} ${action} table/${table} ${leadingKeys(keys)} (both brands)`, 'deny', () =>
        decide(stack, { principal: tenantSession(B), action, resource: stack.table(table).arn, context: { 'dynamodb:LeadingKeys': keys } }),
      );
    }
    // Keys that only look like the brand's: another id with the brand as a prefix, a prefix of
    // the brand, another case, and the bare separator.
    const lookalikes = [`${B}-x#${PHONE}`, `${B}x`, `${B}-x`, B.slice(0, -1), `${B.slice(0, -1)}#${PHONE}`, B.toUpperCase(), `#${PHONE}`, ''];
    for (const k of lookalikes) {
      add(g1, `tenant-lookalike:${table}:${k}`, `${tenantLabel(B)} dynamodb:GetItem table/${table} ${leadingKeys([k])} (look-alike key)`, 'deny', () =>
        decide(stack, { principal: tenantSession(B), action: 'dynamodb:GetItem', resource: stack.table(table).arn, context: { 'dynamodb:LeadingKeys': [k] } }),
      );
    }
    add(g1, `tenant-nokeys:${table}`, `${tenantLabel(B)} dynamodb:GetItem table/${table} no LeadingKeys in the request (Null guard)`, 'deny', () =>
      decide(stack, { principal: tenantSession(B), action: 'dynamodb:GetItem', resource: stack.table(table).arn }),
    );
  }
  for (const [table, index, key] of tenantIndexes(design)) {
    const own = [key(B, design.brandStore)];
    add(g1, `tenant-own-index:${index}`, `${tenantLabel(B)} dynamodb:Query table/${table}/index/${index} ${leadingKeys(own)}`, 'allow', () =>
      decide(stack, { principal: tenantSession(B), action: 'dynamodb:Query', resource: stack.index(table, index).arn, context: { 'dynamodb:LeadingKeys': own } }),
    );
    for (const store of design.otherStores) {
      const other = [key(O, store)];
      add(g1, `tenant-other-index:${index}:${store}`, `${tenantLabel(B)} dynamodb:Query table/${table}/index/${index} ${leadingKeys(other)}`, 'deny', () =>
        decide(stack, { principal: tenantSession(B), action: 'dynamodb:Query', resource: stack.index(table, index).arn, context: { 'dynamodb:LeadingKeys': other } }),
      );
    }
    const lookalike = [key(`${B}-x`, design.brandStore)];
    add(g1, `tenant-lookalike-index:${index}`, `${tenantLabel(B)} dynamodb:Query table/${table}/index/${index} ${leadingKeys(lookalike)} (look-alike key)`, 'deny', () =>
      decide(stack, { principal: tenantSession(B), action: 'dynamodb:Query', resource: stack.index(table, index).arn, context: { 'dynamodb:LeadingKeys': lookalike } }),
    );
  }
  // The daily token budget: the worker reads the brand's counters of the day (a Query on the
  // partition clientId) with the brand's session, never another brand's, nor a look-alike's,
  // nor with its own role (the function-role cases below deny every item action).
  {
    const table = design.tables.dailyMetrics;
    const query = (keys) => () =>
      decide(stack, { principal: tenantSession(B), action: 'dynamodb:Query', resource: stack.table(table).arn, context: { 'dynamodb:LeadingKeys': keys } });
    add(g1, 'tenant-budget-query-own', `${tenantLabel(B)} dynamodb:Query table/${table} ${leadingKeys([B])} (its daily token budget)`, 'allow', query([B]));
    for (const k of [O, `${B}-x`, B.slice(0, -1)]) {
      add(g1, `tenant-budget-query:${k}`, `${tenantLabel(B)} dynamodb:Query table/${table} ${leadingKeys([k])} (another brand's counters)`, 'deny', query([k]));
    }
    add(g1, 'worker-budget-query-own-role', `worker role (no tenant session) dynamodb:Query table/${table} ${leadingKeys([B])}`, 'deny', () =>
      decide(stack, { principal: rolePrincipal(stack, workerRole()), action: 'dynamodb:Query', resource: stack.table(table).arn, context: { 'dynamodb:LeadingKeys': [B] } }),
    );
  }
  {
    const table = design.tables.clientConfig;
    add(g1, 'tenant-client-index', `${tenantLabel(B)} dynamodb:Query table/${table}/index/${design.clientIndex} ${leadingKeys([TWILIO_NUMBER])} (platform lookup, not the tenant's)`, 'deny', () =>
      decide(stack, { principal: tenantSession(B), action: 'dynamodb:Query', resource: stack.index(table, design.clientIndex).arn, context: { 'dynamodb:LeadingKeys': [TWILIO_NUMBER] } }),
    );
  }
  for (const table of Object.values(design.tables)) {
    add(g1, `tenant-scan:${table}`, `${tenantLabel(B)} dynamodb:Scan table/${table} (explicit Deny)`, 'explicitDeny', () =>
      decide(stack, { principal: tenantSession(B), action: 'dynamodb:Scan', resource: stack.table(table).arn }),
    );
  }

  // Twilio's for the webhook's signature check and the replies; Asaas's for the payment
  // webhook's token check and the worker's charges.
  for (const kind of ['twilio', 'asaas']) {
    add(g1, `tenant-own-secret:${kind}`, `${tenantLabel(B)} secretsmanager:GetSecretValue secret:${design.secret(B, kind)}`, 'allow', () =>
      decide(stack, { principal: tenantSession(B), action: 'secretsmanager:GetSecretValue', resource: stack.secret(design.secret(B, kind)).arn }),
    );
  }
  for (const kind of ['twilio', 'asaas']) {
    add(g1, `tenant-other-secret:${kind}`, `${tenantLabel(B)} secretsmanager:GetSecretValue secret:${design.secret(O, kind)}`, 'deny', () =>
      decide(stack, { principal: tenantSession(B), action: 'secretsmanager:GetSecretValue', resource: stack.secret(design.secret(O, kind)).arn }),
    );
  }
  add(g1, 'tenant-own-queue', `${tenantLabel(B)} sqs:SendMessage ${design.storeQueue(B, design.brandStore)}`, 'allow', () =>
    decide(stack, { principal: tenantSession(B), action: 'sqs:SendMessage', resource: stack.queue(design.storeQueue(B, design.brandStore)).arn }),
  );
  for (const store of design.otherStores) {
    add(g1, `tenant-other-queue:${store}`, `${tenantLabel(B)} sqs:SendMessage ${design.storeQueue(O, store)}`, 'deny', () =>
      decide(stack, { principal: tenantSession(B), action: 'sqs:SendMessage', resource: stack.queue(design.storeQueue(O, store)).arn }),
    );
  }
  add(g1, 'tenant-own-profile', `${tenantLabel(B)} bedrock:InvokeModel application-inference-profile ${design.inferenceProfile(B)}`, 'allow', () =>
    decide(stack, { principal: tenantSession(B), action: 'bedrock:InvokeModel', resource: stack.inferenceProfile(design.inferenceProfile(B)).arn }),
  );
  add(g1, 'tenant-other-profile', `${tenantLabel(B)} bedrock:InvokeModel application-inference-profile ${design.inferenceProfile(O)}`, 'deny', () =>
    decide(stack, { principal: tenantSession(B), action: 'bedrock:InvokeModel', resource: stack.inferenceProfile(design.inferenceProfile(O)).arn }),
  );
  // A call through the profile is also authorized on the profile's foundation model, with
  // bedrock:InferenceProfileArn; the model alone (no profile) is not for the tenant.
  add(g1, 'tenant-own-profile-model', `${tenantLabel(B)} bedrock:InvokeModel foundation-model of ${design.inferenceProfile(B)} via bedrock:InferenceProfileArn=${design.inferenceProfile(B)}`, 'allow', () => {
    const p = stack.inferenceProfile(design.inferenceProfile(B));
    return decide(stack, { principal: tenantSession(B), action: 'bedrock:InvokeModel', resource: p.model, context: { 'bedrock:InferenceProfileArn': p.arn } });
  });
  add(g1, 'tenant-model-direct', `${tenantLabel(B)} bedrock:InvokeModel foundation-model of ${design.inferenceProfile(B)} directly (no inference profile)`, 'deny', () =>
    decide(stack, { principal: tenantSession(B), action: 'bedrock:InvokeModel', resource: stack.inferenceProfile(design.inferenceProfile(B)).model }),
  );

  // KMS: the data key, only through the services that hold the tenant's data.
  for (const [action, service] of [
    ['kms:Decrypt', 'secretsmanager'],
    ['kms:Decrypt', 'dynamodb'],
    ['kms:GenerateDataKey', 'sqs'],
  ]) {
    add(g1, `tenant-kms:${action}:${service}`, `${tenantLabel(B)} ${action} key (data key) kms:ViaService=${kms(service)}`, 'allow', () =>
      decide(stack, { principal: tenantSession(B), action, resource: dataKey().arn, context: { 'kms:ViaService': kms(service), 'kms:CallerAccount': stack.accountId } }),
    );
  }
  add(g1, 'tenant-kms-direct', `${tenantLabel(B)} kms:Decrypt key (data key) called directly, no kms:ViaService`, 'deny', () =>
    decide(stack, { principal: tenantSession(B), action: 'kms:Decrypt', resource: dataKey().arn, context: { 'kms:CallerAccount': stack.accountId } }),
  );
  // A session without the tag reaches nothing of any tenant.
  {
    const table = design.tables.orders;
    add(g1, 'untagged-tenant-session', `tenant(${design.tenantRoleName}, no clientId tag) dynamodb:GetItem table/${table} ${leadingKeys([itemKey(design, table, B)])}`, 'deny', () =>
      decide(stack, { principal: rolePrincipal(stack, tenantRole()), action: 'dynamodb:GetItem', resource: stack.table(table).arn, context: { 'dynamodb:LeadingKeys': [itemKey(design, table, B)] } }),
    );
    add(g1, 'untagged-tenant-secret', `tenant(${design.tenantRoleName}, no clientId tag) secretsmanager:GetSecretValue secret:${design.secret(B, 'twilio')}`, 'deny', () =>
      decide(stack, { principal: rolePrincipal(stack, tenantRole()), action: 'secretsmanager:GetSecretValue', resource: stack.secret(design.secret(B, 'twilio')).arn }),
    );
  }

  // 2. The function roles, without a tenant session. -----------------------------------------
  const g2 = 'function roles';
  for (const [fn, role] of functionRoles) {
    const label = `${fn} role (no tenant session)`;
    const p = () => rolePrincipal(stack, role());
    for (const brand of [B, O]) {
      for (const table of tenantTables(design)) {
        for (const action of ITEM_ACTIONS) {
          const keys = [itemKey(design, table, brand)];
          add(g2, `fn-table:${fn}:${table}:${action}:${brand}`, `${label} ${action} table/${table} ${leadingKeys(keys)}`, 'deny', () =>
            decide(stack, { principal: p(), action, resource: stack.table(table).arn, context: { 'dynamodb:LeadingKeys': keys } }),
          );
        }
      }
      for (const [table, index, key] of tenantIndexes(design)) {
        const store = brand === B ? design.brandStore : design.otherStores[0];
        const keys = [key(brand, store)];
        add(g2, `fn-index:${fn}:${index}:${brand}`, `${label} dynamodb:Query table/${table}/index/${index} ${leadingKeys(keys)}`, 'deny', () =>
          decide(stack, { principal: p(), action: 'dynamodb:Query', resource: stack.index(table, index).arn, context: { 'dynamodb:LeadingKeys': keys } }),
        );
      }
      for (const kind of ['twilio', 'asaas']) {
        add(g2, `fn-secret:${fn}:${brand}:${kind}`, `${label} secretsmanager:GetSecretValue secret:${design.secret(brand, kind)}`, 'deny', () =>
          decide(stack, { principal: p(), action: 'secretsmanager:GetSecretValue', resource: stack.secret(design.secret(brand, kind)).arn }),
        );
      }
      for (const store of brand === B ? [design.brandStore] : design.otherStores) {
        add(g2, `fn-queue:${fn}:${brand}:${store}`, `${label} sqs:SendMessage ${design.storeQueue(brand, store)}`, 'deny', () =>
          decide(stack, { principal: p(), action: 'sqs:SendMessage', resource: stack.queue(design.storeQueue(brand, store)).arn }),
        );
      }
      add(g2, `fn-profile:${fn}:${brand}`, `${label} bedrock:InvokeModel application-inference-profile ${design.inferenceProfile(brand)}`, 'deny', () =>
        decide(stack, { principal: p(), action: 'bedrock:InvokeModel', resource: stack.inferenceProfile(design.inferenceProfile(brand)).arn }),
      );
      add(g2, `fn-model:${fn}:${brand}`, `${label} bedrock:InvokeModel foundation-model of ${design.inferenceProfile(brand)} via bedrock:InferenceProfileArn=${design.inferenceProfile(brand)}`, 'deny', () => {
        const prof = stack.inferenceProfile(design.inferenceProfile(brand));
        return decide(stack, { principal: p(), action: 'bedrock:InvokeModel', resource: prof.model, context: { 'bedrock:InferenceProfileArn': prof.arn } });
      });
    }
  }
  // Their platform actions.
  const platform = {
    webhook: [
      ['dynamodb:Query', () => stack.index(design.tables.clientConfig, design.clientIndex).arn, { 'dynamodb:LeadingKeys': [TWILIO_NUMBER] }],
      ['dynamodb:PutItem', () => stack.table(design.tables.idempotency).arn, { 'dynamodb:LeadingKeys': [itemKey(design, design.tables.idempotency, B)] }],
      ['dynamodb:DeleteItem', () => stack.table(design.tables.idempotency).arn, { 'dynamodb:LeadingKeys': [itemKey(design, design.tables.idempotency, B)] }],
      ['sqs:SendMessage', () => stack.queue(design.inboundQueue).arn, {}],
      ['kms:GenerateDataKey', () => dataKey().arn, { 'kms:ViaService': kms('sqs'), 'kms:CallerAccount': stack.accountId }],
    ],
    worker: [
      ['dynamodb:GetItem', () => stack.table(design.tables.idempotency).arn, { 'dynamodb:LeadingKeys': [itemKey(design, design.tables.idempotency, B)] }],
      ['dynamodb:PutItem', () => stack.table(design.tables.idempotency).arn, { 'dynamodb:LeadingKeys': [itemKey(design, design.tables.idempotency, B)] }],
      ['dynamodb:DeleteItem', () => stack.table(design.tables.idempotency).arn, { 'dynamodb:LeadingKeys': [itemKey(design, design.tables.idempotency, B)] }],
      ['dynamodb:BatchWriteItem', () => stack.table(design.tables.idempotency).arn, { 'dynamodb:LeadingKeys': [itemKey(design, design.tables.idempotency, B)] }],
      ['sqs:ReceiveMessage', () => stack.queue(design.inboundQueue).arn, {}],
      ['sqs:DeleteMessage', () => stack.queue(design.inboundQueue).arn, {}],
      ['sqs:ChangeMessageVisibility', () => stack.queue(design.inboundQueue).arn, {}],
      ['sqs:GetQueueAttributes', () => stack.queue(design.inboundQueue).arn, {}],
      ['sqs:SendMessage', () => stack.queue(design.inboundDlq).arn, {}],
      ['kms:Decrypt', () => dataKey().arn, { 'kms:ViaService': kms('sqs'), 'kms:CallerAccount': stack.accountId }],
    ],
  };
  const resourceLabel = (arn) => short(arn);
  for (const [fn, role] of functionRoles) {
    for (const [action, resource, context] of platform[fn]) {
      let where;
      try {
        where = resourceLabel(resource());
      } catch {
        where = '(missing resource)';
      }
      const ctx = Object.keys(context).filter((k) => k.startsWith('dynamodb:')).length ? ` ${leadingKeys(context['dynamodb:LeadingKeys'])}` : '';
      const via = context['kms:ViaService'] ? ` kms:ViaService=${context['kms:ViaService']}` : '';
      add(g2, `fn-platform:${fn}:${action}:${where}`, `${fn} role ${action} ${where}${ctx}${via}`, 'allow', () =>
        decide(stack, { principal: rolePrincipal(stack, role()), action, resource: resource(), context }),
      );
    }
  }

  // Assuming the tenant role: identity policy of the caller and the trust policy together.
  const g3 = 'tenant role trust';
  const assume = (principal, action, brand) =>
    decide(stack, {
      principal,
      action,
      resource: tenantRole().arn,
      context: brand ? { [`aws:RequestTag/${design.tenantTag}`]: brand, 'aws:TagKeys': [design.tenantTag] } : {},
    });
  for (const [fn, role] of functionRoles) {
    for (const action of ['sts:AssumeRole', 'sts:TagSession']) {
      for (const brand of [B, O]) {
        add(g3, `trust:${fn}:${action}:${brand}`, `${fn} role ${action} role/${design.tenantRoleName} aws:RequestTag/${design.tenantTag}=${brand}`, 'allow', () =>
          assume(rolePrincipal(stack, role()), action, brand),
        );
      }
      add(g3, `trust-untagged:${fn}:${action}`, `${fn} role ${action} role/${design.tenantRoleName} without aws:RequestTag/${design.tenantTag}`, 'deny', () =>
        assume(rolePrincipal(stack, role()), action, undefined),
      );
    }
  }
  // Every other role of the template (the tenant role itself included) may not assume it.
  let functionRoleIds = new Set();
  try {
    functionRoleIds = new Set([webhookRole().logicalId, workerRole().logicalId]);
  } catch {
    // Reported by the function-role cases; here every role then counts as "other".
  }
  for (const id of roleIds(stack).filter((r) => !functionRoleIds.has(r))) {
    add(g3, `trust-other-role:${id}`, `template role ${id} sts:AssumeRole role/${design.tenantRoleName} aws:RequestTag/${design.tenantTag}=${B} (not a function role)`, 'deny', () =>
      assume(rolePrincipal(stack, stack.roleById(id)), 'sts:AssumeRole', B),
    );
  }
  const admin = [{ name: 'AdministratorAccess', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } }];
  for (const [label, arn] of [
    ['an administrator of the account', `arn:aws:sts::${stack.accountId}:assumed-role/Admin/someone`],
    ['an administrator of another account', 'arn:aws:sts::222222222222:assumed-role/Admin/someone'],
  ]) {
    add(g3, `trust-outsider:${arn}`, `${label} (${arn}) sts:AssumeRole role/${design.tenantRoleName} aws:RequestTag/${design.tenantTag}=${B}`, 'deny', () =>
      assume(externalPrincipal(arn, admin), 'sts:AssumeRole', B),
    );
  }

  add(g1, 'tenant-pseudonym-key', `${tenantLabel(B)} secretsmanager:GetSecretValue secret:${design.pseudonymKey} (the platform's, untagged)`, 'deny', () =>
    decide(stack, { principal: tenantSession(B), action: 'secretsmanager:GetSecretValue', resource: stack.secret(design.pseudonymKey).arn }),
  );
  // The worker reads it: a customer who asks in the chat to be erased is erased there.
  for (const [fn, role] of functionRoles) {
    const expect = fn === 'worker' ? 'allow' : 'deny';
    add(g2, `fn-pseudonym-key:${fn}`, `${fn} role (no tenant session) secretsmanager:GetSecretValue secret:${design.pseudonymKey}`, expect, () =>
      decide(stack, { principal: rolePrincipal(stack, role()), action: 'secretsmanager:GetSecretValue', resource: stack.secret(design.pseudonymKey).arn }),
    );
  }

  // The audit belongs to the admin function's own role: no runtime tenant session reaches it.
  for (const action of ITEM_ACTIONS) {
    const table = design.tables.audit;
    const keys = [itemKey(design, table, B)];
    add(g1, `tenant-audit:${action}`, `${tenantLabel(B)} ${action} table/${table} ${leadingKeys(keys)} (the admin function's, not a tenant's)`, 'deny', () =>
      decide(stack, { principal: tenantSession(B), action, resource: stack.table(table).arn, context: { 'dynamodb:LeadingKeys': keys } }),
    );
  }

  // 4. The admin API: the tenant admin session of demo-burger, the admin function's own role,
  //    and who may assume the tenant admin role. ----------------------------------------------
  const g5 = 'tenant admin session';
  const tenantAdminRole = () => stack.roleNamed(design.tenantAdminRoleName);
  const adminSession = (brand) => rolePrincipal(stack, tenantAdminRole(), { [design.tenantTag]: brand });
  const adminLabel = (brand) => `tenant-admin(${design.tenantAdminRoleName}, clientId=${brand})`;
  for (const [table, actions] of Object.entries(design.tenantAdminTableActions)) {
    for (const a of actions) {
      const action = `dynamodb:${a}`;
      const own = [itemKey(design, table, B)];
      add(g5, `admin-own:${table}:${action}`, `${adminLabel(B)} ${action} table/${table} ${leadingKeys(own)}`, 'allow', () =>
        decide(stack, { principal: adminSession(B), action, resource: stack.table(table).arn, context: { 'dynamodb:LeadingKeys': own } }),
      );
    }
    for (const action of ITEM_ACTIONS) {
      const other = [itemKey(design, table, O)];
      add(g5, `admin-other:${table}:${action}`, `${adminLabel(B)} ${action} table/${table} ${leadingKeys(other)}`, 'deny', () =>
        decide(stack, { principal: adminSession(B), action, resource: stack.table(table).arn, context: { 'dynamodb:LeadingKeys': other } }),
      );
    }
    add(g5, `admin-nokeys:${table}`, `${adminLabel(B)} dynamodb:PutItem table/${table} no LeadingKeys in the request (Null guard)`, 'deny', () =>
      decide(stack, { principal: adminSession(B), action: 'dynamodb:PutItem', resource: stack.table(table).arn }),
    );
    add(g5, `admin-lookalike:${table}`, `${adminLabel(B)} dynamodb:PutItem table/${table} ${leadingKeys([`${B}-x`])} (look-alike key)`, 'deny', () =>
      decide(stack, { principal: adminSession(B), action: 'dynamodb:PutItem', resource: stack.table(table).arn, context: { 'dynamodb:LeadingKeys': [`${B}-x`] } }),
    );
  }
  for (const table of [design.tables.idempotency, design.tables.audit]) {
    for (const action of ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query']) {
      const own = [itemKey(design, table, B)];
      add(g5, `admin-platform-table:${table}:${action}`, `${adminLabel(B)} ${action} table/${table} ${leadingKeys(own)} (platform-level, not a brand's session's)`, 'deny', () =>
        decide(stack, { principal: adminSession(B), action, resource: stack.table(table).arn, context: { 'dynamodb:LeadingKeys': own } }),
      );
    }
  }
  for (const [table, index, key] of tenantIndexes(design)) {
    const own = [key(B, design.brandStore)];
    const other = [key(O, design.otherStores[0])];
    add(g5, `admin-own-index:${index}`, `${adminLabel(B)} dynamodb:Query table/${table}/index/${index} ${leadingKeys(own)}`, 'allow', () =>
      decide(stack, { principal: adminSession(B), action: 'dynamodb:Query', resource: stack.index(table, index).arn, context: { 'dynamodb:LeadingKeys': own } }),
    );
    add(g5, `admin-other-index:${index}`, `${adminLabel(B)} dynamodb:Query table/${table}/index/${index} ${leadingKeys(other)}`, 'deny', () =>
      decide(stack, { principal: adminSession(B), action: 'dynamodb:Query', resource: stack.index(table, index).arn, context: { 'dynamodb:LeadingKeys': other } }),
    );
  }
  for (const a of design.tenantAdminSecretActions) {
    const action = `secretsmanager:${a}`;
    for (const kind of ['twilio', 'asaas']) {
      add(g5, `admin-own-secret:${kind}:${action}`, `${adminLabel(B)} ${action} secret:${design.secret(B, kind)}`, 'allow', () =>
        decide(stack, { principal: adminSession(B), action, resource: stack.secret(design.secret(B, kind)).arn }),
      );
      add(g5, `admin-other-secret:${kind}:${action}`, `${adminLabel(B)} ${action} secret:${design.secret(O, kind)}`, 'deny', () =>
        decide(stack, { principal: adminSession(B), action, resource: stack.secret(design.secret(O, kind)).arn }),
      );
    }
  }
  add(g5, 'admin-pseudonym-key', `${adminLabel(B)} secretsmanager:GetSecretValue secret:${design.pseudonymKey} (the platform's, untagged)`, 'deny', () =>
    decide(stack, { principal: adminSession(B), action: 'secretsmanager:GetSecretValue', resource: stack.secret(design.pseudonymKey).arn }),
  );
  add(g5, 'admin-secret-delete', `${adminLabel(B)} secretsmanager:DeleteSecret secret:${design.secret(B, 'twilio')} (not the admin API's)`, 'deny', () =>
    decide(stack, { principal: adminSession(B), action: 'secretsmanager:DeleteSecret', resource: stack.secret(design.secret(B, 'twilio')).arn }),
  );
  const ownQueues = [design.storeQueue(B, design.brandStore), design.storeDlq(B, design.brandStore)];
  const otherQueues = [design.storeQueue(O, design.otherStores[0]), design.storeDlq(O, design.otherStores[0])];
  for (const a of design.tenantAdminQueueActions) {
    const action = `sqs:${a}`;
    for (const q of ownQueues) {
      add(g5, `admin-own-queue:${q}:${action}`, `${adminLabel(B)} ${action} ${q}`, 'allow', () =>
        decide(stack, { principal: adminSession(B), action, resource: stack.queue(q).arn }),
      );
    }
    for (const q of [...otherQueues, design.inboundDlq]) {
      add(g5, `admin-other-queue:${q}:${action}`, `${adminLabel(B)} ${action} ${q}`, 'deny', () =>
        decide(stack, { principal: adminSession(B), action, resource: stack.queue(q).arn }),
      );
    }
  }
  for (const action of ['sqs:ReceiveMessage', 'sqs:PurgeQueue', 'sqs:DeleteMessage']) {
    add(g5, `admin-queue-data:${action}`, `${adminLabel(B)} ${action} ${ownQueues[0]} (depths and cancellations only)`, 'deny', () =>
      decide(stack, { principal: adminSession(B), action, resource: stack.queue(ownQueues[0]).arn }),
    );
  }
  // The test chat calls the brand's model as the runtime does: its own application inference
  // profile, the foundation model only through such a profile.
  for (const action of ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream']) {
    add(g5, `admin-own-profile:${action}`, `${adminLabel(B)} ${action} application-inference-profile ${design.inferenceProfile(B)} (the test chat)`, 'allow', () =>
      decide(stack, { principal: adminSession(B), action, resource: stack.inferenceProfile(design.inferenceProfile(B)).arn }),
    );
    add(g5, `admin-other-profile:${action}`, `${adminLabel(B)} ${action} application-inference-profile ${design.inferenceProfile(O)}`, 'deny', () =>
      decide(stack, { principal: adminSession(B), action, resource: stack.inferenceProfile(design.inferenceProfile(O)).arn }),
    );
  }
  add(g5, 'admin-own-profile-model', `${adminLabel(B)} bedrock:InvokeModel foundation-model of ${design.inferenceProfile(B)} via bedrock:InferenceProfileArn=${design.inferenceProfile(B)}`, 'allow', () => {
    const p = stack.inferenceProfile(design.inferenceProfile(B));
    return decide(stack, { principal: adminSession(B), action: 'bedrock:InvokeModel', resource: p.model, context: { 'bedrock:InferenceProfileArn': p.arn } });
  });
  add(g5, 'admin-model-direct', `${adminLabel(B)} bedrock:InvokeModel foundation-model of ${design.inferenceProfile(B)} directly (no inference profile)`, 'deny', () =>
    decide(stack, { principal: adminSession(B), action: 'bedrock:InvokeModel', resource: stack.inferenceProfile(design.inferenceProfile(B)).model }),
  );
  add(g5, 'untagged-admin-session-profile', `tenant-admin(${design.tenantAdminRoleName}, no clientId tag) bedrock:InvokeModel application-inference-profile ${design.inferenceProfile(B)}`, 'deny', () =>
    decide(stack, { principal: rolePrincipal(stack, tenantAdminRole()), action: 'bedrock:InvokeModel', resource: stack.inferenceProfile(design.inferenceProfile(B)).arn }),
  );
  for (const [action, service] of [
    ['kms:Decrypt', 'dynamodb'],
    ['kms:GenerateDataKey', 'secretsmanager'],
  ]) {
    add(g5, `admin-kms:${action}:${service}`, `${adminLabel(B)} ${action} key (data key) kms:ViaService=${kms(service)}`, 'allow', () =>
      decide(stack, { principal: adminSession(B), action, resource: dataKey().arn, context: { 'kms:ViaService': kms(service), 'kms:CallerAccount': stack.accountId } }),
    );
  }
  add(g5, 'admin-kms-direct', `${adminLabel(B)} kms:Decrypt key (data key) called directly, no kms:ViaService`, 'deny', () =>
    decide(stack, { principal: adminSession(B), action: 'kms:Decrypt', resource: dataKey().arn, context: { 'kms:CallerAccount': stack.accountId } }),
  );
  {
    const table = design.tables.clientConfig;
    add(g5, 'untagged-admin-session', `tenant-admin(${design.tenantAdminRoleName}, no clientId tag) dynamodb:GetItem table/${table} ${leadingKeys([B])}`, 'deny', () =>
      decide(stack, { principal: rolePrincipal(stack, tenantAdminRole()), action: 'dynamodb:GetItem', resource: stack.table(table).arn, context: { 'dynamodb:LeadingKeys': [B] } }),
    );
  }

  const g6 = 'admin function role';
  const adminRole = () => stack.functionRole(design.adminFunction);
  const adminFn = () => rolePrincipal(stack, adminRole());
  const adminFnLabel = 'admin role (no tenant session)';
  for (const brand of [B, O]) {
    for (const table of tenantTables(design)) {
      for (const action of ITEM_ACTIONS) {
        const keys = [itemKey(design, table, brand)];
        add(g6, `adminfn-table:${table}:${action}:${brand}`, `${adminFnLabel} ${action} table/${table} ${leadingKeys(keys)}`, 'deny', () =>
          decide(stack, { principal: adminFn(), action, resource: stack.table(table).arn, context: { 'dynamodb:LeadingKeys': keys } }),
        );
      }
    }
    for (const [table, index, key] of tenantIndexes(design)) {
      const keys = [key(brand, brand === B ? design.brandStore : design.otherStores[0])];
      add(g6, `adminfn-index:${index}:${brand}`, `${adminFnLabel} dynamodb:Query table/${table}/index/${index} ${leadingKeys(keys)}`, 'deny', () =>
        decide(stack, { principal: adminFn(), action: 'dynamodb:Query', resource: stack.index(table, index).arn, context: { 'dynamodb:LeadingKeys': keys } }),
      );
    }
    for (const kind of ['twilio', 'asaas']) {
      for (const action of ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue']) {
        add(g6, `adminfn-secret:${brand}:${kind}:${action}`, `${adminFnLabel} ${action} secret:${design.secret(brand, kind)}`, 'deny', () =>
          decide(stack, { principal: adminFn(), action, resource: stack.secret(design.secret(brand, kind)).arn }),
        );
      }
    }
    const store = brand === B ? design.brandStore : design.otherStores[0];
    for (const q of [design.storeQueue(brand, store), design.storeDlq(brand, store)]) {
      add(g6, `adminfn-queue:${q}`, `${adminFnLabel} sqs:GetQueueAttributes ${q}`, 'deny', () =>
        decide(stack, { principal: adminFn(), action: 'sqs:GetQueueAttributes', resource: stack.queue(q).arn }),
      );
    }
    // The model only with a brand's tenant admin session, never the function's own role.
    add(g6, `adminfn-profile:${brand}`, `${adminFnLabel} bedrock:InvokeModel application-inference-profile ${design.inferenceProfile(brand)}`, 'deny', () =>
      decide(stack, { principal: adminFn(), action: 'bedrock:InvokeModel', resource: stack.inferenceProfile(design.inferenceProfile(brand)).arn }),
    );
    add(g6, `adminfn-model:${brand}`, `${adminFnLabel} bedrock:InvokeModel foundation-model of ${design.inferenceProfile(brand)} via bedrock:InferenceProfileArn=${design.inferenceProfile(brand)}`, 'deny', () => {
      const prof = stack.inferenceProfile(design.inferenceProfile(brand));
      return decide(stack, { principal: adminFn(), action: 'bedrock:InvokeModel', resource: prof.model, context: { 'bedrock:InferenceProfileArn': prof.arn } });
    });
    add(g6, `adminfn-model-direct:${brand}`, `${adminFnLabel} bedrock:InvokeModel foundation-model of ${design.inferenceProfile(brand)} directly`, 'deny', () =>
      decide(stack, { principal: adminFn(), action: 'bedrock:InvokeModel', resource: stack.inferenceProfile(design.inferenceProfile(brand)).model }),
    );
  }
  const audit = design.tables.audit;
  const day = '2025-06-01';
  for (const [id, action, resource, context, expect] of [
    ['brands', 'dynamodb:Query', () => stack.index(design.tables.clientConfig, design.brandsIndex).arn, { 'dynamodb:LeadingKeys': [design.brandListValue] }, 'allow'],
    ['brands-other-partition', 'dynamodb:Query', () => stack.index(design.tables.clientConfig, design.brandsIndex).arn, { 'dynamodb:LeadingKeys': [B] }, 'deny'],
    // A brand's new number must not be another brand's.
    ['brands-by-number', 'dynamodb:Query', () => stack.index(design.tables.clientConfig, design.clientIndex).arn, { 'dynamodb:LeadingKeys': [TWILIO_NUMBER] }, 'allow'],
    ['audit-put', 'dynamodb:PutItem', () => stack.table(audit).arn, { 'dynamodb:LeadingKeys': [B] }, 'allow'],
    ['audit-put-other', 'dynamodb:PutItem', () => stack.table(audit).arn, { 'dynamodb:LeadingKeys': [O] }, 'allow'],
    ['audit-query', 'dynamodb:Query', () => stack.table(audit).arn, { 'dynamodb:LeadingKeys': [B] }, 'allow'],
    ['audit-day', 'dynamodb:Query', () => stack.index(audit, design.auditDayIndex).arn, { 'dynamodb:LeadingKeys': [day] }, 'allow'],
    ['audit-update', 'dynamodb:UpdateItem', () => stack.table(audit).arn, { 'dynamodb:LeadingKeys': [B] }, 'deny'],
    ['audit-delete', 'dynamodb:DeleteItem', () => stack.table(audit).arn, { 'dynamodb:LeadingKeys': [B] }, 'deny'],
    // Idempotency records are platform-level: a customer's are exported and erased (LGPD),
    // the test chat's engine claims an inactive brand's notice and records an in-chat
    // erasure's confirmation (UpdateItem, as the worker does).
    ['claims-get', 'dynamodb:GetItem', () => stack.table(design.tables.idempotency).arn, { 'dynamodb:LeadingKeys': [itemKey(design, design.tables.idempotency, B)] }, 'allow'],
    ['claims-put', 'dynamodb:PutItem', () => stack.table(design.tables.idempotency).arn, { 'dynamodb:LeadingKeys': [itemKey(design, design.tables.idempotency, B)] }, 'allow'],
    ['claims-delete', 'dynamodb:DeleteItem', () => stack.table(design.tables.idempotency).arn, { 'dynamodb:LeadingKeys': [itemKey(design, design.tables.idempotency, B)] }, 'allow'],
    ['claims-update', 'dynamodb:UpdateItem', () => stack.table(design.tables.idempotency).arn, { 'dynamodb:LeadingKeys': [itemKey(design, design.tables.idempotency, B)] }, 'allow'],
    ['pseudonym-key', 'secretsmanager:GetSecretValue', () => stack.secret(design.pseudonymKey).arn, {}, 'allow'],
    ['pseudonym-key-put', 'secretsmanager:PutSecretValue', () => stack.secret(design.pseudonymKey).arn, {}, 'deny'],
    ['kms-secrets', 'kms:Decrypt', () => dataKey().arn, { 'kms:ViaService': kms('secretsmanager'), 'kms:CallerAccount': stack.accountId }, 'allow'],
    ['dlq-depth', 'sqs:GetQueueAttributes', () => stack.queue(design.inboundDlq).arn, {}, 'allow'],
    ['dlq-receive', 'sqs:ReceiveMessage', () => stack.queue(design.inboundDlq).arn, {}, 'deny'],
    ['inbound-send', 'sqs:SendMessage', () => stack.queue(design.inboundQueue).arn, {}, 'deny'],
    ['kms-dynamodb', 'kms:Decrypt', () => dataKey().arn, { 'kms:ViaService': kms('dynamodb'), 'kms:CallerAccount': stack.accountId }, 'allow'],
    // The key policy admits the stack's roles through the three services (which secret or
    // queue is IAM's decision, denied above); never called directly.
    ['kms-direct', 'kms:Decrypt', () => dataKey().arn, { 'kms:CallerAccount': stack.accountId }, 'deny'],
  ]) {
    let where;
    try {
      where = short(resource());
    } catch {
      where = '(missing resource)';
    }
    const keys = context['dynamodb:LeadingKeys'] ? ` ${leadingKeys(context['dynamodb:LeadingKeys'])}` : '';
    const via = context['kms:ViaService'] ? ` kms:ViaService=${context['kms:ViaService']}` : '';
    add(g6, `adminfn-platform:${id}`, `admin role ${action} ${where}${keys}${via}`, expect, () =>
      decide(stack, { principal: adminFn(), action, resource: resource(), context }),
    );
  }

  const g7 = 'tenant admin role trust';
  const assumeAdmin = (principal, action, brand) =>
    decide(stack, {
      principal,
      action,
      resource: tenantAdminRole().arn,
      context: brand ? { [`aws:RequestTag/${design.tenantTag}`]: brand, 'aws:TagKeys': [design.tenantTag] } : {},
    });
  for (const action of ['sts:AssumeRole', 'sts:TagSession']) {
    for (const brand of [B, O]) {
      add(g7, `admin-trust:${action}:${brand}`, `admin role ${action} role/${design.tenantAdminRoleName} aws:RequestTag/${design.tenantTag}=${brand}`, 'allow', () =>
        assumeAdmin(adminFn(), action, brand),
      );
    }
    add(g7, `admin-trust-untagged:${action}`, `admin role ${action} role/${design.tenantAdminRoleName} without aws:RequestTag/${design.tenantTag}`, 'deny', () =>
      assumeAdmin(adminFn(), action, undefined),
    );
  }
  let adminRoleId;
  try {
    adminRoleId = adminRole().logicalId;
  } catch {
    // Reported by the admin function's cases; here every role then counts as "other".
  }
  for (const id of roleIds(stack).filter((r) => r !== adminRoleId)) {
    add(g7, `admin-trust-other-role:${id}`, `template role ${id} sts:AssumeRole role/${design.tenantAdminRoleName} aws:RequestTag/${design.tenantTag}=${B} (not the admin function)`, 'deny', () =>
      assumeAdmin(rolePrincipal(stack, stack.roleById(id)), 'sts:AssumeRole', B),
    );
  }
  add(g7, 'admin-trust-outsider', `an administrator of the account sts:AssumeRole role/${design.tenantAdminRoleName} aws:RequestTag/${design.tenantTag}=${B}`, 'deny', () =>
    assumeAdmin(externalPrincipal(`arn:aws:sts::${stack.accountId}:assumed-role/Admin/someone`, admin), 'sts:AssumeRole', B),
  );

  // 5. No role scans any table, with or without a tenant tag. ---------------------------------
  const g4 = 'no Scan';
  for (const id of roleIds(stack)) {
    for (const t of stack.tables()) {
      for (const arn of [t.arn, ...t.indexes.map((i) => i.arn)]) {
        for (const brand of [undefined, B]) {
          const who = brand ? `${id} (session tag clientId=${brand})` : id;
          add(g4, `scan:${id}:${arn}:${brand ?? ''}`, `role ${who} dynamodb:Scan ${short(arn)}`, 'deny', () =>
            decide(stack, { principal: rolePrincipal(stack, stack.roleById(id), brand ? { [design.tenantTag]: brand } : {}), action: 'dynamodb:Scan', resource: arn }),
          );
        }
      }
    }
  }

  const seen = new Set();
  for (const c of cases) {
    if (seen.has(c.id)) throw new Error(`duplicate case id ${c.id}`);
    seen.add(c.id);
  }
  return cases;
}

/** The logical ids of every AWS::IAM::Role of the template. */
export function roleIds(stack) {
  return Object.keys(stack.resources).filter((id) => stack.resources[id].Type === 'AWS::IAM::Role');
}
