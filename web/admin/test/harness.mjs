// The admin UI's browser tests' harness: a local stack of their own (the local runner,
// .build/local, against the emulator that scripts/with-emulator.sh started), Debian's
// Chromium driven by playwright-core, and the checks every page gets:
//   - no console error and no uncaught exception (the one tolerated line is Chromium's own
//     "Failed to load resource: ... status of 4xx" for an admin API or sign-in call that the
//     test provoked and the page showed: those are listed by page.apiRefusals(), and the
//     tests assert what the page showed for them);
//   - axe-core: no serious or critical violation;
//   - a full-page screenshot kept in .build/ui-test/screenshots/<name>.png.
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdirSync, createWriteStream, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
export const ARTIFACTS = join(root, '.build/ui-test');
const SCREENS = join(ARTIFACTS, 'screenshots');
mkdirSync(SCREENS, { recursive: true });

// The demo brands' numbers and Twilio auth tokens (package demo: public, local only).
export const DEMO = {
  pizzaria: { clientId: 'demo-pizzaria', number: 'whatsapp:+5511990000001', token: 'localdevtoken0000000000000000001' },
  burger: { clientId: 'demo-burger', number: 'whatsapp:+5511990000002', token: 'localdevtoken0000000000000000002' },
};
export const PASSWORD = 'Wabot-local-2026!';
export const USERS = {
  platform: 'platform-admin@wabot.local',
  burgerAdmin: 'brand-admin.demo-burger@wabot.local',
  burgerViewer: 'brand-viewer.demo-burger@wabot.local',
  pizzariaAdmin: 'brand-admin.demo-pizzaria@wabot.local',
  pizzariaViewer: 'brand-viewer.demo-pizzaria@wabot.local',
};

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

async function waitFor(url, ms) {
  const deadline = Date.now() + ms;
  let last;
  while (Date.now() < deadline) {
    try {
      const r = await fetch(url);
      if (r.ok) return;
      last = `HTTP ${r.status}`;
    } catch (e) {
      last = e.message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} not ready after ${ms} ms: ${last}`);
}

// The runners started, stopped when the test process exits whatever happened (a failed after
// hook included).
const runners = new Set();
process.on('exit', () => runners.forEach((c) => c.kill('SIGTERM')));

// startStack starts the local runner on a free port; stop() ends it. name labels its log
// (.build/ui-test/<name>-runner.log).
export async function startStack(name, env = {}) {
  const endpoint = process.env.WABOT_TEST_ENDPOINT;
  const template = process.env.WABOT_DEV_TEMPLATE;
  assert.ok(endpoint && template, 'run under scripts/with-emulator.sh (WABOT_TEST_ENDPOINT, WABOT_DEV_TEMPLATE)');
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const log = createWriteStream(join(ARTIFACTS, `${name}-runner.log`));
  const child = spawn(process.env.WABOT_LOCAL_BIN || join(root, '.build/local'), [], {
    cwd: root,
    env: { ...process.env, PORT: String(port), WABOT_AWS_ENDPOINT: endpoint, WABOT_TEMPLATE: template, WABOT_CONFIG_TTL: '200ms', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  runners.add(child);
  child.on('exit', () => runners.delete(child));
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  let exited = null;
  child.on('exit', (code) => { exited = code; });
  try {
    await waitFor(`${base}/healthz`, 90_000);
    await waitFor(`${base}/admin/`, 5_000);
  } catch (e) {
    child.kill('SIGTERM');
    throw new Error(`${e.message} (runner exit ${exited}; see .build/ui-test/${name}-runner.log)`);
  }
  return {
    base,
    async stop() {
      if (exited !== null) return;
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

// Every console error of every page opened, for the end-of-file check in launch's close.
const allErrors = [];

// launch starts Chromium; its close() also fails when any page opened with openPage logged a
// console error or threw at any time, checked or not.
export async function launch() {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  const close = browser.close.bind(browser);
  browser.close = async () => {
    await close();
    assert.deepEqual(allErrors, [], 'console errors during the tests');
  };
  return browser;
}

// VIEWPORTS: a laptop and a tablet (portrait).
export const VIEWPORTS = { laptop: { width: 1366, height: 860 }, tablet: { width: 820, height: 1180 } };

// openPage opens a page in a fresh context (its own session storage) and records console
// errors; page.problems() lists what would fail the test.
export async function openPage(browser, { viewport = VIEWPORTS.laptop, locale = 'pt-BR' } = {}) {
  const context = await browser.newContext({ viewport, locale });
  const page = await context.newPage();
  const errors = [];
  const apiRefusals = [];
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const url = m.location()?.url || '';
    if (/^Failed to load resource: the server responded with a status of 4\d\d/.test(m.text()) && (url.includes('/admin/v1/') || url.includes('/_local/cognito'))) {
      apiRefusals.push(`${m.text()} (${url})`);
      return;
    }
    errors.push(`console: ${m.text()} (${url})`);
    allErrors.push(`${page.url()}: ${m.text()} (${url})`);
  });
  page.on('pageerror', (e) => {
    errors.push(`uncaught: ${e.message}`);
    allErrors.push(`${page.url()}: uncaught ${e.message}`);
  });
  page.consoleErrors = () => errors.slice();
  page.apiRefusals = () => apiRefusals.slice();
  page.on('close', () => {});
  return page;
}

// login signs in through the page's own form as username.
export async function login(page, base, username, password = PASSWORD) {
  await page.goto(`${base}/admin/`);
  await page.getByRole('textbox', { name: /^(Usuário|Username)/ }).fill(username);
  await page.getByLabel(/^(Senha|Password)$/).fill(password);
  await page.getByRole('button', { name: /^(Entrar|Sign in)$/ }).click();
  await page.getByTestId('who').waitFor();
}

const axeSource = readFileSync(join(root, 'node_modules/axe-core/axe.min.js'), 'utf8');

// check runs axe-core on the page as it is (serious and critical violations fail), saves a
// screenshot as name, and fails on any console error so far.
export async function check(page, name) {
  await page.waitForLoadState('networkidle').catch(() => {});
  // Evaluated through the DevTools protocol: the page's Content-Security-Policy stays on.
  const hasAxe = await page.evaluate('typeof window.axe !== "undefined"');
  if (!hasAxe) await page.evaluate(axeSource + '\n;0');
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  // From the top: a full-page screenshot of a scrolled page draws the sticky header mid-page.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(SCREENS, `${name}.png`), fullPage: true });
  const detail = bad.map((v) => `${v.impact} ${v.id}: ${v.help}\n    ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('\n    ')}`).join('\n  ');
  assert.equal(bad.length, 0, `axe on ${name}:\n  ${detail}`);
  assert.deepEqual(page.consoleErrors(), [], `console errors on ${name}`);
}

// sendWhatsApp posts a customer's message to the stack's Twilio webhook, signed as Twilio
// signs (HMAC-SHA1 of the URL and the sorted parameters with the brand's auth token).
export async function sendWhatsApp(base, brand, from, body) {
  const url = `${base}/webhooks/twilio`;
  const sid = 'SM' + Array.from({ length: 32 }, () => Math.floor(Math.random() * 16).toString(16)).join('');
  const params = { AccountSid: 'AC' + '0'.repeat(32), Body: body, From: from, To: brand.number, MessageSid: sid, NumMedia: '0', ProfileName: 'Cliente Teste' };
  const data = url + Object.keys(params).sort().map((k) => k + params[k]).join('');
  const signature = createHmac('sha1', brand.token).update(Buffer.from(data, 'utf8')).digest('base64');
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Twilio-Signature': signature },
    body: new URLSearchParams(params),
  });
  assert.equal(res.status, 200, `webhook answered ${res.status}: ${await res.text()}`);
}

// outbox returns the replies sent to a customer so far (the local Twilio outbox).
export async function outbox(base, to) {
  const r = await fetch(`${base}/dev/outbox?to=${encodeURIComponent(to)}`);
  assert.equal(r.status, 200);
  return r.json();
}

// eventually retries fn until it returns truthy or ms pass.
export async function eventually(fn, ms = 15_000, what = 'condition') {
  const deadline = Date.now() + ms;
  let last;
  while (Date.now() < deadline) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} not met after ${ms} ms (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
}

// apiToken signs in through Cognito's InitiateAuth at the stack (as the page does) and
// returns an ID token, for setting up data through the API.
export async function apiToken(base, username) {
  const cfg = await (await fetch(`${base}/admin/config.json`)).json();
  const r = await fetch(`${base}${cfg.cognitoUrl}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'AWSCognitoIdentityProviderService.InitiateAuth' },
    body: JSON.stringify({ AuthFlow: 'USER_PASSWORD_AUTH', ClientId: cfg.clientId, AuthParameters: { USERNAME: username, PASSWORD: PASSWORD } }),
  });
  assert.equal(r.status, 200, await r.clone().text());
  return (await r.json()).AuthenticationResult.IdToken;
}

export async function apiCall(base, token, method, path, body) {
  const r = await fetch(`${base}/admin/v1${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', Accept: 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null, etag: r.headers.get('ETag') };
}
