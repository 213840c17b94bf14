// One authorization request of a principal from the template, decided by the policy
// evaluator @cloud-copilot/iam-simulate: the principal's identity policies (and permissions
// boundary), the resource's resource policy, and a request context with the keys AWS would
// set (principal ARN and tags, resource tags, secure transport, Region). No decision is
// made here: this module only assembles the evaluator's input and reads its answer.

import { runSimulation } from '@cloud-copilot/iam-simulate';

/** The ARN of a session of role (as the role's credentials appear to the services). */
export function sessionArn(stack, role, sessionName = 's') {
  return `arn:aws:sts::${stack.accountId}:assumed-role/${role.name}/${sessionName}`;
}

/**
 * A principal from a role of the template: {role, sessionTags?}. sessionTags are the
 * session's tags (aws:PrincipalTag/<key>), e.g. {clientId: 'demo-burger'} for a tenant session.
 */
export function rolePrincipal(stack, role, sessionTags = {}) {
  return {
    arn: sessionArn(stack, role),
    roleArn: role.arn,
    accountId: stack.accountId,
    identityPolicies: role.identityPolicies,
    permissionBoundary: role.permissionBoundary,
    tags: { ...role.tags, ...sessionTags },
  };
}

/**
 * A principal that is not in the template: an ARN (role or session) with the given identity
 * policies, e.g. an administrator of the account, or a role of another account.
 */
export function externalPrincipal(arn, identityPolicies = [], tags = {}) {
  const accountId = arn.split(':')[4];
  const roleArn = arn.replace(/^arn:aws:sts::(\d+):assumed-role\/([^/]+)\/.*$/, 'arn:aws:iam::$1:role/$2');
  return { arn, roleArn, accountId, identityPolicies, permissionBoundary: undefined, tags };
}

/**
 * Decides one request. request: {principal, action, resource (ARN), context (extra context
 * keys, e.g. dynamodb:LeadingKeys or aws:RequestTag/clientId), resourcePolicy (override;
 * default: the template's policy for the resource), resourceTags (override)}.
 *
 * Returns {decision: 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied', allowed: boolean,
 * ignoredContextKeys, response}. Throws when the evaluator rejects its input (an invalid
 * policy, an unknown action, a resource the action does not take) or ignores a context key
 * the request carries: either would make the decision meaningless.
 */
export async function decide(stack, request) {
  const { principal, action, resource } = request;
  const resourceTags = request.resourceTags ?? stack.tagsOf(resource);
  const context = {
    'aws:PrincipalArn': principal.roleArn,
    'aws:PrincipalAccount': principal.accountId,
    'aws:SecureTransport': 'true',
    'aws:RequestedRegion': stack.region,
  };
  for (const [k, v] of Object.entries(principal.tags ?? {})) context[`aws:PrincipalTag/${k}`] = v;
  for (const [k, v] of Object.entries(resourceTags)) context[`aws:ResourceTag/${k}`] = v;
  Object.assign(context, request.context ?? {});
  for (const [k, v] of Object.entries(context)) if (v === undefined) delete context[k];

  const resourcePolicy = 'resourcePolicy' in request ? request.resourcePolicy : stack.resourcePolicy(resource);
  const simulation = {
    identityPolicies: principal.identityPolicies,
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    ...(resourcePolicy ? { resourcePolicy } : {}),
    ...(principal.permissionBoundary ? { permissionBoundaryPolicies: principal.permissionBoundary } : {}),
    request: {
      principal: principal.arn,
      action,
      resource: { resource, accountId: stack.accountId },
      contextVariables: context,
    },
  };
  const response = await runSimulation(simulation, { simulationMode: 'Strict' });
  if (response.resultType === 'error') {
    throw new Error(`iam-simulate rejected the request ${action} on ${resource}: ${JSON.stringify(response.errors)}`);
  }
  if (response.resultType !== 'single') {
    throw new Error(`iam-simulate returned a ${response.resultType} result for ${action} on ${resource}: use a concrete resource ARN`);
  }
  const ignored = response.result.ignoredContextKeys ?? [];
  // Global keys AWS sets that a service does not list for an action are harmless when ignored
  // (nothing in these policies reads them); a key the test chose must reach the evaluator.
  const harmless = new Set(['aws:requestedregion']);
  const meaningful = ignored.filter((k) => !harmless.has(k.toLowerCase()));
  if (meaningful.length > 0) {
    throw new Error(`iam-simulate ignored context keys ${meaningful.join(', ')} for ${action} on ${resource}: not valid for this action`);
  }
  const decision = response.overallResult;
  return { decision, allowed: decision === 'Allowed', ignoredContextKeys: ignored, response };
}
