// Customers and conversations: the handoff inbox (answer, resume), a customer's live page
// (history, cart, handoff, reset), LGPD export and erasure, and what a brand viewer sees.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import {
  apiCall, apiToken, check, DEMO, eventually, launch, login, openPage, outbox, sendWhatsApp, startStack, USERS, VIEWPORTS,
} from './harness.mjs';

// A customer number of this run's own: whatsapp:+55119 and 8 random digits. Each is erased
// when the tests end, so no test leaves a customer waiting in the inbox.
const customers = [];
function newCustomer() {
  const c = 'whatsapp:+55119' + String(Math.floor(Math.random() * 1e8)).padStart(8, '0');
  customers.push(c);
  return c;
}
const exact = (s) => new RegExp(s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));

describe('customers and conversations', () => {
  let stack;
  let browser;
  let base;
  let adminToken;
  before(async () => {
    stack = await startStack('conversations');
    base = stack.base;
    browser = await launch();
    adminToken = await apiToken(base, USERS.burgerAdmin);
  });
  after(async () => {
    for (const c of customers) await apiCall(base, adminToken, 'POST', `/brands/demo-burger/customers/${encodeURIComponent(c)}/erase`).catch(() => {});
    await browser?.close();
    await stack?.stop();
  });

  const state = async (customer) => {
    const r = await apiCall(base, adminToken, 'GET', `/brands/demo-burger/customers/${encodeURIComponent(customer)}/conversation`);
    return r.status === 200 ? r.body.conversation.currentState : r.status;
  };
  // say sends a customer's message and waits for the bot's n-th reply.
  const say = async (customer, text, replies) => {
    await sendWhatsApp(base, DEMO.burger, customer, text);
    if (replies) await eventually(async () => (await outbox(base, customer)).length >= replies, 15_000, `${replies} replies to ${text}`);
  };
  const go = (page, path) => page.goto(`${base}/admin/#/b/demo-burger${path}`);

  test('the handoff inbox shows a customer who asks for a person, live; the operator answers and resumes the bot', async () => {
    const customer = newCustomer();
    await say(customer, 'oi', 1);
    const page = await openPage(browser);
    await login(page, base, USERS.burgerAdmin);
    await go(page, '/inbox');
    await page.getByRole('heading', { level: 1, name: 'Atendimento humano' }).waitFor();
    await page.getByText(/conversa\(s\) com atendente/).waitFor();

    // The customer asks for a person as people write it; the open inbox shows them.
    await say(customer, 'quero falar com um atendente', 2);
    const item = page.getByRole('list', { name: 'Conversas com atendente' }).getByRole('listitem')
      .filter({ has: page.getByRole('heading', { name: exact(customer) }) });
    await item.waitFor({ timeout: 15_000 });
    await item.getByText('quero falar com um atendente').waitFor();
    await item.getByText('Esperando desde').waitFor();
    await check(page, 'customers-inbox-laptop');
    await page.setViewportSize(VIEWPORTS.tablet);
    await check(page, 'customers-inbox-tablet');
    await page.setViewportSize(VIEWPORTS.laptop);

    // An answer from the inbox reaches the customer on WhatsApp.
    const answer = `Olá! Aqui é a Ana, da loja. Em que posso ajudar? #${customer.slice(-4)}`;
    await item.getByRole('textbox', { name: 'Resposta ao cliente' }).fill(answer);
    await item.getByRole('button', { name: 'Enviar mensagem' }).click();
    await item.getByRole('status').filter({ hasText: 'Mensagem enviada.' }).waitFor();
    await eventually(async () => (await outbox(base, customer)).some((m) => m.body === answer), 15_000, 'the answer in the outbox');
    await item.getByRole('listitem').filter({ hasText: answer }).getByText('Atendente').waitFor();
    assert.equal(await item.getByRole('textbox', { name: 'Resposta ao cliente' }).inputValue(), '');

    // Resume: it leaves the inbox, and the bot answers the customer again.
    await item.getByRole('button', { name: 'Devolver ao bot' }).click();
    await item.waitFor({ state: 'detached' });
    assert.notEqual(await state(customer), 'HANDOFF');
    const before = (await outbox(base, customer)).length;
    await say(customer, 'cardápio', before + 1);
    const replies = await outbox(base, customer);
    assert.ok(replies.length > before && replies.at(-1).body !== answer, 'the bot replied after resume');
    assert.equal(await page.getByRole('heading', { name: exact(customer) }).count(), 0);
    assert.deepEqual(page.consoleErrors(), []);
    await page.context().close();
  });

  test('the customers list links to a customer page that refreshes live; handoff, operator message and reset change its state', async () => {
    const customer = newCustomer();
    await say(customer, 'oi', 1);
    await say(customer, 'i want 2 cheese burgers', 2);
    const page = await openPage(browser);
    await login(page, base, USERS.burgerAdmin);
    await page.getByRole('navigation').getByRole('link', { name: 'Clientes e conversas' }).click();
    await page.getByRole('heading', { level: 1, name: 'Clientes e conversas' }).waitFor();
    const live = page.locator('#live-conversations');
    const row = live.getByRole('row').filter({ has: page.getByRole('link', { name: customer, exact: true }) });
    await row.waitFor();
    await row.getByText('Carrinho').waitFor();
    await row.getByText(/70,00/).waitFor();
    await page.locator('#customer-list').getByRole('table').waitFor();
    await check(page, 'customers-list-laptop');

    await row.getByRole('link', { name: customer }).click();
    await page.getByRole('heading', { level: 1, name: 'Cliente Teste' }).waitFor();
    const conv = page.locator('#conversation');
    await conv.locator('[data-state="CART"]').waitFor();
    assert.match(await page.getByTestId('cart-total').innerText(), /70,00/);
    const transcript = page.getByRole('list', { name: 'Mensagens da conversa' });
    await transcript.getByText('i want 2 cheese burgers').waitFor();

    // A new message from the customer appears without reloading.
    await say(customer, 'tem batata frita?');
    await transcript.getByText('tem batata frita?').waitFor({ timeout: 10_000 });
    await check(page, 'customers-customer-laptop');
    await page.setViewportSize(VIEWPORTS.tablet);
    await check(page, 'customers-customer-tablet');
    await page.setViewportSize(VIEWPORTS.laptop);

    // Hand off: the badge says a person has it; the operator writes; resume; reset.
    await conv.getByRole('button', { name: 'Passar para um atendente' }).click();
    await conv.locator('[data-state="HANDOFF"]').getByText('Com atendente').waitFor();
    // An empty message: the API's message next to the box. Outside WhatsApp's 24-hour window
    // the API answers 409 (TestOperatorMessageRefusalsAreConflicts in shared/admin makes it
    // happen; a conversation a day old cannot be made from here, so the page's handling of
    // that answer is checked with the API's response replayed once): the banner shows the
    // API's reason and WhatsApp's rule.
    await conv.getByRole('button', { name: 'Enviar mensagem' }).click();
    await conv.locator('.field-error[data-field="body"]').waitFor();
    assert.equal(await conv.getByLabel('Mensagem para o cliente').getAttribute('aria-invalid'), 'true');
    await page.route('**/conversation/messages', (route) => route.fulfill({
      status: 409, contentType: 'application/problem+json',
      body: JSON.stringify({ type: 'https://wabot.dev/problems/conflict', title: 'Conflict', status: 409,
        detail: "the customer's last message is more than 24 hours old: WhatsApp allows only an approved template until they write again", requestId: 'replayed' }),
    }), { times: 1 });
    await conv.getByLabel('Mensagem para o cliente').fill('Ainda está aí?');
    await conv.getByRole('button', { name: 'Enviar mensagem' }).click();
    const refused = conv.getByRole('alert').filter({ hasText: 'Mensagem não enviada' });
    await refused.filter({ hasText: 'more than 24 hours old' }).filter({ hasText: 'O WhatsApp só permite mensagens livres' }).waitFor();
    const note = `Vou verificar para você #${customer.slice(-4)}`;
    await conv.getByLabel('Mensagem para o cliente').fill(note);
    await conv.getByRole('button', { name: 'Enviar mensagem' }).click();
    await transcript.getByRole('listitem').filter({ hasText: note }).getByText('Atendente').waitFor();
    await eventually(async () => (await outbox(base, customer)).some((m) => m.body === note), 15_000, 'the operator message sent');
    await conv.getByRole('button', { name: 'Devolver ao bot' }).click();
    await conv.locator('[data-state="CART"]').waitFor();
    await conv.getByRole('button', { name: 'Reiniciar a conversa' }).click();
    await conv.getByRole('button', { name: 'Confirmar' }).click();
    await conv.locator('[data-state="none"]').getByText('Sem conversa ativa').waitFor();
    await conv.getByText('Este cliente não tem conversa ativa').waitFor();
    assert.equal(await state(customer), 404);
    // The record stays: the store is still chosen.
    await page.locator('#mapping').getByText('Vila Madalena').first().waitFor();
    assert.deepEqual(page.consoleErrors(), []);
    await page.context().close();
  });

  test('a brand admin moves a customer to another store', async () => {
    const customer = newCustomer();
    const pizzaToken = await apiToken(base, USERS.pizzariaAdmin);
    // Two stores: the customer chooses the first, which makes their record.
    await sendWhatsApp(base, DEMO.pizzaria, customer, 'oi');
    await eventually(async () => (await outbox(base, customer)).length >= 1, 15_000, 'the store list');
    await sendWhatsApp(base, DEMO.pizzaria, customer, '1');
    const path = `/brands/demo-pizzaria/customers/${encodeURIComponent(customer)}`;
    await eventually(async () => (await apiCall(base, pizzaToken, 'GET', path)).status === 200, 15_000, 'the mapping');
    const from = (await apiCall(base, pizzaToken, 'GET', path)).body.storeId;
    const to = from === 'paulista' ? 'centro' : 'paulista';
    const page = await openPage(browser);
    await login(page, base, USERS.pizzariaAdmin);
    await page.goto(`${base}/admin/#/b/demo-pizzaria/customers/${encodeURIComponent(customer)}`);
    const mapping = page.locator('#mapping');
    await mapping.getByLabel('Mover para a loja').selectOption(to);
    await mapping.getByRole('button', { name: 'Mover' }).click();
    await mapping.getByRole('status').filter({ hasText: 'Cliente movido para' }).waitFor();
    await eventually(async () => (await apiCall(base, pizzaToken, 'GET', path)).body.storeId === to, 5_000, 'moved');
    // The record shows the new store (refreshed), and moving there again is not offered.
    await mapping.locator('dd').filter({ hasText: to === 'paulista' ? 'Paulista' : 'Centro' }).waitFor();
    assert.ok(await mapping.getByRole('button', { name: 'Mover' }).isDisabled(), 'already in that store');
    await apiCall(base, pizzaToken, 'POST', `${path}/erase`);
    assert.deepEqual(page.consoleErrors(), []);
    await page.context().close();
  });

  test('LGPD: a customer\'s data is exported (summary and JSON download) and erased (report); the customer is then gone', async () => {
    const customer = newCustomer();
    await say(customer, 'oi', 1);
    const page = await openPage(browser);
    await login(page, base, USERS.burgerAdmin);
    await page.getByRole('navigation').getByRole('link', { name: 'LGPD' }).click();
    await page.getByRole('heading', { level: 1, name: 'LGPD: dados de um cliente' }).waitFor();
    await check(page, 'customers-privacy-before');

    // A number the API refuses: its message next to the field.
    const input = page.getByLabel('Número do WhatsApp do cliente');
    await input.fill('11 9999');
    await page.getByRole('button', { name: 'Exportar dados' }).click();
    await page.locator('.field-error[data-field="phone"]').filter({ hasText: 'must be a WhatsApp number' }).waitFor();
    assert.equal(await input.getAttribute('aria-invalid'), 'true');

    await input.fill(customer);
    await page.getByRole('button', { name: 'Exportar dados' }).click();
    const summary = page.getByTestId('export-summary');
    await summary.waitFor();
    assert.equal(await input.getAttribute('aria-invalid'), null);
    await page.locator('#export-result').getByText(`Dados de ${customer}`).waitFor();
    await summary.getByText('Vila Madalena').waitFor();
    await summary.getByText(/Boas-vindas|Vendo o cardápio/).waitFor();
    const link = page.getByRole('link', { name: /Baixar o JSON/ });
    assert.match(await link.getAttribute('download'), /\.json$/);
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    const json = JSON.parse(await readFile(await download.path(), 'utf8'));
    assert.equal(json.phoneNumber, customer);
    assert.equal(json.mapping.storeId, 'vila-madalena');
    assert.ok(json.conversation.messageHistory.some((m) => m.body === 'oi'));

    await page.getByRole('button', { name: 'Apagar dados' }).click();
    await page.getByRole('button', { name: 'Confirmar' }).click();
    const report = page.getByTestId('erasure-report');
    await report.waitFor();
    await page.getByText(`Dados de ${customer} apagados.`).waitFor();
    assert.match(await report.innerText(), /Cadastros apagados\s*1/);
    assert.match(await report.innerText(), /Conversas apagadas\s*1/);
    await check(page, 'customers-privacy-after');

    await page.locator('#erase-result').getByRole('link', { name: 'Abrir cliente' }).click();
    await page.getByRole('heading', { level: 1, name: 'Cliente não encontrado' }).waitFor();
    await page.getByTestId('customer-not-found').waitFor();
    assert.deepEqual(page.consoleErrors(), []);
    await page.context().close();
  });

  test('a brand viewer reads customers, conversations and the inbox, with no action and no LGPD (en-US)', async () => {
    const customer = newCustomer();
    await say(customer, 'hi', 1);
    await say(customer, 'can i talk to a human', 2);
    await eventually(async () => (await state(customer)) === 'HANDOFF', 10_000, 'handoff');
    const page = await openPage(browser, { locale: 'en-US' });
    await login(page, base, USERS.burgerViewer);
    const nav = page.getByRole('navigation');
    assert.equal(await nav.getByRole('link', { name: 'LGPD' }).count(), 0);

    await nav.getByRole('link', { name: 'Customers and conversations' }).click();
    await page.getByRole('heading', { level: 1, name: 'Customers and conversations' }).waitFor();
    const row = page.locator('#live-conversations').getByRole('row').filter({ has: page.getByRole('link', { name: customer, exact: true }) });
    await row.getByText('With a person').waitFor();
    await row.getByRole('link', { name: 'Answer in the handoff inbox' }).waitFor();
    await check(page, 'customers-list-en-US');

    await row.getByRole('link', { name: customer }).click();
    await page.getByRole('heading', { level: 1, name: 'Cliente Teste' }).waitFor();
    await page.getByRole('list', { name: 'Messages of the conversation' }).getByText('can i talk to a human').waitFor();
    await page.locator('#conversation [data-state="HANDOFF"]').getByText('With a person').waitFor();
    await page.getByRole('note').filter({ hasText: 'Read only' }).waitFor();
    assert.equal(await page.locator('main').getByRole('button').count(), 0, 'no action on the customer page');
    assert.equal(await page.getByRole('textbox').count(), 0);
    await check(page, 'customers-customer-viewer-en-US');

    await nav.getByRole('link', { name: 'Handoff inbox' }).click();
    const item = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: exact(customer) }) });
    await item.waitFor();
    assert.equal(await item.getByRole('button').count(), 0, 'no resume or send in the inbox');
    assert.equal(await item.getByRole('textbox').count(), 0);

    await go(page, '/privacy');
    await page.getByRole('heading', { level: 1, name: 'Page not found' }).waitFor();
    assert.deepEqual(page.consoleErrors(), []);
    await page.context().close();
  });
});
