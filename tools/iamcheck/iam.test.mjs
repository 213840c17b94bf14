// IAM policy evaluation of the synthesized dev template (WABOT_DEV_TEMPLATE, default
// cdk.out/dev/Wabot-dev.template.json) with the policy evaluator @cloud-copilot/iam-simulate:
// a tenant session reaches only its brand's items, secrets, store queues and inference
// profile; the function roles reach no tenant data, only their platform resources and the
// tenant role; only they may assume the tenant role, and only with a clientId tag; a tenant
// admin session writes only its brand's configuration, menu and secrets, and invokes only its
// brand's inference profile (the test chat); the admin function's own role reaches the brand
// list, the audit and the inbound DLQ's depth, no tenant item and no model; only
// it may assume the tenant admin role, with a clientId tag; no role scans any table. Every
// decision comes from the evaluator (cases.mjs, simulate.mjs).
//
// Run: node --test tools/iamcheck/

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import { buildCases, check } from './cases.mjs';
import { loadStack } from './template.mjs';

const templatePath = process.env.WABOT_DEV_TEMPLATE || 'cdk.out/dev/Wabot-dev.template.json';

if (!existsSync(templatePath)) {
  test(`dev template ${templatePath} exists`, () => {
    assert.fail(`${templatePath} is missing: run make synth (or make test, which builds it) first`);
  });
} else {
  const stack = loadStack(templatePath);
  const cases = buildCases(stack);
  const groups = [...new Set(cases.map((c) => c.group))];
  for (const group of groups) {
    describe(`${group} (${templatePath})`, () => {
      for (const c of cases.filter((x) => x.group === group)) {
        test(c.title, async () => {
          const r = await check(c);
          assert.ok(r.ok, r.message);
        });
      }
    });
  }
}
