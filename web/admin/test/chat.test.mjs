// The test chat (/b/:brand/chat): an operator writes as a customer, the brand's real engine
// answers through the API's sandbox, and the page shows the replies, each turn's state change,
// cart and order.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { apiCall, apiToken, check, launch, login, openPage, startStack, USERS, VIEWPORTS } from './harness.mjs';

// amount matches money(cents) in either language: "R$70.00" (en-US) or "R$ 70,00" (pt-BR).
function amount(cents) {
  const reais = String(Math.floor(cents / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, '[.,]');
  return new RegExp(`R\\$\\s?${reais}[.,]${String(cents % 100).padStart(2, '0')}`);
}

describe('test chat', () => {
  let stack;
  let browser;
  before(async () => {
    stack = await startStack('chat');
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  // startFresh forgets the user's test customer of the brand, through the API, so a test does
  // not depend on what another test (or an earlier run) left in the sandbox.
  async function startFresh(user, brand) {
    const token = await apiToken(stack.base, user);
    const r = await apiCall(stack.base, token, 'DELETE', `/brands/${brand}/sandbox`);
    assert.equal(r.status, 204, JSON.stringify(r.body));
    return token;
  }

  async function openChat(user, brand, { viewport = VIEWPORTS.laptop, locale = 'en-US' } = {}) {
    const page = await openPage(browser, { viewport, locale });
    await login(page, stack.base, user);
    await page.getByRole('navigation').getByRole('link', { name: locale === 'pt-BR' ? 'Chat de teste' : 'Test chat', exact: true }).click();
    await page.waitForURL((u) => u.hash === `#/b/${brand}/chat`);
    return page;
  }

  // ui reads the page's parts by role and name, in en-US.
  function ui(page, lang = 'en-US') {
    const en = lang === 'en-US';
    const log = page.getByRole('log', { name: en ? 'Conversation with the bot' : 'Conversa com o robô' });
    const turns = page.getByRole('region', { name: en ? 'Turn log' : 'Registro dos turnos' });
    return {
      log,
      turns,
      input: page.getByLabel(en ? 'Message as the customer' : 'Mensagem como cliente'),
      sendButton: page.getByRole('button', { name: en ? 'Send' : 'Enviar', exact: true }),
      store: page.getByLabel(en ? 'Store' : 'Loja', { exact: true }),
      turn: (n) => turns.getByRole('listitem').filter({ has: page.getByRole('heading', { name: en ? `Turn ${n}` : `Turno ${n}`, exact: true }) }),
      bot: (text) => log.getByRole('listitem').filter({ hasText: en ? 'Bot:' : 'Robô:' }).filter({ hasText: text }),
      mine: (text) => log.getByRole('listitem').filter({ hasText: en ? 'You, as the customer:' : 'Você, como cliente:' }).filter({ hasText: text }),
    };
  }

  // say sends text as the customer with the keyboard (Enter) and waits for turn n in the log.
  async function say(page, u, n, text) {
    await u.input.fill(text);
    await u.input.press('Enter');
    await u.turn(n).waitFor();
  }

  // shot checks the page (axe, console) and saves its screenshot from the top (a full-page
  // screenshot of a scrolled page draws the sticky top bar mid-page).
  async function shot(page, name) {
    await page.evaluate(() => window.scrollTo(0, 0));
    await check(page, name);
  }

  // stateOf reads a turn's state change: [before, after, changed?].
  async function stateOf(turn) {
    const codes = await turn.locator('.turn-state code').allInnerTexts();
    const changed = (await turn.locator('.turn-state .badge').count()) > 0;
    return [...codes, changed];
  }

  test('a hungry customer chats to a placed order: replies, state changes, cart, order and its link', async () => {
    const token = await startFresh(USERS.burgerAdmin, 'demo-burger');
    // The amounts the bot must charge, from the brand's own menu and store.
    const menu = (await apiCall(stack.base, token, 'GET', '/brands/demo-burger/menu')).body;
    const price = (id) => menu.items.find((i) => i.itemId === id).priceCents;
    const store = (await apiCall(stack.base, token, 'GET', '/brands/demo-burger/stores')).body.stores.find((s) => s.storeId === 'vila-madalena');
    const subtotal = 2 * price('cheese') + price('coke');
    const total = subtotal + store.deliveryConfig.deliveryFeeCents;

    const page = await openChat(USERS.burgerAdmin, 'demo-burger');
    const u = ui(page);
    await page.getByRole('heading', { level: 1, name: 'Test chat' }).waitFor();
    await u.log.getByText(/Start as a customer would/).waitFor();
    assert.equal(await u.store.inputValue(), 'vila-madalena');
    assert.equal(await u.turns.getByText('Each message you send shows up here', { exact: false }).count(), 1);

    // Several things at once, lowercase, a typo.
    await say(page, u, 1, 'oi quero 2 cheese burguer e uma coca');
    await u.mine('oi quero 2 cheese burguer e uma coca').waitFor();
    await u.bot('Cheese Burger').first().waitFor();
    const first = u.turn(1);
    assert.deepEqual(await stateOf(first), ['(new)', 'CART', true]);
    const cartLines = await first.locator('.turn-cart li').allInnerTexts();
    assert.equal(cartLines.length, 2, cartLines.join(' | '));
    assert.match(cartLines[0], /^2× Cheese Burger/);
    assert.match(cartLines[0], amount(2 * price('cheese')));
    assert.match(cartLines[1], /^1× Coke/);
    assert.match(cartLines[1], amount(price('coke')));
    assert.match(await first.locator('.turn-subtotal').innerText(), amount(subtotal));
    // The rules read it: no model call.
    assert.match(await first.locator('[data-model]').innerText(), /AI model: not called \(the rules understood\)/);
    // A multi-line reply keeps its lines; WhatsApp's *bold* is shown bold.
    const added = u.bot('Your cart').first();
    assert.match(await added.locator('.bubble-text').innerText(), /Coke[^\n]*\n[^\n]*Subtotal/);
    assert.ok(await added.locator('strong').count() > 0, 'the *checkout* of the reply is bold');

    await say(page, u, 2, 'so isso, fecha o pedido');
    await u.bot('How would you like to get your order?').waitFor();
    assert.deepEqual(await stateOf(u.turn(2)), ['CART', 'CHECKOUT', true]);

    await say(page, u, 3, 'entrega');
    await u.bot("What's the delivery address?").waitFor();
    assert.deepEqual(await stateOf(u.turn(3)), ['CHECKOUT', 'CHECKOUT', false]);

    // The address on two lines: Shift+Enter adds a line, Enter sends.
    await u.input.click();
    await page.keyboard.type('rua harmonia 123 ap 4');
    await page.keyboard.press('Shift+Enter');
    await page.keyboard.type('vila madalena');
    assert.equal(await u.input.inputValue(), 'rua harmonia 123 ap 4\nvila madalena');
    await page.keyboard.press('Enter');
    await u.turn(4).waitFor();
    assert.equal(await u.mine('rua harmonia').locator('.bubble-text').innerText(), 'rua harmonia 123 ap 4\nvila madalena');
    await u.bot('How will you pay?').waitFor();

    await say(page, u, 5, 'cartao');
    await u.bot('Please check your order').waitFor();
    assert.match(await u.bot('Please check your order').innerText(), amount(total));

    await say(page, u, 6, 'sim');
    const placed = u.bot(/Order #\w+ is confirmed/);
    await placed.waitFor();
    const orderId = (await placed.innerText()).match(/Order #(\w+)/)[1];
    const last = u.turn(6);
    assert.deepEqual(await stateOf(last), ['CHECKOUT', 'ORDER_PLACED', true]);
    const order = last.locator('.turn-order');
    assert.match(await order.innerText(), new RegExp(`Order #${orderId} placed`));
    assert.match(await order.innerText(), amount(total));
    assert.match(await order.innerText(), /Confirmed/);
    assert.match(await order.innerText(), /test order/);
    const link = order.getByRole('link', { name: `Open order #${orderId}` });
    assert.equal(await link.getAttribute('href'), `#/b/demo-burger/orders/${orderId}`);
    // The cart was emptied by the order.
    assert.match(await last.innerText(), /Cart is empty/);
    // The input is back and focused for the next message.
    assert.ok(await u.input.isEnabled());
    assert.ok(await u.input.evaluate((el) => el === document.activeElement), 'the message box has the focus after a turn');
    await shot(page, 'chat-order-laptop');

    // The order exists, as a test order, with the amounts of the menu.
    const got = await apiCall(stack.base, token, 'GET', `/brands/demo-burger/orders/${orderId}`);
    assert.equal(got.status, 200);
    assert.equal(got.body.test, true);
    assert.equal(got.body.subtotalCents, subtotal);
    assert.equal(got.body.totalCents, total);
    assert.equal(got.body.storeId, 'vila-madalena');
    assert.deepEqual(got.body.lines.map((l) => [l.itemId, l.quantity]), [['cheese', 2], ['coke', 1]]);

    // Coming back to the page shows where the test chat stands.
    await page.reload();
    await u.log.getByText('Conversation in progress (the last messages kept)').waitFor();
    await u.bot(`Order #${orderId} is confirmed`).waitFor();
    const resumed = u.turns.getByRole('listitem').filter({ has: page.getByRole('heading', { name: 'Conversation resumed' }) });
    assert.deepEqual(await resumed.locator('.turn-state code').allInnerTexts(), ['ORDER_PLACED']);
    await shot(page, 'chat-resumed-laptop');
    // The one refusal: no live test conversation when the page first opened (fresh sandbox).
    assert.deepEqual(page.apiRefusals().filter((r) => !(r.includes('404') && r.includes('/conversation'))), []);
    await page.context().close();
  });

  test('"Start over" clears the conversation: the next message starts from the greeting (tablet)', async () => {
    await startFresh(USERS.burgerAdmin, 'demo-burger');
    const page = await openChat(USERS.burgerAdmin, 'demo-burger', { viewport: VIEWPORTS.tablet });
    const u = ui(page);
    await page.getByRole('heading', { level: 1, name: 'Test chat' }).waitFor();
    await say(page, u, 1, 'hi');
    assert.deepEqual(await stateOf(u.turn(1)), ['(new)', 'GREETING', true]);
    await say(page, u, 2, 'i want fries pls');
    assert.deepEqual(await stateOf(u.turn(2)), ['GREETING', 'CART', true]);
    assert.match(await u.turn(2).locator('.turn-cart').innerText(), /1× Fries/);
    await shot(page, 'chat-tablet');

    // With the keyboard: the button takes Enter.
    await page.getByRole('button', { name: 'Start over' }).press('Enter');
    await page.getByRole('status').filter({ hasText: 'Conversation cleared' }).waitFor();
    assert.equal(await u.log.getByRole('listitem').count(), 0);
    await u.log.getByText(/Start as a customer would/).waitFor();
    assert.equal(await u.turn(2).count(), 0);

    await say(page, u, 1, 'hi');
    const [before, afterState] = await stateOf(u.turn(1));
    assert.equal(before, '(new)', 'the conversation starts anew');
    assert.equal(afterState, 'GREETING');
    assert.match(await u.turn(1).innerText(), /Cart is empty/);
    assert.equal(await u.log.getByRole('listitem').filter({ hasText: 'Fries' }).count(), 0);
    await shot(page, 'chat-tablet-start-over');
    await page.context().close();
  });

  test('an empty message is refused by the API, its error shown next to the message box', async () => {
    await startFresh(USERS.burgerAdmin, 'demo-burger');
    const page = await openChat(USERS.burgerAdmin, 'demo-burger');
    const u = ui(page);
    await u.input.waitFor();
    await u.sendButton.click();
    const err = page.locator('.field-error[data-field="text"]');
    await err.waitFor();
    assert.match(await err.innerText(), /required/);
    assert.equal(await u.input.getAttribute('aria-invalid'), 'true');
    const describedBy = await u.input.getAttribute('aria-describedby');
    assert.ok(describedBy.split(' ').includes(await err.getAttribute('id')), 'the error describes the message box');
    assert.equal(await u.log.getByRole('listitem').count(), 0, 'nothing was added to the conversation');
    assert.equal(await u.turns.getByRole('listitem').count(), 0);
    assert.ok(page.apiRefusals().some((r) => r.includes('422') && r.includes('/sandbox/messages')), page.apiRefusals().join('\n'));
    await shot(page, 'chat-empty-message');

    // Fixing it clears the error.
    await say(page, u, 1, 'hello?');
    assert.equal(await err.count(), 0);
    assert.equal(await u.input.getAttribute('aria-invalid'), null);
    await page.context().close();
  });

  test('a brand viewer is not offered the test chat', async () => {
    const page = await openPage(browser, { locale: 'en-US' });
    await login(page, stack.base, USERS.burgerViewer);
    const nav = page.getByRole('navigation');
    await nav.getByRole('link', { name: 'Orders', exact: true }).waitFor();
    assert.equal(await nav.getByRole('link', { name: 'Test chat', exact: true }).count(), 0);
    await page.goto(`${stack.base}/admin/#/b/demo-burger/chat`);
    await page.getByRole('heading', { level: 1, name: 'Page not found' }).waitFor();
    assert.equal(await page.getByLabel('Message as the customer').count(), 0);
    await page.context().close();
  });

  test('a question the rules cannot read goes to the model: the turn shows its calls, tokens and tools', async () => {
    await startFresh(USERS.burgerAdmin, 'demo-burger');
    const page = await openChat(USERS.burgerAdmin, 'demo-burger');
    const u = ui(page);
    await page.getByRole('heading', { level: 1, name: 'Test chat' }).waitFor();
    await say(page, u, 1, 'do you guys deliver to pinheiros?');
    const line = u.turn(1).locator('[data-model="called"]');
    await line.waitFor();
    const calls = Number(await line.getAttribute('data-calls'));
    assert.ok(calls >= 1, `model calls ${calls}`);
    const text = await line.innerText();
    assert.match(text, /AI model: \d+ calls?/);
    const input = Number((text.match(/tokens: ([\d,]+) input/) || [])[1]?.replace(/,/g, ''));
    assert.ok(input > 0, `input tokens in "${text}"`);
    assert.match(text, /tools: store_info/);
    // The bot's answer is the delivery information, and nothing changed in the conversation.
    await u.bot('Delivery').first().waitFor();
    await shot(page, 'chat-model-turn');
    await page.context().close();
  });

  test('the pizzaria in pt-BR: the bot answers in Portuguese, closed or not', async () => {
    await startFresh(USERS.pizzariaAdmin, 'demo-pizzaria');
    const page = await openChat(USERS.pizzariaAdmin, 'demo-pizzaria', { locale: 'pt-BR' });
    const u = ui(page, 'pt-BR');
    await page.getByRole('heading', { level: 1, name: 'Chat de teste' }).waitFor();
    assert.equal(await u.store.inputValue(), 'centro');
    await say(page, u, 1, 'oi quero uma pizza de calabresa grande');
    await u.bot('Calabresa').first().waitFor();
    assert.match(await u.turn(1).locator('.turn-cart').innerText(), /1× Calabresa \(tamanho Grande\)/);
    assert.match(await u.turn(1).locator('[data-model]').innerText(), /modelo de IA: não chamado/);
    await say(page, u, 2, 'fecha o pedido');
    // The pizzaria takes orders in the evening only: out of its hours the bot says it is
    // closed and keeps the cart; in them it asks how to get the order.
    const closed = u.bot('está fechada agora');
    const open = u.bot('Como você quer receber seu pedido?');
    await closed.or(open).first().waitFor();
    if (await closed.count()) {
      assert.deepEqual(await stateOf(u.turn(2)), ['CART', 'CART', false]);
      assert.match(await closed.innerText(), /A loja Centro está fechada agora e abre/);
    } else {
      assert.deepEqual(await stateOf(u.turn(2)), ['CART', 'CHECKOUT', true]);
    }
    await shot(page, 'chat-pt-BR-pizzaria');
    await page.context().close();
  });
});
