// Orders (list, order page, cancellation, queues), metrics with charts, the audit log and the
// platform page, after real activity: a customer orders on WhatsApp, an operator places a test
// order in the test chat.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  apiCall, apiToken, check, DEMO, eventually, launch, login, openPage, outbox, sendWhatsApp, startStack, USERS, VIEWPORTS,
} from './harness.mjs';

const BRAND = 'demo-burger';
const STORE = 'vila-madalena';

// today in São Paulo (the metrics' day), YYYY-MM-DD
function spToday() {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Sao_Paulo', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
}

// what lib/i18n.js's day() shows for a YYYY-MM-DD in a locale
function shortDay(iso, locale) {
  const [y, m, d] = iso.split('-').map(Number);
  return new Intl.DateTimeFormat(locale, { day: '2-digit', month: '2-digit', timeZone: 'UTC' }).format(Date.UTC(y, m - 1, d));
}

// The customer's conversation, as people type it (testdata/golden/burger-standin-en-us.txt).
const CONVERSATION = ['hey there', '2 cheese burgers and a coke', 'checkout', 'pickup', 'debit card', 'yes'];

describe('orders, metrics, audit and platform pages', () => {
  let stack;
  let browser;
  let token;
  let customer;
  let orderId; // the WhatsApp customer's order (reaches the store's POS)
  let testOrderId; // the test chat's order
  const reason = `Cliente desistiu por telefone ${Math.random().toString(36).slice(2, 8)}`;

  before(async () => {
    stack = await startStack('orders-metrics');
    browser = await launch();
    token = await apiToken(stack.base, USERS.burgerAdmin);

    // A real customer writes on WhatsApp and orders: the metrics' counters move.
    customer = 'whatsapp:+55119' + String(Math.floor(Math.random() * 1e8)).padStart(8, '0');
    let seen = 0;
    for (const text of CONVERSATION) {
      await sendWhatsApp(stack.base, DEMO.burger, customer, text);
      const replies = await eventually(async () => {
        const o = await outbox(stack.base, customer);
        return o.length > seen ? o : null;
      }, 20_000, `a reply to "${text}"`);
      seen = replies.length;
    }
    const confirmation = await eventually(async () => (await outbox(stack.base, customer)).map((m) => m.body).find((b) => /Order #\w+/.test(b)), 10_000, 'the order confirmation');
    orderId = confirmation.match(/Order #(\w+)/)[1];

    // The operator's test chat places a test order (kept apart, tests=true).
    assert.equal((await apiCall(stack.base, token, 'DELETE', `/brands/${BRAND}/sandbox`)).status, 204);
    let last;
    for (const text of ['hi', '1 cheese burger and 2 cokes', 'checkout', 'pickup', 'credit card', 'yes']) {
      last = await apiCall(stack.base, token, 'POST', `/brands/${BRAND}/sandbox/messages`, { storeId: STORE, text });
      assert.equal(last.status, 200, JSON.stringify(last.body));
    }
    assert.ok(last.body.order, `the test chat placed an order: ${JSON.stringify(last.body.replies)}`);
    testOrderId = last.body.order.orderId;
    assert.equal(last.body.order.test, true);
  });

  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  test('the orders page lists orders by status and test switch, the order page shows it, and cancelling records the reason', async () => {
    const page = await openPage(browser, { viewport: VIEWPORTS.laptop });
    await login(page, stack.base, USERS.burgerAdmin);
    await page.getByRole('navigation').getByRole('link', { name: 'Pedidos', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Pedidos' }).waitFor();
    const list = page.locator('#orders');
    const row = (id) => list.getByRole('row').filter({ has: page.getByRole('link', { name: `#${id}`, exact: true }) });

    // All statuses, without test orders: the customer's order is there, the test one is not.
    assert.equal(await page.getByLabel('Loja', { exact: true }).inputValue(), STORE);
    await row(orderId).waitFor();
    assert.match(await row(orderId).innerText(), /2× Cheese Burger, 1× Coke/);
    assert.match(await row(orderId).innerText(), /R\$\s78,00/);
    assert.match(await row(orderId).innerText(), /Cartão de débito/);
    assert.match(await row(orderId).innerText(), /Enviado ao PDV/);
    assert.match(await row(orderId).innerText(), /Cliente Teste/);
    assert.equal(await row(testOrderId).count(), 0, 'test orders are hidden by default');

    // Its status filter: under SENT_TO_POS, not under CONFIRMED.
    await page.getByLabel('Status', { exact: true }).selectOption('SENT_TO_POS');
    await row(orderId).waitFor();
    await page.getByLabel('Status', { exact: true }).selectOption('CONFIRMED');
    await list.getByRole('link', { name: `#${orderId}` }).waitFor({ state: 'detached' });
    // The test switch shows the test order (confirmed, marked test).
    await page.getByRole('switch', { name: 'Incluir pedidos de teste (chat de teste)' }).check();
    await row(testOrderId).waitFor();
    assert.match(await row(testOrderId).innerText(), /Teste/);
    assert.match(await row(testOrderId).innerText(), /1× Cheese Burger, 2× Coke/);
    assert.equal(await row(orderId).count(), 0);

    // The queues card: the store's POS queue and its dead-letter queue.
    const queues = page.locator('#queues');
    await queues.getByRole('cell', { name: 'Vila Madalena' }).waitFor();
    assert.match(await queues.innerText(), /aguardando/);
    assert.match(await queues.innerText(), /Vazia|na DLQ/);
    await check(page, 'orders-list-laptop');

    // The order page: items, total, payment, history.
    await page.getByLabel('Status', { exact: true }).selectOption('');
    await row(orderId).getByRole('link', { name: `#${orderId}` }).click();
    await page.getByRole('heading', { level: 1, name: `Pedido #${orderId}` }).waitFor();
    const items = page.locator('#order-items');
    await items.getByRole('row').filter({ hasText: 'Cheese Burger' }).waitFor();
    assert.match(await items.getByRole('row').filter({ hasText: 'Cheese Burger' }).innerText(), /2[\s\S]*R\$\s35,00[\s\S]*R\$\s70,00/);
    assert.match(await page.getByTestId('order-total').innerText(), /R\$\s78,00/);
    assert.match(await page.locator('#order-customer').innerText(), /Retirada na loja/);
    assert.match(await page.locator('#order-payment').innerText(), /Cartão de débito/);
    const history = page.locator('#order-history').getByRole('listitem');
    assert.deepEqual((await history.allInnerTexts()).map((s) => s.split(/\s/)[0]), ['Criado', 'Confirmado', 'Enviado']);

    // An empty reason is refused next to the reason field.
    const reasonBox = page.getByRole('textbox', { name: 'Motivo do cancelamento' });
    await page.getByRole('button', { name: 'Cancelar pedido' }).click();
    await page.getByRole('group', { name: /Cancelar este pedido/ }).getByRole('button', { name: 'Confirmar' }).click();
    const fieldError = page.locator('#order-cancel .field-error[data-field="reason"]');
    await fieldError.waitFor();
    assert.match(await fieldError.innerText(), /Informe o motivo/);
    assert.equal(await reasonBox.getAttribute('aria-invalid'), 'true');
    assert.ok((await reasonBox.getAttribute('aria-describedby')).includes(await fieldError.getAttribute('id')));
    await check(page, 'orders-order-reason-error-laptop');

    // A reason cancels it: the status and the history say so, and the customer is told.
    await reasonBox.fill(reason);
    assert.equal(await fieldError.count(), 0, 'typing clears the error');
    await page.getByRole('button', { name: 'Cancelar pedido' }).click();
    await page.getByRole('group', { name: /Cancelar este pedido/ }).getByRole('button', { name: 'Confirmar' }).click();
    await page.getByRole('status').filter({ hasText: 'Pedido cancelado.' }).waitFor();
    await page.locator('.page-actions').getByText('Cancelado').waitFor();
    const last = history.last();
    assert.match(await last.innerText(), /^Cancelado/);
    assert.match(await last.innerText(), new RegExp(reason));
    await page.locator('#order-cancel').getByText('Este pedido está cancelado.').waitFor();
    const api = await apiCall(stack.base, token, 'GET', `/brands/${BRAND}/orders/${orderId}`);
    assert.equal(api.body.status, 'CANCELLED');
    await eventually(async () => (await outbox(stack.base, customer)).length > CONVERSATION.length, 10_000, 'the customer is told of the cancellation');
    await check(page, 'orders-order-cancelled-laptop');

    // Back in the list, the order is under CANCELLED.
    await page.getByRole('link', { name: 'Voltar aos pedidos' }).click();
    await page.getByRole('heading', { level: 1, name: 'Pedidos' }).waitFor();
    await page.getByLabel('Status', { exact: true }).selectOption('CANCELLED');
    await row(orderId).waitFor();
    assert.match(await row(orderId).innerText(), /Cancelado/);
    await page.context().close();
  });

  test('the orders and order pages at tablet width, and in en-US', async () => {
    const page = await openPage(browser, { viewport: VIEWPORTS.tablet, locale: 'en-US' });
    await login(page, stack.base, USERS.burgerAdmin);
    await page.goto(`${stack.base}/admin/#/b/${BRAND}/orders?store=${STORE}&tests=1`);
    await page.getByRole('heading', { level: 1, name: 'Orders' }).waitFor();
    assert.ok(await page.getByRole('switch', { name: 'Include test orders (test chat)' }).isChecked(), 'the filters come from the address');
    const link = page.locator('#orders').getByRole('link', { name: `#${testOrderId}`, exact: true });
    await link.waitFor();
    await check(page, 'orders-list-tablet-en-US');
    await link.click();
    await page.getByRole('heading', { level: 1, name: `Order #${testOrderId}` }).waitFor();
    await page.getByText('A test chat order: it never goes to the POS.').waitFor();
    assert.match(await page.getByTestId('order-total').innerText(), /R\$\s?51\.00/);
    await page.getByRole('textbox', { name: 'Reason for cancelling' }).waitFor();
    await check(page, 'orders-order-tablet-en-US');
    await page.context().close();
  });

  test('a brand viewer reads an order but is not offered its cancellation', async () => {
    const page = await openPage(browser, { viewport: VIEWPORTS.laptop });
    await login(page, stack.base, USERS.burgerViewer);
    await page.goto(`${stack.base}/admin/#/b/${BRAND}/orders/${testOrderId}`);
    await page.getByRole('heading', { level: 1, name: `Pedido #${testOrderId}` }).waitFor();
    await page.locator('#order-history').getByRole('listitem').first().waitFor();
    assert.equal(await page.getByRole('button', { name: 'Cancelar pedido' }).count(), 0);
    assert.equal(await page.getByRole('textbox', { name: 'Motivo do cancelamento' }).count(), 0);
    await page.context().close();
  });

  test('the metrics page shows today\'s messages in tiles and charts, by store and range', async () => {
    const today = spToday();
    const view = (await apiCall(stack.base, token, 'GET', `/brands/${BRAND}/metrics?from=${today}&to=${today}`)).body;
    assert.ok(view.totals.messagesIn >= CONVERSATION.length, `counted: ${JSON.stringify(view.totals)}`);

    for (const [size, viewport, locale] of [['laptop', VIEWPORTS.laptop, 'pt-BR'], ['tablet', VIEWPORTS.tablet, 'en-US']]) {
      const pt = locale === 'pt-BR';
      const page = await openPage(browser, { viewport, locale });
      await login(page, stack.base, USERS.burgerAdmin);
      await page.getByRole('navigation').getByRole('link', { name: pt ? 'Métricas' : 'Metrics', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: pt ? 'Métricas' : 'Metrics' }).waitFor();
      // The default range: the last 7 days up to today (São Paulo).
      assert.equal(await page.getByLabel(pt ? 'Até' : 'To', { exact: true }).inputValue(), today);
      const tile = page.getByTestId('tile-messages');
      await tile.waitFor();
      const count = Number((await tile.locator('.tile-value').innerText()).replace(/\D/g, ''));
      assert.ok(count >= CONVERSATION.length, `messages tile: ${count}`);
      assert.ok(Number((await page.getByTestId('tile-orders').locator('.tile-value').innerText()).replace(/\D/g, '')) >= 1);

      // Five charts, each an image with a summary, and their data as tables.
      const charts = page.getByRole('img');
      assert.equal(await charts.count(), 5);
      const msgChart = page.getByRole('img', { name: pt ? /^Mensagens e conversas por dia/ : /^Messages and conversations per day/ });
      const label = await msgChart.getAttribute('aria-label');
      assert.match(label, pt ? /Mensagens recebidas: total \d+/ : /Messages received: total \d+/);
      assert.ok(Number(label.match(/(?:recebidas|received): total ([\d.,]+)/)[1].replace(/\D/g, '')) >= CONVERSATION.length, label);
      for (const id of ['chart-messages', 'chart-orders', 'chart-conversion', 'chart-handoffs', 'chart-model']) {
        assert.ok((await page.locator(`svg[data-chart="${id}"]`).getAttribute('aria-label')).length > 20, `${id} has a summary`);
      }
      // 7 days, today the last: the day's values show on hover (title) and in the table.
      const hits = page.locator('svg[data-chart="chart-messages"] rect.hit');
      assert.equal(await hits.count(), 7);
      assert.match(await hits.last().locator('title').textContent(), new RegExp(`^${shortDay(today, locale)} — `));
      await page.locator('#metrics-charts details').first().locator('summary').click();
      const todayRow = page.locator('#metrics-charts details').first().getByRole('row').filter({ hasText: shortDay(today, locale) });
      const cells = await todayRow.getByRole('cell').allInnerTexts();
      assert.ok(Number(cells[1].replace(/\D/g, '')) >= CONVERSATION.length, `today's row: ${cells}`);
      await check(page, `metrics-${size}-${locale}`);

      if (pt) {
        // One store: the same store's counters.
        await page.getByLabel('Loja', { exact: true }).selectOption(STORE);
        await page.getByTestId('tile-messages').waitFor();
        await eventually(async () => Number((await page.getByTestId('tile-messages').locator('.tile-value').innerText()).replace(/\D/g, '')) >= CONVERSATION.length, 10_000, 'the store\'s messages');

        // A range without activity shows zeros, and says so.
        await page.getByLabel('De', { exact: true }).fill('2020-01-01');
        await page.getByLabel('Até', { exact: true }).fill('2020-01-03');
        await page.getByText('Nenhuma atividade registrada neste período').waitFor();
        assert.equal(await page.getByTestId('tile-messages').locator('.tile-value').innerText(), '0');
        assert.equal(await page.locator('svg[data-chart="chart-messages"] rect.hit').count(), 3);

        // A range the API refuses: its message next to the field.
        await page.getByLabel('De', { exact: true }).fill('2020-01-05');
        const err = page.locator('#metrics-filters .field-error[data-field="from"]');
        await err.waitFor();
        assert.match(await err.innerText(), /after to/);
        await check(page, 'metrics-range-error-laptop');
      }
      await page.context().close();
    }
  });

  test('the audit log shows the cancellation and who did it', async () => {
    const page = await openPage(browser, { viewport: VIEWPORTS.laptop });
    await login(page, stack.base, USERS.burgerAdmin);
    await page.getByRole('navigation').getByRole('link', { name: 'Auditoria', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Auditoria' }).waitFor();
    const rows = page.locator('#audit-log tbody tr');
    await rows.first().waitFor();
    // Newest first: other tests sharing the emulator may have written records stamped later
    // (their clocks are set), so the cancellation is looked for page by page.
    const ours = rows.filter({ hasText: `orders/${orderId}` });
    for (let i = 0; i < 20 && (await ours.count()) === 0; i++) {
      const before = await rows.first().innerText();
      await page.getByRole('button', { name: 'Próxima página' }).click();
      await page.waitForFunction((b) => document.querySelector('#audit-log tbody tr')?.innerText !== b, before);
    }
    const row = ours.first();
    const first = await row.innerText();
    assert.match(first, /order\.cancel/);
    assert.match(first, new RegExp(`brands/${BRAND}/orders/${orderId}`));
    assert.match(first, /brand-admin\.demo-burger@wabot\.local/);
    assert.match(first, /admin da marca/);
    assert.match(first, /status: SENT_TO_POS → CANCELLED/);
    assert.match(first, new RegExp(`reason: — → ${reason}`));
    await row.locator('summary').click();
    assert.match(await row.locator('pre').last().innerText(), /"status": "CANCELLED"/);
    await check(page, 'audit-laptop');
    await page.context().close();
  });

  test('the platform page shows the inbound dead-letter queue and the day\'s audit; a brand admin is not offered it', async () => {
    const page = await openPage(browser, { viewport: VIEWPORTS.laptop });
    await login(page, stack.base, USERS.platform);
    await page.getByRole('navigation').getByRole('link', { name: 'Filas da plataforma', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Filas da plataforma' }).waitFor();
    const depth = page.getByTestId('inbound-depth');
    await depth.waitFor();
    const api = (await apiCall(stack.base, await apiToken(stack.base, USERS.platform), 'GET', '/platform/queues')).body;
    assert.match(await depth.innerText(), new RegExp(`Aguardando\\s+${api.inboundDeadLetters.visible}`));
    assert.match(await page.locator('#inbound-dlq').innerText(), /make redrive/);
    // The audit of today (UTC) across brands holds the cancellation, with its brand.
    assert.equal(await page.getByLabel('Dia (UTC)').inputValue(), new Date().toISOString().slice(0, 10));
    const row = page.locator('#day-audit tbody tr').filter({ hasText: `orders/${orderId}` });
    await row.waitFor();
    assert.match(await row.innerText(), /demo-burger[\s\S]*brand-admin\.demo-burger@wabot\.local[\s\S]*order\.cancel/);
    await check(page, 'platform-laptop');
    // Another day has its own records (none this long ago).
    await page.getByLabel('Dia (UTC)').fill('2020-01-01');
    await page.locator('#day-audit').getByText('Nenhuma alteração registrada.').waitFor();
    await page.context().close();

    const admin = await openPage(browser, { viewport: VIEWPORTS.laptop });
    await login(admin, stack.base, USERS.burgerAdmin);
    assert.equal(await admin.getByRole('link', { name: 'Filas da plataforma' }).count(), 0);
    await admin.goto(`${stack.base}/admin/#/platform`);
    await admin.getByRole('heading', { level: 1, name: 'Página não encontrada' }).waitFor();
    await admin.context().close();
  });
});
