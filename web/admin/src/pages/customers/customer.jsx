// A customer (/b/:brand/customers/:phone): their record (store, opt-out; move to another
// store, forget it) and their live conversation (state, cart, history), refreshed every 3 s,
// with the operator's actions: hand off to a person, resume the bot, reset, send a message.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../../lib/api.js';
import { useAction, useLoad } from '../../lib/data.js';
import { dateTime } from '../../lib/i18n.js';
import {
  Badge, Button, Card, ConfirmButton, ErrorBanner, Loading, Page, ReadOnlyNote, SelectField, Success, TextArea, useSession,
} from '../../lib/ui.jsx';
import {
  CartTable, customerPath, HANDOFF, LANGUAGE_NAMES, loadStores, notFoundAsNull, sendProblem, StateBadge, storeName, t, Transcript, WINDOW_MS,
} from './common.jsx';

function Field2({ label, children }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

function MappingCard({ brand, phone, mapping, stores, can, onChanged }) {
  const [target, setTarget] = useState(mapping?.storeId || '');
  const [ok, setOk] = useState('');
  const move = useAction((storeId) => api.patch(customerPath(brand, phone), { storeId }));
  const del = useAction(() => api.del(customerPath(brand, phone)));
  useEffect(() => { setTarget(mapping?.storeId || ''); }, [mapping?.storeId]);

  if (!mapping) {
    return (
      <Card title={t('mapping')} id="mapping">
        <p class="muted">{t('noMapping')}</p>
        <Success>{ok}</Success>
      </Card>
    );
  }
  const active = (stores || []).filter((s) => s.isActive !== false || s.storeId === mapping.storeId);
  const options = [{ value: '', label: '—' }].concat(active.map((s) => ({ value: s.storeId, label: s.storeName || s.storeId })));
  return (
    <Card title={t('mapping')} id="mapping">
      <dl class="facts">
        <Field2 label={t('store')}>{storeName(stores, mapping.storeId) || t('noStore')}</Field2>
        <Field2 label={t('name')}>{mapping.customerName || '—'}</Field2>
        <Field2 label={t('optOut')}>{mapping.optedOut ? <Badge tone="danger">{t('optedOut')}</Badge> : t('notOptedOut')}</Field2>
        <Field2 label={t('lastActivity')}>{dateTime(mapping.lastInteraction)}</Field2>
        <Field2 label={t('createdAt')}>{dateTime(mapping.createdAt)}</Field2>
      </dl>
      {can.write && (
        <div class="stack">
          <form class="row" noValidate onSubmit={async (e) => {
            e.preventDefault();
            setOk('');
            const r = await move.run(target);
            if (r) {
              setOk(t('moved', { store: storeName(stores, target) }));
              onChanged();
            }
          }}>
            <SelectField label={t('moveTo')} name="storeId" value={target} onChange={setTarget} options={options} error={move.error} />
            <button type="submit" class="btn secondary" disabled={move.busy || !target || target === mapping.storeId}>{t('move')}</button>
          </form>
          <ErrorBanner error={move.error || del.error} />
          <Success>{ok}</Success>
          <p class="muted small">{t('deleteMappingHint')}</p>
          <ConfirmButton question={t('deleteMappingQ')} busy={del.busy} onConfirm={async () => {
            setOk('');
            if (await del.run()) {
              setOk(t('mappingDeleted'));
              onChanged();
            }
          }}>{t('deleteMapping')}</ConfirmButton>
        </div>
      )}
    </Card>
  );
}

function WindowNote({ conv }) {
  if (!conv?.lastMessageTimestamp) return null;
  const until = conv.lastMessageTimestamp + WINDOW_MS;
  const time = dateTime(new Date(until).toISOString());
  return until > Date.now() ? t('windowOpen', { time }) : t('windowClosed', { time });
}

// OperatorMessage is the message box: a person's message to the customer.
export function OperatorMessage({ brand, phone, conv, optedOut, onSent, rows = 3, label }) {
  const [body, setBody] = useState('');
  const [ok, setOk] = useState('');
  const send = useAction((text) => api.post(customerPath(brand, phone, 'conversation', 'messages'), { body: text }));
  if (optedOut) return <p class="note" role="note">{t('optedOutNote')}</p>;
  return (
    <form class="stack operator-message" noValidate onSubmit={async (e) => {
      e.preventDefault();
      setOk('');
      const r = await send.run(body);
      if (r) {
        setBody('');
        setOk(t('sent'));
        onSent(r);
      }
    }}>
      <TextArea label={label || t('message')} name="body" value={body} rows={rows} error={send.error}
        onInput={(v) => { setBody(v); if (ok) setOk(''); }} hint={WindowNote({ conv })} />
      <ErrorBanner error={sendProblem(send.error)} />
      <Success>{ok}</Success>
      <div><button type="submit" class="btn primary" disabled={send.busy}>{t('send')}</button></div>
    </form>
  );
}

function ConversationCard({ brand, phone, conv, stores, optedOut, can, onChanged }) {
  const [ok, setOk] = useState('');
  const act = useAction((method, ...rest) => (method === 'del' ? api.del(customerPath(brand, phone, 'conversation')) : api.post(customerPath(brand, phone, 'conversation', ...rest))));
  const run = async (msg, method, ...rest) => {
    setOk('');
    const r = await act.run(method, ...rest);
    if (r) {
      setOk(msg);
      onChanged(method === 'del' ? null : r.conversation);
    }
  };
  const state = conv?.currentState;
  return (
    <Card title={t('conversation')} id="conversation" actions={<StateBadge state={state} labelled />}>
      {can.write && (
        <div class="conv-actions" role="group" aria-label={t('actionsTitle')}>
          {conv && state !== HANDOFF && <Button kind="secondary" busy={act.busy} onClick={() => run(t('handedOff'), 'post', 'handoff')}>{t('handOff')}</Button>}
          {conv && state === HANDOFF && <Button kind="primary" busy={act.busy} onClick={() => run(t('resumed'), 'post', 'resume')}>{t('resume')}</Button>}
          {conv && <ConfirmButton question={t('resetQ')} busy={act.busy} onConfirm={() => run(t('wasReset'), 'del')}>{t('reset')}</ConfirmButton>}
        </div>
      )}
      <ErrorBanner error={act.error} />
      <Success>{ok}</Success>
      {!conv ? <p class="muted">{t('noConversation')}</p> : (
        <>
          <dl class="facts">
            <Field2 label={t('store')}>{storeName(stores, conv.storeId) || '—'}</Field2>
            <Field2 label={t('language')}>{LANGUAGE_NAMES[conv.language] || conv.language || '—'}</Field2>
            <Field2 label={t('lastActivity')}>{dateTime(conv.lastInteraction)}</Field2>
          </dl>
          <div class="conv-grid">
            <section aria-labelledby="cart-title" class="conv-cart">
              <h3 id="cart-title">{t('cart')}</h3>
              <CartTable cart={conv.cart} />
            </section>
            <section aria-labelledby="history-title" class="conv-history">
              <h3 id="history-title">{t('history')}</h3>
              <p class="muted small">{t('liveNote')}</p>
              <Transcript history={conv.messageHistory} />
              {can.write && (
                <OperatorMessage brand={brand} phone={phone} conv={conv} optedOut={optedOut} onSent={(r) => onChanged(r.conversation)} />
              )}
            </section>
          </div>
        </>
      )}
    </Card>
  );
}

export function CustomerPage({ params }) {
  const { brand, phone } = params;
  const { can } = useSession();
  const stores = useLoad(() => loadStores(brand), [brand]);
  const data = useLoad(async () => {
    const [mapping, view] = await Promise.all([
      notFoundAsNull(customerPath(brand, phone)),
      notFoundAsNull(customerPath(brand, phone, 'conversation')),
    ]);
    return { mapping, conv: view?.conversation || null };
  }, [brand, phone], { every: 3000 });

  const listLink = <a href={`#/b/${encodeURIComponent(brand)}/customers`}>{t('backToList')}</a>;
  if (data.loading) return <Page title={phone}><Loading /></Page>;
  if (data.error && !data.data) return <Page title={phone}><ErrorBanner error={data.error} /><p>{listLink}</p></Page>;
  const { mapping, conv } = data.data;
  if (!mapping && !conv) {
    return (
      <Page title={t('notFound')} subtitle={phone}>
        <div class="banner info" role="status" data-testid="customer-not-found">{t('notFoundText')}</div>
        <p>{listLink}</p>
      </Page>
    );
  }
  const name = mapping?.customerName || conv?.customerName;
  const changed = (c) => {
    if (c !== undefined) data.setData({ ...data.data, conv: c });
    data.reload();
  };
  return (
    <Page title={name || phone} subtitle={name ? phone : undefined}
      actions={can.write && <a class="btn secondary" href={`#/b/${encodeURIComponent(brand)}/privacy?phone=${encodeURIComponent(phone)}`}>{t('lgpdLink')}</a>}>
      <ReadOnlyNote />
      <p class="small">{listLink}</p>
      {data.error && <p class="muted small" role="status">{t('refreshFailed')}</p>}
      <ConversationCard brand={brand} phone={phone} conv={conv} stores={stores.data} optedOut={mapping?.optedOut} can={can} onChanged={changed} />
      <MappingCard brand={brand} phone={phone} mapping={mapping} stores={stores.data} can={can} onChanged={() => data.reload()} />
    </Page>
  );
}
