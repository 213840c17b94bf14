// Signing in as the deployed stacks do: the user pool's hosted sign-in page, authorization
// code with PKCE. The emulator has no hosted UI, so this test runs a stand-in speaking its
// documented OAuth endpoints (/oauth2/authorize, /oauth2/token, /logout): its sign-in form
// signs the user in to the emulator's pool (InitiateAuth), and its token endpoint hands the
// pool's real tokens out only for the code it issued, to the redirect URI it was given, with
// the verifier whose S256 hash is the challenge. The admin API then verifies those tokens as
// in AWS. The runner serves the UI in hosted mode (WABOT_ADMIN_LOGIN_DOMAIN).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { check, launch, openPage, PASSWORD, startStack, USERS } from './harness.mjs';

const b64url = (buf) => buf.toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

// hostedUI is the stand-in for https://<prefix>.auth.<region>.amazoncognito.com.
function hostedUI() {
  const codes = new Map(); // code -> { tokens, challenge, redirect, clientId }
  const seen = { authorize: [], token: [], logout: [] };
  let stack = null;
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    const body = await new Promise((r) => { let d = ''; req.on('data', (c) => { d += c; }); req.on('end', () => r(d)); });
    const cors = { 'Access-Control-Allow-Origin': req.headers.origin || '*', 'Access-Control-Allow-Headers': 'Content-Type' };
    if (url.pathname === '/favicon.ico') { res.writeHead(204); res.end(); return; }
    if (req.method === 'GET' && url.pathname === '/oauth2/authorize') {
      const q = Object.fromEntries(url.searchParams);
      seen.authorize.push(q);
      if (q.response_type !== 'code' || q.code_challenge_method !== 'S256' || !q.code_challenge || !q.state || !q.redirect_uri) {
        res.writeHead(400, { 'Content-Type': 'text/plain' }); res.end('invalid_request'); return;
      }
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign in</title><link rel="icon" href="data:,"></head><body><main>
<h1>Sign in</h1><form method="post" action="/login">
<input type="hidden" name="q" value="${encodeURIComponent(url.search)}">
<label for="u">Username</label><input id="u" name="username"><label for="p">Password</label><input id="p" name="password" type="password">
<button type="submit">Sign in</button></form></main></body></html>`);
      return;
    }
    if (req.method === 'POST' && url.pathname === '/login') {
      const f = new URLSearchParams(body);
      const q = new URLSearchParams(decodeURIComponent(f.get('q')).slice(1));
      const cfg = await (await fetch(`${stack.base}/admin/config.json`)).json();
      const auth = await fetch(stack.endpoint, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'AWSCognitoIdentityProviderService.InitiateAuth',
          Authorization: 'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/cognito-idp/aws4_request, SignedHeaders=host, Signature=0' },
        body: JSON.stringify({ AuthFlow: 'USER_PASSWORD_AUTH', ClientId: cfg.clientId, AuthParameters: { USERNAME: f.get('username'), PASSWORD: f.get('password') } }),
      });
      const r = await auth.json();
      if (!auth.ok) { res.writeHead(401, { 'Content-Type': 'text/plain' }); res.end('wrong'); return; }
      const code = b64url(randomBytes(16));
      codes.set(code, { tokens: r.AuthenticationResult, challenge: q.get('code_challenge'), redirect: q.get('redirect_uri'), clientId: q.get('client_id') });
      const back = new URL(q.get('redirect_uri'));
      back.searchParams.set('code', code);
      back.searchParams.set('state', q.get('state'));
      res.writeHead(302, { Location: back.toString() }); res.end();
      return;
    }
    if (req.method === 'OPTIONS' && url.pathname === '/oauth2/token') { res.writeHead(204, cors); res.end(); return; }
    if (req.method === 'POST' && url.pathname === '/oauth2/token') {
      const f = Object.fromEntries(new URLSearchParams(body));
      seen.token.push(f);
      const json = (status, v) => { res.writeHead(status, { ...cors, 'Content-Type': 'application/json' }); res.end(JSON.stringify(v)); };
      if (f.grant_type !== 'authorization_code') return json(400, { error: 'unsupported_grant_type' });
      const c = codes.get(f.code);
      codes.delete(f.code); // a code is good once
      if (!c || c.clientId !== f.client_id || c.redirect !== f.redirect_uri) return json(400, { error: 'invalid_grant' });
      if (b64url(createHash('sha256').update(f.code_verifier || '').digest()) !== c.challenge) return json(400, { error: 'invalid_grant' });
      return json(200, { id_token: c.tokens.IdToken, access_token: c.tokens.AccessToken, refresh_token: c.tokens.RefreshToken, expires_in: 3600, token_type: 'Bearer' });
    }
    if (req.method === 'GET' && url.pathname === '/logout') {
      seen.logout.push(Object.fromEntries(url.searchParams));
      res.writeHead(302, { Location: url.searchParams.get('logout_uri') }); res.end();
      return;
    }
    res.writeHead(404); res.end();
  });
  return {
    seen,
    attach(s) { stack = s; },
    start: () => new Promise((r) => server.listen(0, '127.0.0.1', () => r(`http://127.0.0.1:${server.address().port}`))),
    stop: () => new Promise((r) => server.close(r)),
  };
}

describe('hosted sign-in (as in AWS)', () => {
  let stack;
  let browser;
  let idp;
  before(async () => {
    idp = hostedUI();
    const domain = await idp.start();
    stack = await startStack('hosted-login', { WABOT_ADMIN_LOGIN_DOMAIN: domain });
    stack.endpoint = process.env.WABOT_TEST_ENDPOINT;
    idp.attach(stack);
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await stack?.stop();
    await idp?.stop();
  });

  test('a brand admin signs in on the hosted page, with PKCE, and signs out through it', async () => {
    const page = await openPage(browser, { locale: 'en-US' });
    await page.goto(`${stack.base}/admin/#/b/demo-burger/stores`);
    const button = page.getByRole('button', { name: 'Sign in with your wabot account' });
    await button.waitFor();
    assert.equal(await page.getByRole('textbox').count(), 0, 'no password form in hosted mode');
    await check(page, 'hosted-login');
    await button.click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    const q = idp.seen.authorize.at(-1);
    assert.equal(q.redirect_uri, `${stack.base}/admin/`);
    assert.equal(q.scope, 'openid email profile');
    const cfg = await (await fetch(`${stack.base}/admin/config.json`)).json();
    assert.equal(q.client_id, cfg.clientId);
    await page.getByLabel('Username').fill(USERS.burgerAdmin);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    // Back on the UI, which exchanged the code with its verifier, at the address it left.
    await page.getByTestId('who').getByText(USERS.burgerAdmin).waitFor();
    await page.waitForURL((u) => u.hash === '#/b/demo-burger/stores' && u.search === '');
    await page.getByRole('heading', { level: 1, name: 'Stores' }).waitFor();
    const t = idp.seen.token.at(-1);
    assert.equal(t.grant_type, 'authorization_code');
    assert.ok(t.code_verifier.length >= 43, 'a PKCE verifier of at least 43 characters');
    await check(page, 'hosted-signed-in');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await button.waitFor();
    assert.deepEqual(idp.seen.logout.at(-1), { client_id: cfg.clientId, logout_uri: `${stack.base}/admin/` });
    await page.context().close();
  });

  test('a sign-in response that this tab did not ask for is refused', async () => {
    const page = await openPage(browser, { locale: 'en-US' });
    // A code and state from elsewhere (another tab, an attacker's link): no PKCE state here.
    await page.goto(`${stack.base}/admin/?code=forged&state=forged`);
    await page.getByRole('alert').getByText('does not match this tab').waitFor();
    assert.equal(idp.seen.token.filter((x) => x.code === 'forged').length, 0, 'the forged code was never exchanged');
    assert.equal(await page.getByTestId('who').count(), 0);
    await page.context().close();
  });
});
