// The handoff inbox (/b/:brand/inbox): every conversation handed to a person in the brand's
// stores, newest first, refreshed every 4 s; each with its last messages, an answer box and
// "Resume bot", right there.
import { api } from '../../lib/api.js';
import { useAction, useLoad } from '../../lib/data.js';
import { dateTime, number } from '../../lib/i18n.js';
import { Button, Card, ErrorBanner, Loading, Page, ReadOnlyNote, useSession } from '../../lib/ui.jsx';
import { OperatorMessage } from './customer.jsx';
import {
  customerHref, customerPath, HANDOFF, loadLive, loadStores, msTime, notFoundAsNull, OPERATOR_SID, StateBadge, storeName, t, Transcript,
} from './common.jsx';

const LAST = 6;

// waiting says since when the customer waits for a person: the first of their messages after
// the operator's last one; with none, since the handoff. null when the operator answered last.
function waiting(conv) {
  const h = conv.messageHistory || [];
  let lastOp = -1;
  h.forEach((m, i) => { if (m.direction === 'out' && m.messageSid === OPERATOR_SID) lastOp = i; });
  if (lastOp < 0) return { since: conv.context?.handoffAt || h.find((m) => m.direction === 'in')?.at };
  const next = h.slice(lastOp + 1).find((m) => m.direction === 'in');
  return next ? { since: next.at } : { answered: h[lastOp].at };
}

function idOf(phone) {
  return 'inbox-' + phone.replace(/[^0-9]/g, '');
}

function InboxItem({ brand, stores, conv, can, onResumed, onChanged }) {
  const phone = conv.phoneNumber;
  const resume = useAction(() => api.post(customerPath(brand, phone, 'conversation', 'resume')));
  const w = waiting(conv);
  const history = (conv.messageHistory || []).slice(-LAST);
  const id = idOf(phone);
  return (
    <li class="inbox-item">
      <Card id={id} title={<a href={customerHref(brand, phone)}>{conv.customerName ? `${conv.customerName} · ${phone}` : phone}</a>}
        actions={<StateBadge state={conv.currentState} labelled />}>
        <dl class="facts">
          <div><dt>{t('store')}</dt><dd>{storeName(stores, conv.storeId) || '—'}</dd></div>
          {w.since && <div><dt>{t('waitingSince')}</dt><dd><time dateTime={w.since}>{dateTime(w.since)}</time></dd></div>}
          {w.answered && <div><dt>{t('answeredAt')}</dt><dd><time dateTime={w.answered}>{dateTime(w.answered)}</time></dd></div>}
          <div><dt>{t('lastMessage')}</dt><dd>{msTime(conv.lastMessageTimestamp)}</dd></div>
        </dl>
        <div class="inbox-body">
          <section aria-labelledby={`${id}-last`}>
            <h3 id={`${id}-last`}>{t('lastMessages')}</h3>
            <Transcript history={history} label={`${t('lastMessages')}: ${phone}`} />
          </section>
          {can.write && (
            <div class="inbox-answer">
              <OperatorMessage brand={brand} phone={phone} conv={conv} onSent={onChanged} label={t('answer')} />
              <ErrorBanner error={resume.error} />
              <div class="resume">
                <Button kind="secondary" busy={resume.busy} onClick={async () => { if (await resume.run()) onResumed(phone); }}>{t('resumeBot')}</Button>
              </div>
            </div>
          )}
        </div>
      </Card>
    </li>
  );
}

export function InboxPage({ params }) {
  const brand = params.brand;
  const { can } = useSession();
  const stores = useLoad(() => loadStores(brand), [brand]);
  const inbox = useLoad(async () => {
    if (!stores.data) return undefined;
    const { list } = await loadLive(brand, stores.data);
    const handedOff = list.filter((c) => c.currentState === HANDOFF);
    const convs = await Promise.all(handedOff.map((c) => notFoundAsNull(customerPath(brand, c.phoneNumber, 'conversation'))));
    // The summary is the list's order (latest customer message first); a conversation reset
    // or resumed meanwhile is left out.
    return convs.map((v) => v?.conversation).filter((c) => c && c.currentState === HANDOFF);
  }, [brand, stores.data], { every: 4000 });

  const items = inbox.data || [];
  const resumed = (phone) => {
    inbox.setData(items.filter((c) => c.phoneNumber !== phone));
    inbox.reload();
  };
  return (
    <Page title={t('inboxTitle')} subtitle={t('inboxSubtitle')}>
      <ReadOnlyNote />
      {stores.error ? <ErrorBanner error={stores.error} /> : stores.loading || inbox.loading ? <Loading /> : inbox.error && !inbox.data ? <ErrorBanner error={inbox.error} /> : inbox.data === undefined ? <Loading /> : (
        <>
          {inbox.error && <p class="muted small" role="status">{t('refreshFailed')}</p>}
          <p class="muted" role="status" aria-live="polite">{t('inboxCount', { n: number(items.length) })}</p>
          {items.length === 0 ? <p class="empty">{t('inboxEmpty')}</p> : (
            <ul class="inbox" aria-label={t('inboxList')}>
              {items.map((c) => (
                <InboxItem key={c.phoneNumber} brand={brand} stores={stores.data} conv={c} can={can} onResumed={resumed} onChanged={() => inbox.reload()} />
              ))}
            </ul>
          )}
        </>
      )}
    </Page>
  );
}
