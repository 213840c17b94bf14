// Customers (/b/:brand/customers): find a customer by number, the stores' live conversations
// (refreshed every 4 s) and the brand's customers, a page at a time.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, brandPath } from '../../lib/api.js';
import { useLoad } from '../../lib/data.js';
import { dateTime, money } from '../../lib/i18n.js';
import { navigate } from '../../lib/router.js';
import { Badge, Button, Card, ErrorBanner, Loading, Page, StorePicker, Table, TextField } from '../../lib/ui.jsx';
import {
  cartTotal, customerHref, customerPath, HANDOFF, LANGUAGE_NAMES, loadLive, loadStores, msTime, notFoundAsNull, StateBadge, storeName, t,
} from './common.jsx';

const PAGE_SIZE = 25;
const LIVE_PAGE = 20;

function FindCustomer({ brand }) {
  const [phone, setPhone] = useState('');
  const [error, setError] = useState('');
  const submit = (e) => {
    e.preventDefault();
    const p = phone.trim().replace(/\s+/g, '');
    if (!p) {
      setError(t('phoneRequired'));
      return;
    }
    navigate(`/b/${encodeURIComponent(brand)}/customers/${encodeURIComponent(p)}`);
  };
  return (
    <Card title={t('findTitle')} id="find-customer">
      <form class="row find" onSubmit={submit} noValidate>
        <TextField label={t('findLabel')} name="phone" value={phone} onInput={(v) => { setPhone(v); setError(''); }}
          error={error} hint={t('phoneHint')} inputMode="tel" autoComplete="off" />
        <button type="submit" class="btn secondary">{t('find')}</button>
      </form>
    </Card>
  );
}

// useCartTotals reads the cart total of each of rows (a summary has none), once per turn of
// the conversation: a cart changes only with a customer's message, which moves the summary's
// lastMessageTimestamp.
function useCartTotals(brand, rows) {
  const cache = useRef(new Map());
  const [, bump] = useState(0);
  const keyOf = (c) => `${c.phoneNumber}|${c.sessionId}|${c.lastMessageTimestamp}|${c.currentState}`;
  const wanted = rows.map(keyOf).join(',');
  useEffect(() => {
    let stop = false;
    const missing = rows.filter((c) => !cache.current.has(keyOf(c)));
    if (missing.length === 0) return undefined;
    Promise.all(missing.map(async (c) => {
      try {
        const v = await notFoundAsNull(customerPath(brand, c.phoneNumber, 'conversation'));
        cache.current.set(keyOf(c), v?.conversation ? cartTotal(v.conversation.cart) : null);
      } catch {
        // shown as unknown; the next refresh tries again
      }
    })).then(() => { if (!stop) bump((n) => n + 1); });
    return () => { stop = true; };
  }, [brand, wanted]);
  return (c) => cache.current.get(keyOf(c));
}

function LiveConversations({ brand, stores, live }) {
  const [store, setStore] = useState('');
  const [page, setPage] = useState(0);
  const all = live.data?.list || [];
  const filtered = store ? all.filter((c) => c.storeId === store) : all;
  const pages = Math.max(1, Math.ceil(filtered.length / LIVE_PAGE));
  const current = Math.min(page, pages - 1);
  const rows = filtered.slice(current * LIVE_PAGE, (current + 1) * LIVE_PAGE);
  const total = useCartTotals(brand, rows);
  return (
    <Card title={t('liveTitle')} id="live-conversations">
      <p class="muted small">{t('liveHint')}</p>
      {stores.length > 1 && (
        <div class="filter">
          <StorePicker label={t('storeFilter')} stores={stores} value={store} allowAll onChange={(v) => { setStore(v); setPage(0); }} />
        </div>
      )}
      {live.loading ? <Loading /> : live.error && !live.data ? <ErrorBanner error={live.error} /> : (
        <>
          {live.error && <p class="muted small" role="status">{t('refreshFailed')}</p>}
          <Table caption={t('liveList')} rows={rows} rowKey={(c) => c.phoneNumber} empty={t('noLive')}
            columns={[
              { key: 'customer', label: t('customer'), render: (c) => (
                <>
                  <a href={customerHref(brand, c.phoneNumber)}>{c.phoneNumber}</a>
                  {c.customerName && <div class="muted small">{c.customerName}</div>}
                </>
              ) },
              { key: 'store', label: t('store'), render: (c) => storeName(stores, c.storeId) },
              { key: 'state', label: t('state'), render: (c) => (
                <>
                  <StateBadge state={c.currentState} />
                  {c.currentState === HANDOFF && <div class="small"><a href={`#/b/${encodeURIComponent(brand)}/inbox`}>{t('inInbox')}</a></div>}
                </>
              ) },
              { key: 'cart', label: t('cartTotal'), class: 'num', render: (c) => {
                const v = total(c);
                return v === undefined ? '…' : v === null ? '—' : money(v);
              } },
              { key: 'last', label: t('lastMessage'), render: (c) => msTime(c.lastMessageTimestamp) },
            ]} />
          {live.data?.truncated && <p class="muted small">{t('truncated')}</p>}
          {pages > 1 && (
            <div class="pager">
              <Button kind="secondary small" disabled={current === 0} onClick={() => setPage(current - 1)}>{t('previous')}</Button>
              <span>{t('page', { n: current + 1 })} / {pages}</span>
              <Button kind="secondary small" disabled={current >= pages - 1} onClick={() => setPage(current + 1)}>{t('next')}</Button>
            </div>
          )}
        </>
      )}
    </Card>
  );
}

function CustomerTable({ brand, stores, live }) {
  const [cursors, setCursors] = useState(['']);
  const cursor = cursors[cursors.length - 1];
  const list = useLoad(() => api.get(brandPath(brand, 'customers'), { cursor, limit: PAGE_SIZE }), [brand, cursor]);
  // A mapping has no language: the live conversation's, when there is one.
  const langs = useMemo(() => new Map((live.data?.list || []).map((c) => [c.phoneNumber, c.language])), [live.data]);
  return (
    <Card title={t('customers')} id="customer-list">
      {list.loading ? <Loading /> : list.error ? <ErrorBanner error={list.error} /> : (
        <>
          <Table caption={t('customersList')} rows={list.data.customers} rowKey={(c) => c.phoneNumber} empty={t('noCustomers')}
            columns={[
              { key: 'phone', label: t('phone'), render: (c) => <a href={customerHref(brand, c.phoneNumber)}>{c.phoneNumber}</a> },
              { key: 'name', label: t('name'), render: (c) => c.customerName || '—' },
              { key: 'store', label: t('store'), render: (c) => storeName(stores, c.storeId) || '—' },
              { key: 'language', label: t('language'), render: (c) => LANGUAGE_NAMES[langs.get(c.phoneNumber)] || langs.get(c.phoneNumber) || '—' },
              { key: 'last', label: t('lastActivity'), render: (c) => dateTime(c.lastInteraction) },
              { key: 'optOut', label: t('optOut'), render: (c) => (c.optedOut ? <Badge tone="danger">{t('yes')}</Badge> : t('no')) },
            ]} />
          {(cursors.length > 1 || list.data.next) && (
            <div class="pager">
              <Button kind="secondary small" disabled={cursors.length <= 1} onClick={() => setCursors(cursors.slice(0, -1))}>{t('previous')}</Button>
              <span>{t('page', { n: cursors.length })}</span>
              <Button kind="secondary small" disabled={!list.data.next} onClick={() => setCursors([...cursors, list.data.next])}>{t('next')}</Button>
            </div>
          )}
        </>
      )}
    </Card>
  );
}

export function CustomersPage({ params }) {
  const brand = params.brand;
  const stores = useLoad(() => loadStores(brand), [brand]);
  const live = useLoad(async () => (stores.data ? loadLive(brand, stores.data) : undefined), [brand, stores.data], { every: 4000 });
  return (
    <Page title={t('title')}>
      <FindCustomer brand={brand} />
      {stores.loading ? <Loading /> : stores.error ? <ErrorBanner error={stores.error} /> : (
        <>
          <LiveConversations brand={brand} stores={stores.data} live={live} />
          <CustomerTable brand={brand} stores={stores.data} live={live} />
        </>
      )}
    </Page>
  );
}
