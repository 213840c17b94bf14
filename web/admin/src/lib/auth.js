// Signing in. The deployment's /admin/config.json says how:
//   - "hosted": Cognito's hosted sign-in page (managed login), authorization code with PKCE,
//     tokens from the domain's /oauth2/token (the deployed stacks);
//   - "password": a username and password form calling Cognito's InitiateAuth
//     (USER_PASSWORD_AUTH) at cognitoUrl (make dev: the emulator's user pool).
// The session (ID token, refresh token) lives in sessionStorage: it ends with the tab.
const KEY = 'wabot.session';
const PKCE_KEY = 'wabot.pkce';
let config = null;
let current = load();
const listeners = new Set();

function load() {
  try {
    const s = JSON.parse(sessionStorage.getItem(KEY) || 'null');
    return s && s.idToken ? s : null;
  } catch {
    return null;
  }
}

function store(s) {
  current = s;
  if (s) sessionStorage.setItem(KEY, JSON.stringify(s));
  else sessionStorage.removeItem(KEY);
  listeners.forEach((fn) => fn(s));
}

export function onSession(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function session() {
  return current;
}

export async function loadConfig() {
  if (config) return config;
  const res = await fetch('/admin/config.json', { headers: { Accept: 'application/json' } });
  if (!res.ok) throw new Error(`config.json: HTTP ${res.status}`);
  config = await res.json();
  return config;
}

export function authConfig() {
  return config;
}

// claims decodes a JWT's payload (not verified here: the API verifies every request).
export function claims(token) {
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(decodeURIComponent(escape(atob(part))));
  } catch {
    return {};
  }
}

function fromTokens(idToken, refreshToken, reason) {
  const c = claims(idToken);
  return { idToken, refreshToken: refreshToken || current?.refreshToken || '', exp: (c.exp || 0) * 1000, username: c.email || c['cognito:username'] || '', reason };
}

// SignInError carries a message key of the login page (wrong, challenge, unreachable).
export class SignInError extends Error {
  constructor(code, detail) {
    super(detail || code);
    this.code = code;
  }
}

async function initiateAuth(flow, params) {
  let res;
  try {
    res = await fetch(config.cognitoUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'AWSCognitoIdentityProviderService.InitiateAuth' },
      body: JSON.stringify({ AuthFlow: flow, ClientId: config.clientId, AuthParameters: params }),
    });
  } catch {
    throw new SignInError('unreachable');
  }
  const body = await res.json().catch(() => ({}));
  if (!res.ok) {
    const type = String(body.__type || '').split('#').pop();
    if (type === 'NotAuthorizedException' || type === 'UserNotFoundException') throw new SignInError('wrong');
    throw new SignInError('failed', body.message || type || `HTTP ${res.status}`);
  }
  if (body.ChallengeName) throw new SignInError('challenge', body.ChallengeName);
  return body.AuthenticationResult;
}

// signInWithPassword signs in through InitiateAuth (config.login "password").
export async function signInWithPassword(username, password) {
  const r = await initiateAuth('USER_PASSWORD_AUTH', { USERNAME: username.trim(), PASSWORD: password });
  store(fromTokens(r.IdToken, r.RefreshToken));
}

function base64url(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function redirectURI() {
  return location.origin + location.pathname;
}

// startHostedSignIn sends the browser to the hosted sign-in page (config.login "hosted").
export async function startHostedSignIn() {
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(48)));
  const state = base64url(crypto.getRandomValues(new Uint8Array(16)));
  const challenge = base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier, state, hash: location.hash }));
  const q = new URLSearchParams({
    response_type: 'code', client_id: config.clientId, redirect_uri: redirectURI(), scope: 'openid email profile',
    state, code_challenge: challenge, code_challenge_method: 'S256',
  });
  location.assign(`${config.domain}/oauth2/authorize?${q}`);
}

async function tokenEndpoint(params) {
  const res = await fetch(`${config.domain}/oauth2/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: config.clientId, ...params }),
  });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new SignInError('failed', body.error || `HTTP ${res.status}`);
  return body;
}

// completeHostedSignIn exchanges the code the hosted page sent back (?code=&state=), once.
export async function completeHostedSignIn() {
  const q = new URLSearchParams(location.search);
  const code = q.get('code');
  const error = q.get('error');
  if (!code && !error) return false;
  const pkce = JSON.parse(sessionStorage.getItem(PKCE_KEY) || 'null');
  sessionStorage.removeItem(PKCE_KEY);
  history.replaceState(null, '', location.pathname + (pkce?.hash || ''));
  if (error) throw new SignInError('failed', q.get('error_description') || error);
  if (!pkce || pkce.state !== q.get('state')) throw new SignInError('failed', 'the sign-in response does not match this tab (state)');
  const t = await tokenEndpoint({ grant_type: 'authorization_code', code, redirect_uri: redirectURI(), code_verifier: pkce.verifier });
  store(fromTokens(t.id_token, t.refresh_token));
  return true;
}

// fresh renews the ID token when it expires within a minute (refresh token), or signs out.
export async function fresh() {
  const s = current;
  if (!s || s.exp - Date.now() > 60_000) return;
  if (!s.refreshToken) {
    signOut('expired');
    return;
  }
  try {
    if (config.login === 'hosted') {
      const t = await tokenEndpoint({ grant_type: 'refresh_token', refresh_token: s.refreshToken });
      store(fromTokens(t.id_token, s.refreshToken));
    } else {
      const r = await initiateAuth('REFRESH_TOKEN_AUTH', { REFRESH_TOKEN: s.refreshToken });
      store(fromTokens(r.IdToken, s.refreshToken));
    }
  } catch {
    signOut('expired');
  }
}

// signOut ends the session; reason "expired" tells the login page why.
export function signOut(reason) {
  if (!current && !reason) return;
  store(null);
  if (reason) sessionStorage.setItem('wabot.signout', reason);
  if (!reason && config?.login === 'hosted') {
    const q = new URLSearchParams({ client_id: config.clientId, logout_uri: redirectURI() });
    location.assign(`${config.domain}/logout?${q}`);
  }
}

// A sign-in that failed before the page rendered (the hosted page's answer refused), for the
// sign-in page to say once.
let signInError = '';
export function failSignIn(detail) {
  signInError = detail;
}
export function takeSignInError() {
  const e = signInError;
  signInError = '';
  return e;
}

// signOutReason returns (once) why the last session ended.
export function signOutReason() {
  const r = sessionStorage.getItem('wabot.signout');
  sessionStorage.removeItem('wabot.signout');
  return r;
}
