// The audit log: a brand's changes, newest first, a page at a time (/b/:brand/audit). The
// table (AuditTable) is also the platform page's audit of one day across brands (orders.jsx).
import './orders.css';
import { useState } from 'preact/hooks';
import { api, brandPath } from '../lib/api.js';
import { useLoad } from '../lib/data.js';
import { dateTime, messages } from '../lib/i18n.js';
import { Badge, Button, Card, ErrorBanner, Loading, Page, Table } from '../lib/ui.jsx';

const t = messages({
  'pt-BR': {
    title: 'Auditoria', subtitle: 'Cada alteração feita pelo painel ou pela API: quem, quando, o quê, antes e depois. Mais recentes primeiro.',
    log: 'Registro de auditoria', time: 'Quando', who: 'Quem', action: 'Ação', target: 'Alvo', change: 'Alteração',
    created: 'Criado', deleted: 'Excluído', noChange: 'Sem alteração de dados', moreChanges: '+{n} alterações',
    beforeAfter: 'Antes e depois', before: 'Antes', after: 'Depois', none: 'nada', emptyLog: 'Nenhuma alteração registrada.',
    pageN: 'Página {n}', pagination: 'Páginas do registro', brand: 'Marca', request: 'Requisição',
    'platform-admin': 'admin da plataforma', 'brand-admin': 'admin da marca', 'brand-viewer': 'leitura da marca',
  },
  'en-US': {
    title: 'Audit log', subtitle: 'Every change made in the admin or through the API: who, when, what, before and after. Newest first.',
    log: 'Audit log', time: 'When', who: 'Who', action: 'Action', target: 'Target', change: 'Change',
    created: 'Created', deleted: 'Deleted', noChange: 'No data changed', moreChanges: '+{n} changes',
    beforeAfter: 'Before and after', before: 'Before', after: 'After', none: 'nothing', emptyLog: 'No change recorded.',
    pageN: 'Page {n}', pagination: 'Log pages', brand: 'Brand', request: 'Request',
    'platform-admin': 'platform admin', 'brand-admin': 'brand admin', 'brand-viewer': 'brand viewer',
  },
});

const PAGE_SIZE = 25;

// flatten turns {a: {b: 1}} into {"a.b": 1} (arrays are kept whole), a few levels deep.
function flatten(v, prefix = '', out = {}, depth = 0) {
  if (v && typeof v === 'object' && !Array.isArray(v) && depth < 4) {
    for (const [k, x] of Object.entries(v)) flatten(x, prefix ? `${prefix}.${k}` : k, out, depth + 1);
  } else if (prefix) {
    out[prefix] = v;
  }
  return out;
}

function short(v) {
  if (v === undefined || v === null || v === '') return '—';
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > 60 ? s.slice(0, 57) + '…' : s;
}

// changes lists the fields whose value differs between before and after.
export function changes(before, after) {
  const b = flatten(before || {});
  const a = flatten(after || {});
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])];
  return keys
    .filter((k) => k !== 'version' && k !== 'updatedAt' && JSON.stringify(b[k]) !== JSON.stringify(a[k]))
    .map((k) => ({ field: k, from: b[k], to: a[k] }));
}

function ChangeSummary({ rec }) {
  const hasBefore = rec.before !== undefined && rec.before !== null;
  const hasAfter = rec.after !== undefined && rec.after !== null;
  let head = null;
  let list = [];
  if (!hasBefore && hasAfter) head = <Badge tone="ok">{t('created')}</Badge>;
  else if (hasBefore && !hasAfter) head = <Badge tone="danger">{t('deleted')}</Badge>;
  else if (hasBefore && hasAfter) list = changes(rec.before, rec.after);
  const shown = list.slice(0, 5);
  return (
    <div class="audit-change">
      {head}
      {shown.length > 0 && (
        <ul class="changes">
          {shown.map((c) => (
            <li key={c.field}><code>{c.field}</code>: {short(c.from)} → <strong>{short(c.to)}</strong></li>
          ))}
          {list.length > shown.length && <li class="muted">{t('moreChanges', { n: list.length - shown.length })}</li>}
        </ul>
      )}
      {hasBefore && hasAfter && list.length === 0 && <span class="muted">{t('noChange')}</span>}
      {(hasBefore || hasAfter) && (
        <details class="audit-json">
          <summary>{t('beforeAfter')}</summary>
          <p class="small"><strong>{t('before')}</strong></p>
          <pre>{hasBefore ? JSON.stringify(rec.before, null, 2) : t('none')}</pre>
          <p class="small"><strong>{t('after')}</strong></p>
          <pre>{hasAfter ? JSON.stringify(rec.after, null, 2) : t('none')}</pre>
        </details>
      )}
      {!hasBefore && !hasAfter && <span class="muted">—</span>}
    </div>
  );
}

// AuditTable shows audit records (showBrand: a brand column, for the audit across brands).
export function AuditTable({ records, showBrand, caption }) {
  const columns = [
    { key: 'at', label: t('time'), render: (r) => <time dateTime={r.at}>{dateTime(r.at)}</time> },
    ...(showBrand ? [{ key: 'clientId', label: t('brand'), render: (r) => <a href={`#/b/${encodeURIComponent(r.clientId)}/audit`}>{r.clientId}</a> }] : []),
    { key: 'actor', label: t('who'), render: (r) => <><span class="audit-actor">{r.actor || r.actorSub}</span><br /><span class="muted small">{t(r.role) || r.role}</span></> },
    { key: 'action', label: t('action'), render: (r) => <code>{r.action}</code> },
    { key: 'target', label: t('target'), render: (r) => <code class="audit-target">{r.target}</code> },
    { key: 'change', label: t('change'), render: (r) => <ChangeSummary rec={r} /> },
  ];
  return <Table caption={caption || t('log')} columns={columns} rows={records} empty={t('emptyLog')}
    rowKey={(r) => `${r.clientId}|${r.at}|${r.requestId}|${r.action}|${r.target}`} />;
}

// useCursorPages keeps the cursors of the pages seen so far: page i is read with cursors[i].
export function useCursorPages() {
  const [cursors, setCursors] = useState(['']);
  return {
    cursor: cursors[cursors.length - 1],
    page: cursors.length,
    next: (c) => setCursors([...cursors, c]),
    previous: () => setCursors(cursors.slice(0, -1)),
    reset: () => setCursors(['']),
  };
}

export function Pager({ pages, next }) {
  if (pages.page === 1 && !next) return null;
  return (
    <nav class="pager" aria-label={t('pagination')}>
      <Button kind="secondary" disabled={pages.page === 1} onClick={pages.previous}>{t('previous')}</Button>
      <span class="muted">{t('pageN', { n: pages.page })}</span>
      <Button kind="secondary" disabled={!next} onClick={() => pages.next(next)}>{t('next')}</Button>
    </nav>
  );
}

function AuditPage({ params }) {
  const pages = useCursorPages();
  const list = useLoad(() => api.get(brandPath(params.brand, 'audit'), { cursor: pages.cursor, limit: PAGE_SIZE }), [params.brand, pages.cursor]);
  return (
    <Page title={t('title')} subtitle={t('subtitle')} actions={<Button onClick={() => list.reload()}>{t('refresh')}</Button>}>
      <Card title={t('log')} id="audit-log">
        {list.loading ? <Loading /> : list.error ? <ErrorBanner error={list.error} /> : (
          <>
            <AuditTable records={list.data.records} />
            <Pager pages={pages} next={list.data.next} />
          </>
        )}
      </Card>
    </Page>
  );
}

export const routes = [
  { path: '/b/:brand/audit', page: AuditPage },
];
