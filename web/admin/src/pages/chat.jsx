// Test chat (/b/:brand/chat, write roles): the operator writes to the brand as a customer
// would, in a phone-like panel, and the brand's real engine answers through the API's sandbox
// (POST /brands/{id}/sandbox/messages → conversation.SandboxResult: replies, the state before
// and after, the conversation, the order placed). Beside the phone: the store the test
// customer talks to, "Start over" (DELETE /brands/{id}/sandbox) and a turn log with each
// turn's state change, cart and order, and what the language model did for it (the sandbox
// reads messages as the WhatsApp bot does: the rules first, the brand's model for what they
// cannot read; SandboxResult.model: calls, tokens, tools, fallback).
//
// On load the page reads the operator's test conversation (GET /brands/{id}/sandbox:
// {conversation}, absent when there is none) and shows where the test chat stands.
import './chat.css';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, brandPath } from '../lib/api.js';
import { useLoad } from '../lib/data.js';
import { language, messages, money, number } from '../lib/i18n.js';
import { Badge, Card, ErrorBanner, Field, Loading, Page, Success, useSession } from '../lib/ui.jsx';

const t = messages({
  'pt-BR': {
    title: 'Chat de teste',
    subtitle: 'Escreva como um cliente escreveria: o robô da marca responde com o cardápio, as lojas e os textos reais.',
    about: 'Nada é enviado pelo WhatsApp. Os pedidos feitos aqui são marcados como teste e nunca vão ao PDV da loja. O bot responde como no WhatsApp: as regras primeiro e o modelo de IA da marca para o que elas não entendem; os tokens usados aqui contam no orçamento diário da marca.',
    phone: 'Celular de teste', phoneStatus: 'cliente de teste · nada é enviado pelo WhatsApp',
    conversation: 'Conversa com o robô', you: 'Você, como cliente:', bot: 'Robô:', sending: 'enviando…', answering: 'O robô está respondendo…',
    emptyChat: 'Comece como um cliente começaria, por exemplo: “oi quero 2 cheese burguer e uma coca”.',
    earlier: 'Conversa em andamento (as últimas mensagens guardadas)',
    message: 'Mensagem como cliente', messageHint: 'Enter envia; Shift+Enter quebra a linha.',
    setup: 'Configuração do teste', store: 'Loja', storeHint: 'Lojas inativas aparecem desabilitadas: o chat de teste só conversa com lojas ativas. Trocar a loja muda o cliente de teste para ela na próxima mensagem.',
    noStore: 'Nenhuma: o robô pergunta a loja', inactiveStore: '{name} (inativa)', noActive: 'A marca não tem loja ativa: sem uma, o robô pergunta a loja ou diz que não atende.',
    startOver: 'Recomeçar', startedOver: 'Conversa apagada. A próxima mensagem começa do zero, com a saudação.',
    turnLog: 'Registro dos turnos', noTurns: 'Cada mensagem enviada aparece aqui: a mudança de estado, o carrinho e o pedido.',
    turn: 'Turno {n}', to: 'para', resumed: 'Conversa retomada', state: 'Estado:', newConversation: '(nova)', none: '(nenhuma)',
    changed: 'mudou', unchanged: 'sem mudança', cart: 'Carrinho', cartEmpty: 'Carrinho vazio.', subtotal: 'Subtotal',
    noConversation: 'Sem conversa depois desta mensagem.',
    modelNone: 'modelo de IA: não chamado (as regras entenderam)', modelCached: 'modelo de IA: resposta do cache, sem chamada',
    modelCall: 'modelo de IA: 1 chamada', modelCalls: 'modelo de IA: {n} chamadas',
    modelTokens: 'tokens: {input} de entrada, {output} de saída, {cacheRead} lidos do cache, {cacheWrite} gravados no cache',
    modelTools: 'ferramentas: {tools}', modelFallback: 'as regras responderam ({why})',
    why_error: 'falha do modelo', why_budget: 'orçamento diário de tokens esgotado', why_refused: 'resposta do modelo recusada', why_calls: 'limite de chamadas',
    reply1: '1 resposta', replies: '{n} respostas', context: 'Contexto da conversa ({lang})', noContext: 'Sem contexto.',
    orderPlaced: 'Pedido #{id} feito', orderTotal: 'Total: {total}', orderStatus: 'Status:', testOrder: 'pedido de teste',
    openOrder: 'Abrir o pedido #{id}', payment: 'Pagamento: {method}', fulfillment: 'Entrega: {how}', size: 'tamanho {name}',
    CREATED: 'Criado', AWAITING_PAYMENT: 'Aguardando pagamento', CONFIRMED: 'Confirmado', SENT_TO_POS: 'Enviado ao PDV', CANCELLED: 'Cancelado',
    PIX: 'PIX', CREDIT: 'Cartão de crédito', DEBIT: 'Cartão de débito', DELIVERY: 'entrega', PICKUP: 'retirada na loja',
  },
  'en-US': {
    title: 'Test chat',
    subtitle: "Write as a customer would: the brand's bot answers with the real menu, stores and texts.",
    about: "Nothing is sent on WhatsApp. Orders placed here are marked as tests and never reach the store's point of sale. The bot answers as on WhatsApp: the rules first, the brand's AI model for what they cannot read; the tokens used here count in the brand's daily budget.",
    phone: 'Test phone', phoneStatus: 'test customer · nothing is sent on WhatsApp',
    conversation: 'Conversation with the bot', you: 'You, as the customer:', bot: 'Bot:', sending: 'sending…', answering: 'The bot is answering…',
    emptyChat: 'Start as a customer would, for example: “oi quero 2 cheese burguer e uma coca”.',
    earlier: 'Conversation in progress (the last messages kept)',
    message: 'Message as the customer', messageHint: 'Enter sends; Shift+Enter starts a new line.',
    setup: 'Test setup', store: 'Store', storeHint: 'Inactive stores are shown disabled: the test chat only talks to active stores. Changing the store moves the test customer to it with the next message.',
    noStore: 'None: the bot asks which store', inactiveStore: '{name} (inactive)', noActive: 'The brand has no active store: without one, the bot asks for a store or says it is not taking orders.',
    startOver: 'Start over', startedOver: 'Conversation cleared. The next message starts from scratch, with the greeting.',
    turnLog: 'Turn log', noTurns: 'Each message you send shows up here: the state change, the cart and the order.',
    turn: 'Turn {n}', to: 'to', resumed: 'Conversation resumed', state: 'State:', newConversation: '(new)', none: '(none)',
    changed: 'changed', unchanged: 'unchanged', cart: 'Cart', cartEmpty: 'Cart is empty.', subtotal: 'Subtotal',
    noConversation: 'No conversation after this message.',
    modelNone: 'AI model: not called (the rules understood)', modelCached: 'AI model: answer from the cache, no call',
    modelCall: 'AI model: 1 call', modelCalls: 'AI model: {n} calls',
    modelTokens: 'tokens: {input} input, {output} output, {cacheRead} read from cache, {cacheWrite} written to cache',
    modelTools: 'tools: {tools}', modelFallback: 'the rules answered ({why})',
    why_error: 'the model failed', why_budget: 'daily token budget spent', why_refused: "the model's reply was refused", why_calls: 'call limit',
    reply1: '1 reply', replies: '{n} replies', context: 'Conversation context ({lang})', noContext: 'No context.',
    orderPlaced: 'Order #{id} placed', orderTotal: 'Total: {total}', orderStatus: 'Status:', testOrder: 'test order',
    openOrder: 'Open order #{id}', payment: 'Payment: {method}', fulfillment: 'Fulfillment: {how}', size: 'size {name}',
    CREATED: 'Created', AWAITING_PAYMENT: 'Awaiting payment', CONFIRMED: 'Confirmed', SENT_TO_POS: 'Sent to the POS', CANCELLED: 'Cancelled',
    PIX: 'PIX', CREDIT: 'Credit card', DEBIT: 'Debit card', DELIVERY: 'delivery', PICKUP: 'pickup at the store',
  },
});

const STATUS_TONE = { CREATED: 'info', AWAITING_PAYMENT: 'warn', CONFIRMED: 'ok', SENT_TO_POS: 'ok', CANCELLED: 'danger' };


// whatsApp renders WhatsApp's inline formatting (*bold*, _italic_, ~strike~) as elements;
// everything else stays text (line breaks are kept by the bubble's CSS).
function whatsApp(text) {
  const out = [];
  const re = /\*([^*\n]+)\*|\b_([^_\n]+)_\b|~([^~\n]+)~/g;
  let last = 0;
  let m;
  let k = 0;
  while ((m = re.exec(text)) !== null) {
    if (m.index > last) out.push(text.slice(last, m.index));
    if (m[1] !== undefined) out.push(<strong key={k++}>{m[1]}</strong>);
    else if (m[2] !== undefined) out.push(<em key={k++}>{m[2]}</em>);
    else out.push(<s key={k++}>{m[3]}</s>);
    last = re.lastIndex;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

function clock(at) {
  try {
    return new Intl.DateTimeFormat(language(), { hour: '2-digit', minute: '2-digit' }).format(at);
  } catch {
    return '';
  }
}

function lineLabel(l) {
  const extras = [l.sizeName && t('size', { name: l.sizeName }), ...(l.options || []).map((o) => o.name)].filter(Boolean);
  return `${l.quantity}× ${l.name}${extras.length ? ` (${extras.join(', ')})` : ''}`;
}

function CartView({ cart }) {
  if (!cart || cart.length === 0) return <p class="muted small">{t('cartEmpty')}</p>;
  const subtotal = cart.reduce((s, l) => s + l.quantity * l.unitPriceCents, 0);
  return (
    <div class="turn-cart">
      <ul>
        {cart.map((l, i) => (
          <li key={i}><span>{lineLabel(l)}</span> <span class="num">{money(l.quantity * l.unitPriceCents)}</span></li>
        ))}
      </ul>
      <p class="turn-subtotal"><span>{t('subtotal')}</span> <span class="num">{money(subtotal)}</span></p>
    </div>
  );
}

function OrderView({ brand, order }) {
  return (
    <div class="turn-order">
      <p><strong>{t('orderPlaced', { id: order.orderId })}</strong> {order.test && <Badge tone="info">{t('testOrder')}</Badge>}</p>
      <p>{t('orderTotal', { total: money(order.totalCents) })}</p>
      <p>{t('orderStatus')} <Badge tone={STATUS_TONE[order.status] || 'neutral'}>{t(order.status)}</Badge></p>
      <p class="small">
        {t('fulfillment', { how: t(order.fulfillment) })} · {t('payment', { method: t(order.paymentMethod) })}
      </p>
      <p><a href={`#/b/${encodeURIComponent(brand)}/orders/${encodeURIComponent(order.orderId)}`}>{t('openOrder', { id: order.orderId })}</a></p>
    </div>
  );
}

// ModelLine says what the language model did for a turn: not asked (the rules read the
// message), answered from the answer cache, or its calls, tokens and tools, and a fallback.
function ModelLine({ model }) {
  if (!model) return <span data-model="none">{t('modelNone')}</span>;
  if (model.cached) return <span data-model="cached">{t('modelCached')}</span>;
  const tokens = t('modelTokens', {
    input: number(model.inputTokens), output: number(model.outputTokens),
    cacheRead: number(model.cacheReadTokens), cacheWrite: number(model.cacheWriteTokens),
  });
  return (
    <span data-model="called" data-calls={model.calls}>
      {t(model.calls === 1 ? 'modelCall' : 'modelCalls', { n: model.calls })} · {tokens}
      {model.tools?.length > 0 && <> · {t('modelTools', { tools: model.tools.join(', ') })}</>}
      {model.fallback && <> · <Badge tone="warn">{t('modelFallback', { why: t('why_' + (model.fallbackReason || 'error')) })}</Badge></>}
    </span>
  );
}

function Turn({ brand, turn }) {
  const changed = turn.before !== turn.after;
  const conv = turn.conversation;
  const ctx = Object.entries(conv?.context || {});
  return (
    <li class={`turn ${changed ? 'changed' : ''}`}>
      <h3>{turn.resumed ? t('resumed') : t('turn', { n: turn.n })}</h3>
      <p class="turn-text">
        {turn.text !== undefined && <q>{turn.text}</q>}
        {turn.at && <span class="muted small">{turn.text !== undefined ? ' · ' : ''}{clock(turn.at)}</span>}
      </p>
      <p class="turn-state">
        {t('state')}{' '}
        {turn.resumed ? <code>{turn.after || t('none')}</code> : (
          <>
            <code>{turn.before || t('newConversation')}</code> <span aria-hidden="true">→</span>
            <span class="sr-only">{t('to')}</span> <code>{turn.after || t('none')}</code>{' '}
            {changed ? <Badge tone="warn">{t('changed')}</Badge> : <span class="muted small">({t('unchanged')})</span>}
          </>
        )}
      </p>
      {conv ? (
        <>
          <h4>{t('cart')}</h4>
          <CartView cart={conv.cart} />
        </>
      ) : <p class="muted small">{t('noConversation')}</p>}
      {turn.order && <OrderView brand={brand} order={turn.order} />}
      {!turn.resumed && (
        <p class="muted small turn-model">
          {turn.replies === 1 ? t('reply1') : t('replies', { n: turn.replies })} · <ModelLine model={turn.model} />
        </p>
      )}
      {conv && (
        <details class="turn-context">
          <summary>{t('context', { lang: conv.language })}</summary>
          {ctx.length === 0 ? <p class="muted small">{t('noContext')}</p> : (
            <dl>
              {ctx.map(([k, v]) => (
                <div key={k}><dt>{k}</dt><dd>{v}</dd></div>
              ))}
            </dl>
          )}
        </details>
      )}
    </li>
  );
}

function Bubble({ msg }) {
  if (msg.divider) return <li class="chat-divider"><span>{msg.text}</span></li>;
  const mine = msg.from === 'customer';
  return (
    <li class={`bubble ${mine ? 'mine' : 'bot'} ${msg.pending ? 'pending' : ''}`}>
      <span class="sr-only">{mine ? t('you') : t('bot')} </span>
      <span class="bubble-text">{whatsApp(msg.text)}</span>
      <span class="bubble-time">{msg.pending ? t('sending') : clock(msg.at)}</span>
    </li>
  );
}

let seq = 0;

function Chat({ params }) {
  const brand = params.brand;
  const { me } = useSession();
  const stores = useLoad(() => api.get(brandPath(brand, 'stores')), [brand]);
  const [storeId, setStoreId] = useState(null); // null: not chosen yet
  const [msgs, setMsgs] = useState([]);
  const [turns, setTurns] = useState([]);
  const [text, setText] = useState('');
  const [sending, setSending] = useState(false);
  const [resetting, setResetting] = useState(false);
  const [error, setError] = useState(null);
  const [notice, setNotice] = useState('');
  const [resumedStore, setResumedStore] = useState(null);
  const touched = useRef(false); // a message was sent or the chat reset: a late resume must not overwrite it
  const inputRef = useRef(null);
  const logRef = useRef(null);
  const refocus = useRef(false);

  // Where the test chat stands: the operator's test customer's live conversation, if any.
  useEffect(() => {
    let stop = false;
    (async () => {
      try {
        const conv = (await api.get(brandPath(brand, 'sandbox')))?.conversation;
        if (stop || touched.current || !conv) return;
        const history = (conv.messageHistory || []).map((h) => ({
          id: ++seq, from: h.direction === 'in' ? 'customer' : 'bot', text: h.body, at: new Date(h.at),
        }));
        if (history.length) setMsgs([{ id: ++seq, divider: true, text: t('earlier') }, ...history]);
        setTurns([{ id: ++seq, resumed: true, after: conv.currentState, conversation: conv, at: new Date(conv.lastInteraction || Date.now()) }]);
        if (conv.storeId) setResumedStore(conv.storeId);
      } catch (e) {
        // The page still works without it: start with an empty phone.
      }
    })();
    return () => { stop = true; };
  }, [brand, me?.sub]);

  const storeList = stores.data?.stores || [];
  const active = storeList.filter((s) => s.active);
  // The store in use: the operator's choice, else the resumed conversation's, else the first active.
  const chosen = storeId !== null ? storeId
    : (resumedStore && active.some((s) => s.storeId === resumedStore) ? resumedStore : active[0]?.storeId || '');
  const storeName = storeList.find((s) => s.storeId === chosen)?.storeName || chosen;

  useEffect(() => {
    const el = logRef.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [msgs]);

  useEffect(() => {
    if (!sending && refocus.current) {
      refocus.current = false;
      inputRef.current?.focus({ preventScroll: true });
    }
  }, [sending]);

  const send = async () => {
    if (sending || resetting || stores.loading) return;
    const body = text;
    touched.current = true;
    setError(null);
    setNotice('');
    const id = ++seq;
    const shown = body.trim() !== '';
    if (shown) setMsgs((m) => [...m, { id, from: 'customer', text: body, pending: true }]);
    setText('');
    setSending(true);
    try {
      const r = await api.post(brandPath(brand, 'sandbox', 'messages'), { storeId: chosen || undefined, text: body });
      const now = new Date();
      setMsgs((m) => [
        ...m.map((x) => (x.id === id ? { ...x, pending: false, at: now } : x)),
        ...(r.replies || []).map((reply) => ({ id: ++seq, from: 'bot', text: reply, at: now })),
      ]);
      setTurns((ts) => {
        const n = ts.filter((x) => !x.resumed).length + 1;
        return [...ts, {
          id: ++seq, n, text: body, at: now, before: r.stateBefore || '', after: r.stateAfter || '',
          conversation: r.conversation || null, order: r.order || null, replies: (r.replies || []).length, model: r.model || null,
        }];
      });
      refocus.current = true;
    } catch (e) {
      setMsgs((m) => m.filter((x) => x.id !== id));
      setText(body);
      setError(e);
      // A field error is read again on the field; another error keeps the focus on its banner.
      refocus.current = !!(e instanceof ApiError && e.fieldError('text'));
    } finally {
      setSending(false);
    }
  };

  const startOver = async () => {
    touched.current = true;
    setError(null);
    setNotice('');
    setResetting(true);
    try {
      await api.del(brandPath(brand, 'sandbox'));
      setMsgs([]);
      setTurns([]);
      setNotice(t('startedOver'));
    } catch (e) {
      setError(e);
    } finally {
      setResetting(false);
    }
  };

  const onKeyDown = (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      send();
    }
  };

  const busy = sending || resetting || stores.loading;
  const fieldErr = error instanceof ApiError && error.hasFields() ? error : null;
  const otherErr = error && !(fieldErr && (fieldErr.fieldError('text') || fieldErr.fieldError('storeId'))) ? error : null;

  return (
    <Page title={t('title')} subtitle={t('subtitle')}>
      <div class="chat-layout">
        <section class="phone" aria-label={t('phone')}>
          <header class="phone-bar">
            <span class="phone-avatar" aria-hidden="true">{(storeName || brand).slice(0, 1).toUpperCase()}</span>
            <span>
              <strong class="phone-name">{storeName || brand}</strong>
              <span class="phone-status">{t('phoneStatus')}</span>
            </span>
          </header>
          <div class="chat-log" role="log" aria-live="polite" aria-label={t('conversation')} tabIndex={0} ref={logRef}>
            {msgs.length === 0 ? <p class="chat-empty">{t('emptyChat')}</p> : (
              <ol>{msgs.map((m) => <Bubble key={m.id} msg={m} />)}</ol>
            )}
          </div>
          <p class="chat-typing" role="status">{sending ? t('answering') : ''}</p>
          <form class="composer" noValidate onSubmit={(e) => { e.preventDefault(); send(); }}>
            <Field label={t('message')} name="text" error={fieldErr} hint={t('messageHint')} class="composer-field">
              {(p) => (
                <textarea {...p} ref={inputRef} rows={2} value={text} disabled={busy}
                  onInput={(e) => setText(e.currentTarget.value)} onKeyDown={onKeyDown} />
              )}
            </Field>
            <button type="submit" class="btn primary" disabled={busy} aria-busy={sending ? 'true' : undefined}>{t('send')}</button>
          </form>
        </section>

        <div class="chat-side">
          <Card title={t('setup')} id="chat-setup">
            {stores.loading ? <Loading /> : stores.error ? <ErrorBanner error={stores.error} /> : (
              <>
                <Field label={t('store')} name="storeId" error={fieldErr} hint={t('storeHint')}>
                  {(p) => (
                    <select {...p} value={chosen} disabled={sending} onChange={(e) => setStoreId(e.currentTarget.value)}>
                      {storeList.map((s) => (
                        <option key={s.storeId} value={s.storeId} disabled={!s.active}>
                          {s.active ? s.storeName || s.storeId : t('inactiveStore', { name: s.storeName || s.storeId })}
                        </option>
                      ))}
                      <option value="">{t('noStore')}</option>
                    </select>
                  )}
                </Field>
                {active.length === 0 && <p class="note" role="note">{t('noActive')}</p>}
              </>
            )}
            <div class="chat-actions">
              <button type="button" class="btn secondary" disabled={sending || resetting} aria-busy={resetting ? 'true' : undefined}
                onClick={startOver}>{t('startOver')}</button>
            </div>
            <ErrorBanner error={otherErr} />
            <Success>{notice}</Success>
            <p class="muted small">{t('about')}</p>
          </Card>
          <Card title={t('turnLog')} id="chat-turns">
            {turns.length === 0 ? <p class="empty">{t('noTurns')}</p> : (
              <ol class="turns">
                {turns.slice().reverse().map((turn) => <Turn key={turn.id} brand={brand} turn={turn} />)}
              </ol>
            )}
          </Card>
        </div>
      </div>
    </Page>
  );
}

export const routes = [
  { path: '/b/:brand/chat', page: Chat, write: true },
];
