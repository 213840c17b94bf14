// Self-test of the IAM harness on hand-made templates (fixtures/): the design in miniature
// passes every case, and each deliberately too-broad policy makes the case that guards
// against it fail, with the evaluator's decision "Allowed". This proves the checks in
// iam.test.mjs can fail, and that template.mjs resolves the intrinsics the CDK emits.

import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { buildCases, check } from './cases.mjs';
import { decide, rolePrincipal } from './simulate.mjs';
import { Stack, loadStack } from './template.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const fixturePath = (name) => join(here, 'fixtures', name);
const fixture = (name) => loadStack(fixturePath(name));

/** Runs the case with this id against stack: {ok, decision, message}. */
async function runCase(stack, id) {
  const c = buildCases(stack).find((x) => x.id === id);
  assert.ok(c, `no case with id ${id}`);
  return check(c);
}

/** The case must fail because the evaluator allowed what it must deny: a leak is reported. */
async function assertLeak(stack, id) {
  const r = await runCase(stack, id);
  assert.equal(r.ok, false, `case ${id} passed on a leaky template`);
  assert.equal(r.decision, 'Allowed', `case ${id} failed for another reason: ${r.message}`);
}

async function assertPasses(stack, id) {
  const r = await runCase(stack, id);
  assert.ok(r.ok, `case ${id}: ${r.message}`);
}

/** design.json, changed by edit(template) before loading. */
function mutatedDesign(edit) {
  const template = JSON.parse(readFileSync(fixturePath('design.json'), 'utf8'));
  edit(template);
  return new Stack(template, { stackName: 'Wabot-dev' });
}

const tenantStatements = (t) => t.Resources.TenantAccessRoleDefaultPolicy.Properties.PolicyDocument.Statement;

describe('fixture design.json (the design in miniature)', () => {
  test('every case of the dev suite passes', async () => {
    const stack = fixture('design.json');
    const cases = buildCases(stack);
    assert.ok(cases.length > 400, `only ${cases.length} cases`);
    const failures = [];
    for (const c of cases) {
      const r = await check(c);
      if (!r.ok) failures.push(`${c.title}: ${r.message}`);
    }
    assert.deepEqual(failures, []);
  });
});

describe('leaky fixtures make the guarding case fail', () => {
  test('leak-no-leadingkeys.json: dynamodb:GetItem on demo-pizzaria item of WhatsAppBotOrders-dev is reported', async () => {
    const stack = fixture('leak-no-leadingkeys.json');
    await assertPasses(stack, 'tenant-own:WhatsAppBotOrders-dev:dynamodb:GetItem');
    await assertLeak(stack, 'tenant-other:WhatsAppBotOrders-dev:dynamodb:GetItem');
    await assertLeak(stack, 'tenant-other:WhatsAppBotOrders-dev:dynamodb:PutItem');
    await assertLeak(stack, 'tenant-mixed:WhatsAppBotOrders-dev:dynamodb:GetItem');
  });

  test('leak-prefix.json: dynamodb:GetItem on a demo-burger-x# key of WhatsAppBotPhoneMapping-dev is reported', async () => {
    const stack = fixture('leak-prefix.json');
    await assertPasses(stack, 'tenant-own:WhatsAppBotPhoneMapping-dev:dynamodb:GetItem');
    await assertPasses(stack, 'tenant-other:WhatsAppBotPhoneMapping-dev:dynamodb:GetItem');
    await assertLeak(stack, 'tenant-lookalike:WhatsAppBotPhoneMapping-dev:demo-burger-x#whatsapp:+5511999990001');
    await assertLeak(stack, 'tenant-lookalike:WhatsAppBotPhoneMapping-dev:demo-burgerx');
  });

  test('leak-no-null-guard.json: dynamodb:GetItem on WhatsAppBotMenu-dev without leading keys is reported', async () => {
    const stack = fixture('leak-no-null-guard.json');
    await assertPasses(stack, 'tenant-own:WhatsAppBotMenu-dev:dynamodb:GetItem');
    await assertPasses(stack, 'tenant-other:WhatsAppBotMenu-dev:dynamodb:GetItem');
    await assertLeak(stack, 'tenant-nokeys:WhatsAppBotMenu-dev');
  });

  test('leak-secret-untagged.json: secretsmanager:GetSecretValue on demo-pizzaria twilio secret is reported', async () => {
    const stack = fixture('leak-secret-untagged.json');
    await assertPasses(stack, 'tenant-own-secret:twilio');
    await assertLeak(stack, 'tenant-other-secret:twilio');
  });

  test('leak-function-role.json: the webhook role reading WhatsAppBotClientConfig-dev items and scanning is reported', async () => {
    const stack = fixture('leak-function-role.json');
    await assertLeak(stack, 'fn-table:webhook:WhatsAppBotClientConfig-dev:dynamodb:GetItem:demo-pizzaria');
    await assertLeak(stack, 'fn-table:webhook:WhatsAppBotClientConfig-dev:dynamodb:Query:demo-burger');
    const table = stack.table('WhatsAppBotClientConfig-dev');
    await assertLeak(stack, `scan:WebhookRole:${table.arn}:`);
    await assertLeak(stack, `scan:WebhookRole:${table.indexes[0].arn}:demo-burger`);
  });

  test('leak-trust-account.json: sts:AssumeRole on the tenant role by an account administrator is reported', async () => {
    const stack = fixture('leak-trust-account.json');
    await assertLeak(stack, `trust-outsider:arn:aws:sts::${stack.accountId}:assumed-role/Admin/someone`);
    await assertPasses(stack, 'trust-outsider:arn:aws:sts::222222222222:assumed-role/Admin/someone');
  });

  test('aws-managed-policy.json: a role with an AWS managed policy is refused, not evaluated without it', async () => {
    const stack = fixture('aws-managed-policy.json');
    assert.throws(() => stack.roleById('WorkerRole'), /AWSLambdaBasicExecutionRole.*cannot be evaluated offline/);
    const r = await runCase(stack, 'trust-untagged:worker:sts:AssumeRole');
    assert.equal(r.ok, false);
    assert.equal(r.decision, 'error');
  });

  test('a resource missing from the template fails its cases (bedrock:InvokeModel with no inference profile)', async () => {
    const stack = fixture('leak-no-leadingkeys.json');
    const r = await runCase(stack, 'tenant-other-profile');
    assert.equal(r.ok, false);
    assert.equal(r.decision, 'error');
    assert.match(r.message, /no AWS::Bedrock::ApplicationInferenceProfile named wabot-dev-demo-pizzaria/);
  });
});

describe('design.json with one statement loosened', () => {
  test('without the dynamodb:LeadingKeys conditions, every other-brand dynamodb case is reported', async () => {
    const stack = mutatedDesign((t) => {
      delete tenantStatements(t).find((s) => s.Sid === 'TenantItems').Condition;
    });
    const cases = buildCases(stack).filter((c) => c.id.startsWith('tenant-other:'));
    assert.ok(cases.length >= 6 * 8);
    for (const c of cases) {
      const r = await check(c);
      assert.equal(r.decision, 'Allowed', c.title);
      assert.equal(r.ok, false, c.title);
    }
  });

  test('without the explicit Deny of dynamodb:Scan, the tenant-scan cases are reported (only implicitly denied)', async () => {
    const stack = mutatedDesign((t) => {
      const st = tenantStatements(t);
      st.splice(st.findIndex((s) => s.Sid === 'NoScan'), 1);
    });
    const r = await runCase(stack, 'tenant-scan:WhatsAppBotOrders-dev');
    assert.equal(r.ok, false);
    assert.equal(r.decision, 'ImplicitlyDenied');
  });

  test('bedrock:InvokeModel on foundation models without the bedrock:InferenceProfileArn condition is reported', async () => {
    const stack = mutatedDesign((t) => {
      delete tenantStatements(t).find((s) => s.Sid === 'TenantModelThroughProfile').Condition;
    });
    await assertPasses(stack, 'tenant-own-profile-model');
    await assertLeak(stack, 'tenant-model-direct');
  });

  test('dynamodb:* for the worker on the idempotency table is reported as a Scan', async () => {
    const stack = mutatedDesign((t) => {
      t.Resources.RuntimeWorkerRoleDefaultPolicy.Properties.PolicyDocument.Statement[0].Action = 'dynamodb:*';
    });
    await assertLeak(stack, `scan:RuntimeWorkerRole:${stack.table('WhatsAppBotIdempotency-dev').arn}:`);
  });

  test('a store queue policy naming the webhook role is reported; one naming only the account is not a grant by itself', async () => {
    const stack = mutatedDesign((t) => {
      t.Resources.TenantsDemoPizzariaCentroQueuePolicy.Properties.PolicyDocument.Statement.push({
        Effect: 'Allow',
        Principal: { AWS: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root' } },
        Action: 'sqs:SendMessage',
        Resource: { 'Fn::GetAtt': ['TenantsDemoPizzariaCentroQueue', 'Arn'] },
      });
    });
    // A same-account resource policy naming the account still needs the identity policy, so
    // this one is not a leak; naming the role itself would be.
    await assertPasses(stack, 'fn-queue:webhook:demo-pizzaria:centro');
    const named = mutatedDesign((t) => {
      t.Resources.TenantsDemoPizzariaCentroQueuePolicy.Properties.PolicyDocument.Statement.push({
        Effect: 'Allow',
        Principal: { AWS: { 'Fn::GetAtt': ['RuntimeWebhookRole', 'Arn'] } },
        Action: 'sqs:SendMessage',
        Resource: { 'Fn::GetAtt': ['TenantsDemoPizzariaCentroQueue', 'Arn'] },
      });
    });
    await assertLeak(named, 'fn-queue:webhook:demo-pizzaria:centro');
  });
});

describe('design.json: the admin API loosened', () => {
  const adminStatements = (t) => t.Resources.TenantAdminRoleDefaultPolicy.Properties.PolicyDocument.Statement;

  test('a tenant admin policy without dynamodb:LeadingKeys lets demo-burger write demo-pizzaria items: reported', async () => {
    const stack = mutatedDesign((t) => {
      delete adminStatements(t).find((s) => s.Sid === 'TenantItems').Condition;
    });
    await assertPasses(stack, 'admin-own:WhatsAppBotClientConfig-dev:dynamodb:PutItem');
    await assertLeak(stack, 'admin-other:WhatsAppBotClientConfig-dev:dynamodb:PutItem');
    await assertLeak(stack, 'admin-other:WhatsAppBotMenu-dev:dynamodb:BatchWriteItem');
  });

  test('a tenant admin secret statement without the clientId tag condition: PutSecretValue on demo-pizzaria reported', async () => {
    const stack = mutatedDesign((t) => {
      delete adminStatements(t).find((s) => s.Sid === 'TenantSecrets').Condition;
    });
    await assertPasses(stack, 'admin-own-secret:twilio:secretsmanager:PutSecretValue');
    await assertLeak(stack, 'admin-other-secret:twilio:secretsmanager:PutSecretValue');
  });

  test('the test chat\'s model: a profile statement without the clientId tag, or the model without the profile condition, is reported', async () => {
    const untagged = mutatedDesign((t) => {
      delete adminStatements(t).find((s) => s.Sid === 'TenantModel').Condition;
    });
    await assertPasses(untagged, 'admin-own-profile:bedrock:InvokeModel');
    await assertLeak(untagged, 'admin-other-profile:bedrock:InvokeModel');
    const direct = mutatedDesign((t) => {
      delete adminStatements(t).find((s) => s.Sid === 'TenantModelThroughProfile').Condition;
    });
    await assertPasses(direct, 'admin-own-profile-model');
    await assertLeak(direct, 'admin-model-direct');
  });

  test('the admin function role invoking a brand\'s profile itself is reported', async () => {
    const stack = mutatedDesign((t) => {
      t.Resources.AdminFunctionRoleDefaultPolicy.Properties.PolicyDocument.Statement.push({
        Effect: 'Allow',
        Action: 'bedrock:InvokeModel',
        Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:bedrock:${AWS::Region}:${AWS::AccountId}:application-inference-profile/*' },
      });
    });
    await assertLeak(stack, 'adminfn-profile:demo-pizzaria');
    await assertLeak(stack, 'adminfn-profile:demo-burger');
  });

  test('the admin function role reading client configs directly is reported', async () => {
    const stack = mutatedDesign((t) => {
      t.Resources.AdminFunctionRoleDefaultPolicy.Properties.PolicyDocument.Statement.push({
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem'],
        Resource: { 'Fn::GetAtt': ['DataClientConfig', 'Arn'] },
      });
    });
    await assertLeak(stack, 'adminfn-table:WhatsAppBotClientConfig-dev:dynamodb:GetItem:demo-pizzaria');
    await assertLeak(stack, 'adminfn-table:WhatsAppBotClientConfig-dev:dynamodb:PutItem:demo-burger');
  });

  test('a tenant admin trust without the tag conditions is reported; one trusting the webhook too is reported', async () => {
    const untagged = mutatedDesign((t) => {
      delete t.Resources.TenantAdminRole.Properties.AssumeRolePolicyDocument.Statement[0].Condition;
    });
    await assertLeak(untagged, 'admin-trust-untagged:sts:AssumeRole');
    const webhook = mutatedDesign((t) => {
      t.Resources.TenantAdminRole.Properties.AssumeRolePolicyDocument.Statement[0].Principal.AWS = [
        { 'Fn::GetAtt': ['AdminFunctionRole', 'Arn'] },
        { 'Fn::GetAtt': ['RuntimeWebhookRole', 'Arn'] },
      ];
      t.Resources.RuntimeWebhookRoleDefaultPolicy.Properties.PolicyDocument.Statement.push({
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Resource: { 'Fn::GetAtt': ['TenantAdminRole', 'Arn'] },
      });
    });
    await assertLeak(webhook, 'admin-trust-other-role:RuntimeWebhookRole');
  });
});

describe('template.mjs resolves the intrinsics the CDK emits', () => {
  const stack = fixture('design.json');

  test('tables, indexes, queues (Ref is the URL), secrets (Ref is the ARN), roles, profiles', () => {
    assert.equal(stack.table('WhatsAppBotOrders-dev').arn, 'arn:aws:dynamodb:sa-east-1:111111111111:table/WhatsAppBotOrders-dev');
    assert.equal(
      stack.index('WhatsAppBotOrders-dev', 'storeShard-status-index').arn,
      'arn:aws:dynamodb:sa-east-1:111111111111:table/WhatsAppBotOrders-dev/index/storeShard-status-index',
    );
    const q = stack.queue('wabot-dev-demo-burger-vila-madalena-orders.fifo');
    assert.equal(q.arn, 'arn:aws:sqs:sa-east-1:111111111111:wabot-dev-demo-burger-vila-madalena-orders.fifo');
    assert.equal(q.url, 'https://sqs.sa-east-1.amazonaws.com/111111111111/wabot-dev-demo-burger-vila-madalena-orders.fifo');
    assert.deepEqual(q.tags, { application: 'wabot', environment: 'dev', clientId: 'demo-burger', storeId: 'vila-madalena' });
    assert.equal(stack.ref('TenantsDemoBurgerTwilioSecret'), 'arn:aws:secretsmanager:sa-east-1:111111111111:secret:wabot/dev/demo-burger/twilio-AbCdEf');
    assert.equal(stack.roleNamed('wabot-dev-tenant-access').arn, 'arn:aws:iam::111111111111:role/wabot-dev-tenant-access');
    assert.equal(stack.functionRole(/Webhook/).arn, 'arn:aws:iam::111111111111:role/RuntimeWebhookRole');
    const p = stack.inferenceProfile('wabot-dev-demo-burger');
    assert.match(p.arn, /^arn:aws:bedrock:sa-east-1:111111111111:application-inference-profile\/[a-z0-9]{12}$/);
    assert.equal(stack.ref('TenantsDemoBurgerInferenceProfile'), p.arn);
    assert.equal(stack.tagsOf(p.arn).clientId, 'demo-burger');
  });

  test('identity policies: AWS::IAM::Policy by Roles, inline Policies, customer managed policies by ManagedPolicyArns', () => {
    assert.deepEqual(stack.roleNamed('wabot-dev-tenant-access').identityPolicies.map((p) => p.name), ['TenantAccessRoleDefaultPolicy']);
    const registrar = stack.roleById('StoreRegistrarRole');
    assert.deepEqual(registrar.identityPolicies.map((p) => p.name), ['StoreRegistrarPolicy']);
    assert.equal(registrar.identityPolicies[0].policy.Statement[0].Resource, stack.table('WhatsAppBotStoreConfig-dev').arn);
    const inline = fixture('leak-prefix.json').roleNamed('wabot-dev-tenant-access').identityPolicies;
    assert.deepEqual(inline.map((p) => p.name), ['TenantRole/items']);
    assert.equal(inline[0].policy.Statement[0].Resource, 'arn:aws:dynamodb:sa-east-1:111111111111:table/WhatsAppBotPhoneMapping-dev');
  });

  test('Fn::Sub (variables, ${!literal}, resource attributes), Fn::Select, Fn::Split, Fn::If, AWS::NoValue', () => {
    const s = new Stack(
      {
        Conditions: { IsDev: { 'Fn::Equals': [{ Ref: 'Env' }, 'dev'] } },
        Parameters: { Env: { Type: 'String', Default: 'dev' } },
        Resources: {
          Q: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'q1' } },
          R: { Type: 'AWS::IAM::Role', Properties: { Path: '/svc/', AssumeRolePolicyDocument: {} } },
        },
      },
      { region: 'us-east-1', accountId: '222222222222', stackName: 'S' },
    );
    assert.equal(
      s.resolve({ 'Fn::Sub': ['${Q.Arn}|${!aws:PrincipalTag/clientId}|${X}|${AWS::URLSuffix}', { X: { Ref: 'Env' } }] }),
      'arn:aws:sqs:us-east-1:222222222222:q1|${aws:PrincipalTag/clientId}|dev|amazonaws.com',
    );
    assert.equal(s.resolve({ 'Fn::Select': [1, { 'Fn::Split': ['/', { Ref: 'Q' }] }] }), '');
    assert.equal(s.resolve({ 'Fn::Select': [4, { 'Fn::Split': ['/', { Ref: 'Q' }] }] }), 'q1');
    assert.deepEqual(s.resolve({ a: { 'Fn::If': ['IsDev', 'yes', { Ref: 'AWS::NoValue' }] }, b: [1, { Ref: 'AWS::NoValue' }] }), { a: 'yes', b: [1] });
    assert.equal(s.resolve({ 'Fn::GetAtt': 'R.Arn' }), 'arn:aws:iam::222222222222:role/svc/R');
    assert.throws(() => s.resolve({ 'Fn::ImportValue': 'x' }), /cannot resolve Fn::ImportValue/);
    assert.throws(() => s.resolve({ 'Fn::Sub': '${aws:PrincipalTag/clientId}' }), /Fn::Sub variable/);
  });

  test('a request the evaluator cannot take is an error, not a decision', async () => {
    const tenant = stack.roleNamed('wabot-dev-tenant-access');
    await assert.rejects(
      decide(stack, { principal: rolePrincipal(stack, tenant, { clientId: 'demo-burger' }), action: 'dynamodb:GetItem', resource: stack.queue('wabot-dev-inbound.fifo').arn }),
      /iam-simulate rejected/,
    );
    await assert.rejects(
      decide(stack, {
        principal: rolePrincipal(stack, tenant, { clientId: 'demo-burger' }),
        action: 'sqs:SendMessage',
        resource: stack.queue('wabot-dev-inbound.fifo').arn,
        context: { 'dynamodb:LeadingKeys': ['demo-burger'] },
      }),
      /ignored context keys dynamodb:LeadingKeys/,
    );
  });
});
