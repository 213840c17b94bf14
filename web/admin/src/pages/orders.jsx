// Orders: a store's orders by status (/b/:brand/orders), one order with its status history
// and its cancellation (/b/:brand/orders/:order), the stores' queues, and the platform's
// health for platform admins (/platform): the inbound dead-letter queue and the audit of a day.
import './orders.css';
import { useState } from 'preact/hooks';
import { api, brandPath } from '../lib/api.js';
import { useAction, useLoad } from '../lib/data.js';
import { dateTime, messages, money, number } from '../lib/i18n.js';
import { navigate, queryParams } from '../lib/router.js';
import {
  Badge, Button, Card, ConfirmButton, Empty, ErrorBanner, Loading, Page, SelectField, StorePicker, Success, Switch, Table,
  TextArea, TextField, useSession,
} from '../lib/ui.jsx';
import { AuditTable, Pager, useCursorPages } from './audit.jsx';

const t = messages({
  'pt-BR': {
    orders: 'Pedidos', ordersSubtitle: 'Os pedidos de uma loja, mais recentes primeiro.', filters: 'Filtros', allStatuses: 'Todos os status',
    includeTests: 'Incluir pedidos de teste (chat de teste)', list: 'Lista de pedidos', number: 'Número', time: 'Quando', customer: 'Cliente',
    items: 'Itens', payment: 'Pagamento', test: 'Teste', noOrders: 'Nenhum pedido com estes filtros.', noStores: 'A marca ainda não tem lojas.',
    truncated: 'A lista parou em 500 pedidos: escolha um status para ver os demais.', queues: 'Filas das lojas',
    queuesHint: 'A fila de cada loja leva os pedidos ao seu PDV; a fila de mensagens mortas (DLQ) guarda o que o PDV não conseguiu receber.',
    posQueue: 'Fila do PDV', dlq: 'Mensagens mortas (DLQ)', waiting: '{n} aguardando', inFlight: '{n} em processamento', delayed: '{n} atrasadas',
    dlqEmpty: 'Vazia', dlqWaiting: '{n} na DLQ', noQueues: 'Nenhuma loja.', queueError: 'Indisponível: {e}',
    CREATED: 'Criado', AWAITING_PAYMENT: 'Aguardando pagamento', CONFIRMED: 'Confirmado', SENT_TO_POS: 'Enviado ao PDV', CANCELLED: 'Cancelado',
    PIX: 'PIX', CREDIT: 'Cartão de crédito', DEBIT: 'Cartão de débito', DELIVERY: 'Entrega', PICKUP: 'Retirada na loja',
    order: 'Pedido #{id}', backToOrders: 'Voltar aos pedidos', placedAt: 'Feito em {at} na loja {store}',
    item: 'Item', qty: 'Qtd.', unit: 'Preço unitário', amount: 'Valor', subtotal: 'Subtotal', deliveryFee: 'Taxa de entrega',
    note: 'Observação: {text}', size: 'Tamanho: {name}', fulfillment: 'Entrega ou retirada', address: 'Endereço', estimate: 'cerca de {n} min',
    phone: 'Telefone', name: 'Nome', method: 'Forma', paymentStatus: 'Situação', online: 'Pago on-line antes de ir à cozinha',
    atDoor: 'Pago na entrega ou na retirada', paidAt: 'Pago em {at}', refundedAt: 'Estornado em {at}', awaitingOnline: 'Aguardando o pagamento on-line',
    expires: 'A cobrança vence em {at}', notPaid: 'Não pago', charge: 'Cobrança', history: 'Histórico de status',
    erased: 'Os dados do cliente foram apagados (LGPD) em {at}.', cancelTitle: 'Cancelar o pedido',
    cancelText: 'A cobrança não paga é removida ou o pagamento é estornado, o PDV da loja é avisado se já recebeu o pedido, e o cliente recebe uma mensagem.',
    reason: 'Motivo do cancelamento', reasonHint: 'Obrigatório, até 200 caracteres. Fica no histórico do pedido e vai para a loja.',
    reasonRequired: 'Informe o motivo (1 a 200 caracteres).', reasonTooLong: 'O motivo tem {n} caracteres; o máximo é 200.',
    cancelOrder: 'Cancelar pedido', cancelQ: 'Cancelar este pedido? Não dá para desfazer.', cancelled: 'Pedido cancelado.',
    isCancelled: 'Este pedido está cancelado.', updated: 'Atualizado em {at}', testOrder: 'Pedido do chat de teste: nunca vai ao PDV.',
    platform: 'Filas da plataforma', platformSubtitle: 'A saúde da plataforma, para todas as marcas.', inbound: 'Fila de mensagens mortas de entrada',
    inboundText: 'Mensagens de clientes que o worker não conseguiu processar depois das novas tentativas vêm para cá e não são processadas de novo sozinhas.',
    redrive: 'Depois de corrigir a causa (veja os logs), {cmd} devolve todas elas à fila de entrada para serem processadas outra vez ({aws} na AWS).',
    depth: 'Profundidade', visible: 'Aguardando', inFlightL: 'Em processamento', delayedL: 'Atrasadas', inboundEmpty: 'Vazia: nada a reprocessar',
    inboundWaiting: '{n} mensagens aguardando', dayAudit: 'Auditoria de um dia (todas as marcas)', day: 'Dia (UTC)',
    dayAuditCaption: 'Alterações do dia em todas as marcas',
  },
  'en-US': {
    orders: 'Orders', ordersSubtitle: 'A store\'s orders, newest first.', filters: 'Filters', allStatuses: 'All statuses',
    includeTests: 'Include test orders (test chat)', list: 'Order list', number: 'Number', time: 'Time', customer: 'Customer',
    items: 'Items', payment: 'Payment', test: 'Test', noOrders: 'No order matches these filters.', noStores: 'The brand has no stores yet.',
    truncated: 'The list stopped at 500 orders: choose a status to see the others.', queues: 'Store queues',
    queuesHint: 'Each store\'s queue carries its orders to its point of sale (POS); the dead-letter queue (DLQ) keeps what the POS could not take.',
    posQueue: 'POS queue', dlq: 'Dead letters (DLQ)', waiting: '{n} waiting', inFlight: '{n} in flight', delayed: '{n} delayed',
    dlqEmpty: 'Empty', dlqWaiting: '{n} in the DLQ', noQueues: 'No stores.', queueError: 'Unavailable: {e}',
    CREATED: 'Created', AWAITING_PAYMENT: 'Awaiting payment', CONFIRMED: 'Confirmed', SENT_TO_POS: 'Sent to POS', CANCELLED: 'Cancelled',
    PIX: 'PIX', CREDIT: 'Credit card', DEBIT: 'Debit card', DELIVERY: 'Delivery', PICKUP: 'Pickup at the store',
    order: 'Order #{id}', backToOrders: 'Back to orders', placedAt: 'Placed {at} at the {store} store',
    item: 'Item', qty: 'Qty', unit: 'Unit price', amount: 'Amount', subtotal: 'Subtotal', deliveryFee: 'Delivery fee',
    note: 'Note: {text}', size: 'Size: {name}', fulfillment: 'Fulfillment', address: 'Address', estimate: 'about {n} min',
    phone: 'Phone', name: 'Name', method: 'Method', paymentStatus: 'Status', online: 'Paid online before it goes to the kitchen',
    atDoor: 'Paid on delivery or at pickup', paidAt: 'Paid {at}', refundedAt: 'Refunded {at}', awaitingOnline: 'Awaiting the online payment',
    expires: 'The charge expires {at}', notPaid: 'Not paid', charge: 'Charge', history: 'Status history',
    erased: 'The customer\'s data was erased (LGPD) on {at}.', cancelTitle: 'Cancel the order',
    cancelText: 'The unpaid charge is removed or the payment refunded, the store\'s POS is told if it already got the order, and the customer gets a message.',
    reason: 'Reason for cancelling', reasonHint: 'Required, up to 200 characters. Kept in the order\'s history and sent to the store.',
    reasonRequired: 'Give the reason (1 to 200 characters).', reasonTooLong: 'The reason has {n} characters; at most 200.',
    cancelOrder: 'Cancel order', cancelQ: 'Cancel this order? It cannot be undone.', cancelled: 'Order cancelled.',
    isCancelled: 'This order is cancelled.', updated: 'Updated {at}', testOrder: 'A test chat order: it never goes to the POS.',
    platform: 'Platform queues', platformSubtitle: 'The platform\'s health, across brands.', inbound: 'Inbound dead-letter queue',
    inboundText: 'Customer messages the worker could not process after its retries land here, and are not processed again on their own.',
    redrive: 'Once the cause is fixed (see the logs), {cmd} moves every one of them back to the inbound queue to be processed again ({aws} in AWS).',
    depth: 'Depth', visible: 'Waiting', inFlightL: 'In flight', delayedL: 'Delayed', inboundEmpty: 'Empty: nothing to redrive',
    inboundWaiting: '{n} messages waiting', dayAudit: 'Audit of a day (every brand)', day: 'Day (UTC)',
    dayAuditCaption: 'The day\'s changes across brands',
  },
});

export const STATUSES = ['CREATED', 'AWAITING_PAYMENT', 'CONFIRMED', 'SENT_TO_POS', 'CANCELLED'];
const STATUS_TONE = { CREATED: 'neutral', AWAITING_PAYMENT: 'warn', CONFIRMED: 'info', SENT_TO_POS: 'ok', CANCELLED: 'danger' };

export function StatusBadge({ status }) {
  return <Badge tone={STATUS_TONE[status] || 'neutral'}>{STATUSES.includes(status) ? t(status) : status}</Badge>;
}

// A time the API sends as Go's zero time is no time.
function isSet(iso) {
  return !!iso && !String(iso).startsWith('0001-');
}

function phone(p) {
  return String(p || '').replace(/^whatsapp:/, '');
}

function itemsSummary(lines) {
  return (lines || []).map((l) => `${l.quantity}× ${l.name}${l.sizeName ? ` (${l.sizeName})` : ''}`).join(', ');
}

function paymentLabel(m) {
  return ['PIX', 'CREDIT', 'DEBIT'].includes(m) ? t(m) : m || '—';
}

function ordersHref(brand, query) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query || {})) if (v) q.set(k, v);
  const qs = q.toString();
  return `/b/${encodeURIComponent(brand)}/orders${qs ? '?' + qs : ''}`;
}

// ---- the list ---------------------------------------------------------------------------
function OrderList({ params }) {
  const brand = params.brand;
  const q = queryParams();
  const [filters, setFilters] = useState({ store: q.get('store') || '', status: STATUSES.includes(q.get('status')) ? q.get('status') : '', tests: q.get('tests') === '1' });
  const stores = useLoad(() => api.get(brandPath(brand, 'stores')), [brand]);
  const storeList = stores.data?.stores || [];
  const store = filters.store || storeList[0]?.storeId || '';
  const orders = useLoad(
    () => (store ? api.get(brandPath(brand, 'stores', store, 'orders'), { status: filters.status, tests: filters.tests ? 'true' : '' }) : Promise.resolve(null)),
    [brand, store, filters.status, filters.tests], { every: 15000 },
  );
  const queues = useLoad(() => api.get(brandPath(brand, 'queues')), [brand], { every: 30000 });

  const change = (k) => (v) => {
    const next = { ...filters, store, [k]: v };
    setFilters(next);
    navigate(ordersHref(brand, { store: next.store, status: next.status, tests: next.tests ? '1' : '' }), { replace: true });
  };
  const orderHref = (o) => `#/b/${encodeURIComponent(brand)}/orders/${encodeURIComponent(o.orderId)}`;

  return (
    <Page title={t('orders')} subtitle={t('ordersSubtitle')} actions={<Button onClick={() => { orders.reload(); queues.reload(); }}>{t('refresh')}</Button>}>
      <Card title={t('list')} id="orders">
        {stores.loading ? <Loading /> : stores.error ? <ErrorBanner error={stores.error} /> : storeList.length === 0 ? <Empty>{t('noStores')}</Empty> : (
          <>
            <div class="filters" role="group" aria-label={t('filters')}>
              <StorePicker stores={storeList} value={store} onChange={change('store')} />
              <SelectField label={t('status')} value={filters.status} onChange={change('status')}
                options={[{ value: '', label: t('allStatuses') }, ...STATUSES.map((s) => ({ value: s, label: t(s) }))]} />
              <Switch label={t('includeTests')} checked={filters.tests} onChange={change('tests')} />
            </div>
            {orders.loading ? <Loading /> : orders.error ? <ErrorBanner error={orders.error} /> : orders.data && (
              <>
                {orders.data.truncated && <p class="note" role="note">{t('truncated')}</p>}
                <Table caption={t('list')} rows={orders.data.orders} rowKey={(o) => o.orderId} empty={t('noOrders')}
                  columns={[
                    { key: 'orderId', label: t('number'), render: (o) => (
                      <span class="order-no"><a href={orderHref(o)}>#{o.orderId}</a>{o.test && <> <Badge tone="info">{t('test')}</Badge></>}</span>
                    ) },
                    { key: 'createdAt', label: t('time'), render: (o) => <time dateTime={o.createdAt}>{dateTime(o.createdAt)}</time> },
                    { key: 'customer', label: t('customer'), render: (o) => (
                      <>{o.customerName && <>{o.customerName}<br /></>}<span class="muted small">{phone(o.customerPhone)}</span></>
                    ) },
                    { key: 'items', label: t('items'), render: (o) => itemsSummary(o.lines) },
                    { key: 'total', label: t('total'), class: 'num', render: (o) => money(o.totalCents) },
                    { key: 'payment', label: t('payment'), render: (o) => paymentLabel(o.paymentMethod) },
                    { key: 'status', label: t('status'), render: (o) => <StatusBadge status={o.status} /> },
                  ]} />
              </>
            )}
          </>
        )}
      </Card>
      <QueuesCard queues={queues} stores={storeList} />
    </Page>
  );
}

function Depth({ d }) {
  return (
    <span>
      {t('waiting', { n: number(d.visible) })}
      {d.inFlight > 0 && <>, {t('inFlight', { n: number(d.inFlight) })}</>}
      {d.delayed > 0 && <>, {t('delayed', { n: number(d.delayed) })}</>}
    </span>
  );
}

function QueuesCard({ queues, stores }) {
  const name = (id) => stores.find((s) => s.storeId === id)?.storeName || id;
  return (
    <Card title={t('queues')} id="queues">
      <p class="muted small">{t('queuesHint')}</p>
      {queues.loading ? <Loading /> : queues.error ? <ErrorBanner error={queues.error} /> : (
        <Table caption={t('queues')} rows={queues.data.stores} rowKey={(s) => s.storeId} empty={t('noQueues')}
          columns={[
            { key: 'store', label: t('store'), render: (s) => name(s.storeId) },
            { key: 'queue', label: t('posQueue'), render: (s) => (s.error ? <span class="muted">{t('queueError', { e: s.error })}</span> : <Depth d={s.queue} />) },
            { key: 'dlq', label: t('dlq'), render: (s) => {
              if (s.error) return <span class="muted">—</span>;
              const n = (s.deadLetters.visible || 0) + (s.deadLetters.inFlight || 0) + (s.deadLetters.delayed || 0);
              return n > 0 ? <Badge tone="warn">{t('dlqWaiting', { n: number(n) })}</Badge> : <Badge tone="ok">{t('dlqEmpty')}</Badge>;
            } },
          ]} />
      )}
    </Card>
  );
}

// ---- one order --------------------------------------------------------------------------
function OrderPage({ params }) {
  const { can } = useSession();
  const path = brandPath(params.brand, 'orders', params.order);
  const order = useLoad(() => api.get(path), [path], { every: 15000 });
  const stores = useLoad(() => api.get(brandPath(params.brand, 'stores')), [params.brand]);
  const [reason, setReason] = useState('');
  const [reasonError, setReasonError] = useState('');
  const [ok, setOk] = useState('');
  const cancel = useAction((r) => api.post(path + '/cancel', { reason: r }));

  const title = t('order', { id: params.order });
  const back = <a href={'#' + ordersHref(params.brand, { store: order.data?.storeId })}>{t('backToOrders')}</a>;
  if (order.loading) return <Page title={title}><Loading /></Page>;
  if (order.error) return <Page title={title}><ErrorBanner error={order.error} /><p>{back}</p></Page>;
  const o = order.data;

  const doCancel = async () => {
    setOk('');
    cancel.clear();
    const r = reason.trim();
    const n = [...r].length;
    if (n === 0 || n > 200) {
      setReasonError(n === 0 ? t('reasonRequired') : t('reasonTooLong', { n }));
      document.getElementById('cancel-reason')?.querySelector('textarea')?.focus();
      return;
    }
    setReasonError('');
    const after = await cancel.run(r);
    if (after && after !== true) {
      order.setData(after);
      setOk(t('cancelled'));
      setReason('');
    }
  };

  const paidOnline = o.onlinePayment || o.paymentMethod === 'PIX';
  let payStatus;
  if (isSet(o.refundedAt)) payStatus = <Badge tone="info">{t('refundedAt', { at: dateTime(o.refundedAt) })}</Badge>;
  else if (isSet(o.paidAt)) payStatus = <Badge tone="ok">{t('paidAt', { at: dateTime(o.paidAt) })}</Badge>;
  else if (paidOnline && o.status !== 'CANCELLED') payStatus = <Badge tone="warn">{t('awaitingOnline')}</Badge>;
  else if (paidOnline) payStatus = <Badge>{t('notPaid')}</Badge>;
  else payStatus = <span>{t('atDoor')}</span>;

  return (
    <Page title={title} subtitle={t('placedAt', { at: dateTime(o.createdAt), store: stores.data?.stores?.find((x) => x.storeId === o.storeId)?.storeName || o.storeId })}
      actions={<><StatusBadge status={o.status} />{o.test && <Badge tone="info">{t('test')}</Badge>}</>}>
      <p class="back">{back}</p>
      {o.test && <p class="note" role="note">{t('testOrder')}</p>}
      <Success>{ok}</Success>
      <div class="order-grid">
        <Card title={t('items')} id="order-items">
          <Table caption={t('items')} rows={o.lines} rowKey={(l) => `${l.itemId}|${l.sizeId || ''}|${(l.options || []).map((x) => x.optionId).join(',')}|${l.notes || ''}`}
            columns={[
              { key: 'name', label: t('item'), render: (l) => (
                <>
                  <strong>{l.name}</strong>
                  {l.sizeName && <div class="small">{t('size', { name: l.sizeName })}</div>}
                  {l.options?.length > 0 && (
                    <ul class="opts small">
                      {l.options.map((x) => <li key={x.optionId}>{x.name}{x.priceDeltaCents ? ` (+${money(x.priceDeltaCents)})` : ''}</li>)}
                    </ul>
                  )}
                  {l.notes && <div class="small muted">{t('note', { text: l.notes })}</div>}
                </>
              ) },
              { key: 'qty', label: t('qty'), class: 'num', render: (l) => number(l.quantity) },
              { key: 'unit', label: t('unit'), class: 'num', render: (l) => money(l.unitPriceCents) },
              { key: 'amount', label: t('amount'), class: 'num', render: (l) => money(l.quantity * l.unitPriceCents) },
            ]} />
          <dl class="totals">
            <dt>{t('subtotal')}</dt><dd>{money(o.subtotalCents)}</dd>
            <dt>{t('deliveryFee')}</dt><dd>{money(o.deliveryFeeCents)}</dd>
            <dt class="grand">{t('total')}</dt><dd class="grand" data-testid="order-total">{money(o.totalCents)}</dd>
          </dl>
        </Card>
        <div>
          <Card title={t('customer')} id="order-customer">
            <dl class="kv">
              {o.customerName && <><dt>{t('name')}</dt><dd>{o.customerName}</dd></>}
              <dt>{t('phone')}</dt><dd>{phone(o.customerPhone)}</dd>
              <dt>{t('fulfillment')}</dt>
              <dd>{o.fulfillment === 'DELIVERY' || o.fulfillment === 'PICKUP' ? t(o.fulfillment) : o.fulfillment}{o.estimatedMinutes ? ` · ${t('estimate', { n: o.estimatedMinutes })}` : ''}</dd>
              {o.deliveryAddress && <><dt>{t('address')}</dt><dd>{o.deliveryAddress}</dd></>}
            </dl>
            {isSet(o.pseudonymisedAt) && <p class="note" role="note">{t('erased', { at: dateTime(o.pseudonymisedAt) })}</p>}
          </Card>
          <Card title={t('payment')} id="order-payment">
            <dl class="kv">
              <dt>{t('method')}</dt><dd>{paymentLabel(o.paymentMethod)}{paidOnline && <div class="muted small">{t('online')}</div>}</dd>
              <dt>{t('paymentStatus')}</dt>
              <dd>
                {payStatus}
                {isSet(o.paymentExpiresAt) && !isSet(o.paidAt) && o.status !== 'CANCELLED' && <div class="small">{t('expires', { at: dateTime(o.paymentExpiresAt) })}</div>}
              </dd>
              {o.paymentId && <><dt>{t('charge')}</dt><dd><code>{o.paymentId}</code></dd></>}
            </dl>
          </Card>
        </div>
      </div>
      <Card title={t('history')} id="order-history">
        <ol class="timeline">
          {(o.statusHistory || []).map((h, i) => (
            <li key={i}>
              <StatusBadge status={h.status} />{' '}
              <time dateTime={h.at}>{dateTime(h.at)}</time>
              {h.reason && <div class="reason">{h.reason}</div>}
            </li>
          ))}
        </ol>
        <p class="muted small">{t('updated', { at: dateTime(o.updatedAt) })}</p>
      </Card>
      {can.write && (
        <Card title={t('cancelTitle')} id="order-cancel">
          {o.status === 'CANCELLED' ? <p>{t('isCancelled')}</p> : (
            <div class="stack">
              <p class="muted">{t('cancelText')}</p>
              <div id="cancel-reason">
                <TextArea label={t('reason')} name="reason" rows={3} value={reason} hint={t('reasonHint')}
                  onInput={(v) => { setReason(v); if (reasonError) setReasonError(''); }}
                  error={reasonError || cancel.error} />
              </div>
              {cancel.error && !cancel.error.fieldError?.('reason') && <ErrorBanner error={cancel.error} />}
              <ConfirmButton question={t('cancelQ')} busy={cancel.busy} onConfirm={doCancel}>{t('cancelOrder')}</ConfirmButton>
            </div>
          )}
        </Card>
      )}
    </Page>
  );
}

// ---- platform ---------------------------------------------------------------------------
function utcToday() {
  return new Date().toISOString().slice(0, 10);
}

function PlatformPage() {
  const queues = useLoad(() => api.get('/platform/queues'), [], { every: 30000 });
  const [day, setDay] = useState(utcToday());
  const pages = useCursorPages();
  const audit = useLoad(() => api.get('/audit', { day, cursor: pages.cursor, limit: 50 }), [day, pages.cursor]);
  const d = queues.data?.inboundDeadLetters;
  const total = d ? (d.visible || 0) + (d.inFlight || 0) + (d.delayed || 0) : 0;
  return (
    <Page title={t('platform')} subtitle={t('platformSubtitle')} actions={<Button onClick={() => { queues.reload(); audit.reload(); }}>{t('refresh')}</Button>}>
      <Card title={t('inbound')} id="inbound-dlq"
        actions={d && (total > 0 ? <Badge tone="warn">{t('inboundWaiting', { n: number(total) })}</Badge> : <Badge tone="ok">{t('inboundEmpty')}</Badge>)}>
        <p>{t('inboundText')}</p>
        <p class="muted">{fill(t('redrive'), { cmd: <code>make redrive</code>, aws: <code>ENV=dev make redrive</code> })}</p>
        {queues.loading ? <Loading /> : queues.error ? <ErrorBanner error={queues.error} /> : (
          <dl class="kv depth" data-testid="inbound-depth">
            <dt>{t('visible')}</dt><dd>{number(d.visible)}</dd>
            <dt>{t('inFlightL')}</dt><dd>{number(d.inFlight)}</dd>
            <dt>{t('delayedL')}</dt><dd>{number(d.delayed)}</dd>
          </dl>
        )}
      </Card>
      <Card title={t('dayAudit')} id="day-audit">
        <div class="filters">
          <TextField label={t('day')} name="day" type="date" value={day} error={audit.error}
            onInput={(v) => { if (v) { setDay(v); pages.reset(); } }} />
        </div>
        {audit.loading ? <Loading /> : audit.error ? <ErrorBanner error={audit.error} /> : (
          <>
            <AuditTable records={audit.data.records} showBrand caption={t('dayAuditCaption')} />
            <Pager pages={pages} next={audit.data.next} />
          </>
        )}
      </Card>
    </Page>
  );
}

// fill puts elements in a translated sentence's {placeholders}.
function fill(text, parts) {
  const out = [];
  const re = /\{(\w+)\}/g;
  let last = 0;
  let m;
  while ((m = re.exec(text))) {
    out.push(text.slice(last, m.index), parts[m[1]] ?? m[0]);
    last = m.index + m[0].length;
  }
  out.push(text.slice(last));
  return out;
}

export const routes = [
  { path: '/b/:brand/orders', page: OrderList },
  { path: '/b/:brand/orders/:order', page: OrderPage },
  { path: '/platform', page: PlatformPage, platform: true },
];
