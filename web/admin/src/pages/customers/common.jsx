// What the customers pages share: their messages (pt-BR, en-US), the conversation's state
// badge, the cart and the chat transcript, and the API paths of a customer.
import { useEffect, useRef } from 'preact/hooks';
import { api, ApiError, brandPath } from '../../lib/api.js';
import { dateTime, messages, money } from '../../lib/i18n.js';
import { Badge } from '../../lib/ui.jsx';

export const t = messages({
  'pt-BR': {
    title: 'Clientes e conversas', customer: 'Cliente', customers: 'Clientes', phone: 'WhatsApp', name: 'Nome', language: 'Idioma',
    lastActivity: 'Última atividade', optOut: 'Descadastrado', optedOut: 'Descadastrado', notOptedOut: 'Recebe mensagens',
    open: 'Abrir', noCustomers: 'Nenhum cliente ainda.', customersList: 'Lista de clientes da marca',
    findTitle: 'Encontrar um cliente', findLabel: 'Número do WhatsApp do cliente', phoneHint: 'No formato whatsapp:+5511987654321 ou +5511987654321',
    find: 'Abrir cliente', phoneRequired: 'Informe o número do WhatsApp.',
    liveTitle: 'Conversas ao vivo', liveList: 'Conversas ao vivo das lojas', liveHint: 'Atualizada a cada poucos segundos.',
    noLive: 'Nenhuma conversa ativa nas últimas 24 horas.', storeFilter: 'Loja', state: 'Estado', cartTotal: 'Carrinho',
    lastMessage: 'Última mensagem do cliente', handoff: 'Atendimento humano', inInbox: 'Responder no atendimento humano', withPerson: 'Com atendente', truncated: 'Lista cortada em 500 conversas.',
    page: 'Página {n}', refreshFailed: 'A atualização automática falhou; tentando de novo.',
    // states
    'state.GREETING': 'Boas-vindas', 'state.STORE_SELECTION': 'Escolhendo a loja', 'state.MENU_BROWSING': 'Vendo o cardápio',
    'state.ITEM_SELECTION': 'Escolhendo item', 'state.CART': 'Carrinho', 'state.CHECKOUT': 'Finalizando',
    'state.AWAITING_PAYMENT': 'Aguardando pagamento', 'state.ORDER_PLACED': 'Pedido feito', 'state.HANDOFF': 'Com atendente',
    'state.none': 'Sem conversa ativa',
    // customer page
    mapping: 'Cadastro do cliente', store: 'Loja', noStore: 'Nenhuma loja escolhida', createdAt: 'Cliente desde',
    noMapping: 'Este número não tem cadastro na marca (nenhuma loja escolhida).', notFound: 'Cliente não encontrado',
    notFoundText: 'Não há cadastro nem conversa deste número na marca. Os dados podem ter sido apagados.', backToList: 'Voltar para os clientes',
    moveTo: 'Mover para a loja', move: 'Mover', moved: 'Cliente movido para {store}.',
    deleteMapping: 'Esquecer o cadastro', deleteMappingQ: 'Esquecer a loja escolhida e o descadastro deste cliente?',
    deleteMappingHint: 'Apaga a loja escolhida e o descadastro; na próxima mensagem o cliente escolhe a loja de novo.', mappingDeleted: 'Cadastro esquecido.',
    conversation: 'Conversa', noConversation: 'Este cliente não tem conversa ativa (nas últimas 24 horas).',
    cart: 'Carrinho', cartEmpty: 'Carrinho vazio.', item: 'Item', qty: 'Qtd.', unit: 'Preço unitário', lineTotal: 'Total', cartCaption: 'Itens do carrinho',
    history: 'Histórico', historyEmpty: 'Sem mensagens.', historyLabel: 'Mensagens da conversa',
    dirIn: 'Cliente', dirOut: 'Bot', dirOperator: 'Atendente', liveNote: 'A conversa se atualiza sozinha a cada 3 segundos.',
    handOff: 'Passar para um atendente', handedOff: 'Conversa passada para um atendente: o bot fica em silêncio.',
    resume: 'Devolver ao bot', resumed: 'O bot voltou a responder.',
    reset: 'Reiniciar a conversa', resetQ: 'Apagar o estado, o carrinho e o histórico desta conversa?', wasReset: 'Conversa reiniciada.',
    message: 'Mensagem para o cliente', send: 'Enviar mensagem', sent: 'Mensagem enviada.',
    windowOpen: 'Janela de 24 horas do WhatsApp aberta até {time}.', windowClosed: 'A janela de 24 horas do WhatsApp fechou em {time}: mensagens livres serão recusadas.',
    notSent: 'Mensagem não enviada',
    windowDetail: 'O WhatsApp só permite mensagens livres até 24 horas após a última mensagem do cliente, e nunca para quem se descadastrou.',
    cannotSendTitle: 'Mensagem não enviada', cannotSendDetail: 'A conversa terminou ou o cliente se descadastrou.',
    optedOutNote: 'Este cliente se descadastrou: não é possível enviar mensagens a ele.',
    lgpdLink: 'Exportar ou apagar os dados (LGPD)', actionsTitle: 'Ações do atendente',
    // inbox
    inboxTitle: 'Atendimento humano', inboxSubtitle: 'Conversas passadas para uma pessoa em todas as lojas, as mais recentes primeiro.',
    inboxEmpty: 'Ninguém esperando por um atendente agora.', waitingSince: 'Esperando desde', answeredAt: 'Respondido em',
    lastMessages: 'Últimas mensagens', answer: 'Resposta ao cliente', resumeBot: 'Devolver ao bot', openCustomer: 'Abrir cliente',
    inboxCount: '{n} conversa(s) com atendente', inboxList: 'Conversas com atendente',
    // privacy
    privacyTitle: 'LGPD: dados de um cliente', privacySubtitle: 'Exporte tudo o que a marca guarda de um número ou apague esses dados.',
    request: 'Pedido do titular', exportData: 'Exportar dados', eraseData: 'Apagar dados',
    eraseQ: 'Apagar todos os dados deste número? Os pedidos ficam com o número substituído por um pseudônimo. Não dá para desfazer.',
    exportTitle: 'Exportação', exportOf: 'Dados de {phone}, gerados em {time}.', download: 'Baixar o JSON ({name})',
    exportMapping: 'Cadastro', exportConversation: 'Conversa ativa', exportOrders: 'Pedidos', exportRecords: 'Registros de mensagens (idempotência)',
    conversationSummary: '{state}, {n} mensagem(ns)', none: 'Nenhum', notIncluded: 'O que não está na exportação e por quê',
    eraseTitle: 'Relatório de exclusão', erased: 'Dados de {phone} apagados.', erMappings: 'Cadastros apagados', erConversations: 'Conversas apagadas',
    erRecords: 'Registros de mensagens apagados', erOrders: 'Pedidos pseudonimizados', eraseHint: 'Pedidos são registros fiscais: ficam guardados, sem o número, o nome e o endereço.',
  },
  'en-US': {
    title: 'Customers and conversations', customer: 'Customer', customers: 'Customers', phone: 'WhatsApp', name: 'Name', language: 'Language',
    lastActivity: 'Last activity', optOut: 'Opted out', optedOut: 'Opted out', notOptedOut: 'Receives messages',
    open: 'Open', noCustomers: 'No customers yet.', customersList: 'The brand’s customers',
    findTitle: 'Find a customer', findLabel: 'Customer’s WhatsApp number', phoneHint: 'As whatsapp:+5511987654321 or +5511987654321',
    find: 'Open customer', phoneRequired: 'Enter the WhatsApp number.',
    liveTitle: 'Live conversations', liveList: 'The stores’ live conversations', liveHint: 'Refreshed every few seconds.',
    noLive: 'No conversation in the last 24 hours.', storeFilter: 'Store', state: 'State', cartTotal: 'Cart',
    lastMessage: 'Customer’s last message', handoff: 'Handoff', inInbox: 'Answer in the handoff inbox', withPerson: 'With a person', truncated: 'List cut at 500 conversations.',
    page: 'Page {n}', refreshFailed: 'Live refresh failed; trying again.',
    'state.GREETING': 'Greeting', 'state.STORE_SELECTION': 'Choosing a store', 'state.MENU_BROWSING': 'Browsing the menu',
    'state.ITEM_SELECTION': 'Choosing an item', 'state.CART': 'Cart', 'state.CHECKOUT': 'Checking out',
    'state.AWAITING_PAYMENT': 'Awaiting payment', 'state.ORDER_PLACED': 'Order placed', 'state.HANDOFF': 'With a person',
    'state.none': 'No live conversation',
    mapping: 'Customer record', store: 'Store', noStore: 'No store chosen', createdAt: 'Customer since',
    noMapping: 'This number has no record with the brand (no store chosen).', notFound: 'Customer not found',
    notFoundText: 'The brand holds no record or conversation of this number. The data may have been erased.', backToList: 'Back to customers',
    moveTo: 'Move to store', move: 'Move', moved: 'Customer moved to {store}.',
    deleteMapping: 'Forget the record', deleteMappingQ: 'Forget this customer’s chosen store and opt-out?',
    deleteMappingHint: 'Deletes the chosen store and the opt-out; on their next message the customer chooses a store again.', mappingDeleted: 'Record forgotten.',
    conversation: 'Conversation', noConversation: 'This customer has no live conversation (in the last 24 hours).',
    cart: 'Cart', cartEmpty: 'The cart is empty.', item: 'Item', qty: 'Qty', unit: 'Unit price', lineTotal: 'Total', cartCaption: 'Items in the cart',
    history: 'History', historyEmpty: 'No messages.', historyLabel: 'Messages of the conversation',
    dirIn: 'Customer', dirOut: 'Bot', dirOperator: 'Operator', liveNote: 'The conversation refreshes itself every 3 seconds.',
    handOff: 'Hand off to a person', handedOff: 'Conversation handed to a person: the bot stays quiet.',
    resume: 'Resume the bot', resumed: 'The bot answers again.',
    reset: 'Reset the conversation', resetQ: 'Delete this conversation’s state, cart and history?', wasReset: 'Conversation reset.',
    message: 'Message to the customer', send: 'Send message', sent: 'Message sent.',
    windowOpen: 'WhatsApp’s 24-hour window is open until {time}.', windowClosed: 'WhatsApp’s 24-hour window closed at {time}: free messages will be refused.',
    notSent: 'Message not sent',
    windowDetail: 'WhatsApp allows free messages only within 24 hours of the customer’s last message, and never to a customer who opted out.',
    cannotSendTitle: 'Message not sent', cannotSendDetail: 'The conversation ended or the customer opted out.',
    optedOutNote: 'This customer opted out: no message can be sent to them.',
    lgpdLink: 'Export or erase the data (LGPD)', actionsTitle: 'Operator actions',
    inboxTitle: 'Handoff inbox', inboxSubtitle: 'Conversations handed to a person across the stores, newest first.',
    inboxEmpty: 'No one is waiting for a person right now.', waitingSince: 'Waiting since', answeredAt: 'Answered at',
    lastMessages: 'Last messages', answer: 'Answer to the customer', resumeBot: 'Resume bot', openCustomer: 'Open customer',
    inboxCount: '{n} conversation(s) with a person', inboxList: 'Conversations with a person',
    privacyTitle: 'LGPD: a customer’s data', privacySubtitle: 'Export everything the brand holds about a number, or erase it.',
    request: 'Data subject request', exportData: 'Export data', eraseData: 'Erase data',
    eraseQ: 'Erase all data about this number? Orders are kept with the number replaced by a pseudonym. This cannot be undone.',
    exportTitle: 'Export', exportOf: 'Data of {phone}, generated at {time}.', download: 'Download the JSON ({name})',
    exportMapping: 'Record', exportConversation: 'Live conversation', exportOrders: 'Orders', exportRecords: 'Message records (idempotency)',
    conversationSummary: '{state}, {n} message(s)', none: 'None', notIncluded: 'What the export leaves out, and why',
    eraseTitle: 'Erasure report', erased: 'Data of {phone} erased.', erMappings: 'Records deleted', erConversations: 'Conversations deleted',
    erRecords: 'Message records deleted', erOrders: 'Orders pseudonymised', eraseHint: 'Orders are fiscal records: they are kept, without the number, name and address.',
  },
});

export const LANGUAGE_NAMES = { 'pt-BR': 'Português (BR)', 'en-US': 'English (US)' };

// HANDOFF is the state of a conversation a person handles (domain.StateHandoff).
export const HANDOFF = 'HANDOFF';
// OPERATOR_SID marks a person's message in the history (conversation.OperatorMessageSid).
export const OPERATOR_SID = 'operator';
// WINDOW_MS is WhatsApp's customer-service window.
export const WINDOW_MS = 24 * 60 * 60 * 1000;

export function customerPath(brand, phone, ...rest) {
  return brandPath(brand, 'customers', phone, ...rest);
}

export function customerHref(brand, phone) {
  return `#/b/${encodeURIComponent(brand)}/customers/${encodeURIComponent(phone)}`;
}

// notFoundAsNull reads path, with a 404 meaning "none" (null).
export async function notFoundAsNull(path) {
  try {
    return await api.get(path);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return null;
    throw e;
  }
}

// loadStores reads the brand's stores.
export async function loadStores(brand) {
  return (await api.get(brandPath(brand, 'stores'))).stores || [];
}

// loadLive reads every store's live conversations: { list (latest first), truncated }.
export async function loadLive(brand, stores) {
  const lists = await Promise.all(stores.map((s) => api.get(brandPath(brand, 'stores', s.storeId, 'conversations'))));
  const list = lists.flatMap((l) => l.conversations || []);
  list.sort((a, b) => (b.lastMessageTimestamp || 0) - (a.lastMessageTimestamp || 0));
  return { list, truncated: lists.some((l) => l.truncated) };
}

export function msTime(ms) {
  return ms ? dateTime(new Date(ms).toISOString()) : '';
}

export function storeName(stores, id) {
  if (!id) return '';
  const s = (stores || []).find((x) => x.storeId === id);
  return s ? s.storeName || s.storeId : id;
}

const TONES = { HANDOFF: 'warn', ORDER_PLACED: 'ok', AWAITING_PAYMENT: 'info', CHECKOUT: 'info', CART: 'info' };

// StateBadge shows a conversation's state (none: no live conversation); labelled says
// "State:" to screen readers where no column header does.
export function StateBadge({ state, labelled }) {
  const key = state ? `state.${state}` : 'state.none';
  const label = t(key);
  return (
    <span data-state={state || 'none'}>
      {labelled && <span class="sr-only">{t('state')}: </span>}
      <Badge tone={TONES[state] || 'neutral'}>{label === key ? state : label}</Badge>
    </span>
  );
}

export function cartTotal(cart) {
  return (cart || []).reduce((sum, l) => sum + (l.quantity || 0) * (l.unitPriceCents || 0), 0);
}

export function CartTable({ cart }) {
  if (!cart || cart.length === 0) return <p class="muted">{t('cartEmpty')}</p>;
  const describe = (l) => [l.sizeName, ...(l.options || []).map((o) => o.name)].filter(Boolean).join(', ');
  return (
    <div class="table-wrap">
      <table class="cart">
        <caption class="sr-only">{t('cartCaption')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('item')}</th>
            <th scope="col" class="num">{t('qty')}</th>
            <th scope="col" class="num">{t('unit')}</th>
            <th scope="col" class="num">{t('lineTotal')}</th>
          </tr>
        </thead>
        <tbody>
          {cart.map((l, i) => (
            <tr key={i}>
              <td>
                {l.name}
                {describe(l) && <span class="muted small"> ({describe(l)})</span>}
                {l.notes && <div class="muted small">{l.notes}</div>}
              </td>
              <td class="num">{l.quantity}</td>
              <td class="num">{money(l.unitPriceCents)}</td>
              <td class="num">{money(l.quantity * l.unitPriceCents)}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row" colSpan={3}>{t('total')}</th>
            <td class="num" data-testid="cart-total"><strong>{money(cartTotal(cart))}</strong></td>
          </tr>
        </tfoot>
      </table>
    </div>
  );
}

// Transcript shows messages as a chat: the customer's on the left, the bot's and the
// operator's on the right, each with who wrote it and when.
export function Transcript({ history, label }) {
  const ref = useRef(null);
  const last = history?.length ? `${history.length}|${history[history.length - 1].at}` : '';
  // Keep the latest message in view as messages arrive (a chat scrolls to its end).
  useEffect(() => {
    if (ref.current) ref.current.scrollTop = ref.current.scrollHeight;
  }, [last]);
  if (!history || history.length === 0) return <p class="muted">{t('historyEmpty')}</p>;
  return (
    <ol class="chat" aria-label={label || t('historyLabel')} tabIndex={0} ref={ref}>
      {history.map((m, i) => {
        const who = m.direction === 'in' ? 'in' : m.messageSid === OPERATOR_SID ? 'operator' : 'out';
        return (
          <li key={`${m.at}-${i}`} class={`msg ${who}`} data-direction={m.direction}>
            <p class="msg-meta">
              <span class="msg-who">{t(who === 'in' ? 'dirIn' : who === 'operator' ? 'dirOperator' : 'dirOut')}</span>
              {' · '}
              <time dateTime={m.at}>{dateTime(m.at)}</time>
            </p>
            <p class="msg-body">{m.body}</p>
          </li>
        );
      })}
    </ol>
  );
}

// sendProblem is what the banner shows when an operator message was refused: WhatsApp's rules
// (409: the 24-hour window, an opt-out) with the API's reason and what the rules are; a
// conversation gone (404) in plain words; a field error (422) stays the API's, shown next to
// the message box.
export function sendProblem(error) {
  if (!error) return null;
  if (error.status === 409) return { title: t('notSent'), detail: `${error.detail} — ${t('windowDetail')}`, requestId: error.requestId };
  if (error.status === 404) return { title: t('cannotSendTitle'), detail: t('cannotSendDetail'), requestId: error.requestId };
  return error;
}

