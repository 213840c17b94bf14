// The admin API client: same origin, /admin/v1, the signed-in user's ID token. Errors are
// the API's problem+json (RFC 9457) as ApiError, whose fieldError(name) gives the message of
// a failing field ("deliveryConfig.deliveryFeeCents", "operatingHours.mon[0].open").
import { fresh, session, signOut } from './auth.js';

export const BASE = '/admin/v1';

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
    this.title = this.problem.title || `HTTP ${status}`;
    this.detail = this.problem.detail || '';
    this.requestId = this.problem.requestId || '';
    this.fields = {};
    for (const e of this.problem.errors || []) {
      if (e.field && !(e.field in this.fields)) this.fields[e.field] = e.message;
    }
  }

  // fieldError is the message of field name, or of the first failing field under it
  // (prefix "operatingHours.mon" matches "operatingHours.mon[0].open").
  fieldError(name) {
    if (name in this.fields) return this.fields[name];
    const key = Object.keys(this.fields).find((f) => f.startsWith(name + '.') || f.startsWith(name + '['));
    return key ? this.fields[key] : undefined;
  }

  hasFields() {
    return Object.keys(this.fields).length > 0;
  }
}

// request calls the API. opts: body (JSON), ifMatch (an ETag), query (object). It returns
// { data, etag, status }; a problem throws ApiError; a 401 signs the user out.
export async function request(method, path, opts = {}) {
  await fresh();
  const s = session();
  const headers = { Accept: 'application/json' };
  if (s) headers.Authorization = `Bearer ${s.idToken}`;
  if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
  if (opts.ifMatch) headers['If-Match'] = opts.ifMatch;
  let url = BASE + path;
  if (opts.query) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(opts.query)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
    const qs = q.toString();
    if (qs) url += '?' + qs;
  }
  let res;
  try {
    res = await fetch(url, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
  } catch (e) {
    throw new ApiError(0, { title: 'Network error', detail: 'The admin API could not be reached. Check the connection and try again.' });
  }
  const type = res.headers.get('Content-Type') || '';
  let data = null;
  if (res.status !== 204) {
    const text = await res.text();
    if (text && (type.includes('json'))) {
      try { data = JSON.parse(text); } catch { data = null; }
    } else if (text) {
      data = { detail: text };
    }
  }
  if (!res.ok) {
    if (res.status === 401) signOut('expired');
    throw new ApiError(res.status, data);
  }
  return { data, etag: res.headers.get('ETag') || '', status: res.status };
}

export const api = {
  get: async (path, query) => (await request('GET', path, { query })).data,
  post: async (path, body) => (await request('POST', path, { body: body ?? {} })).data,
  put: async (path, body) => (await request('PUT', path, { body })).data,
  del: async (path) => (await request('DELETE', path)).data,
  // getVersioned returns { data, etag } for a later patch.
  getVersioned: (path) => request('GET', path),
  // patch sends a change with If-Match; returns { data, etag }.
  patch: (path, body, etag) => request('PATCH', path, { body, ifMatch: etag }),
};

// brandPath builds "/brands/<clientId>/..." with each segment escaped.
export function brandPath(clientId, ...rest) {
  return ['/brands', clientId, ...rest].map((s, i) => (i === 0 ? s : encodeURIComponent(s))).join('/');
}
