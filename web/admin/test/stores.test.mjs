// Stores and integrations: the list, creating a store (fixing what the API refuses), the
// weekly hours editor, activation (refused until the store's TenantStore construct made its
// POS queue), the bot answering with the new hours, a viewer's read-only view, and the
// brand's Twilio and Asaas credentials.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  apiCall, apiToken, check, DEMO, eventually, launch, login, openPage, outbox, sendWhatsApp, startStack, USERS, VIEWPORTS,
} from './harness.mjs';

const BRAND = DEMO.burger.clientId;
const suffix = Math.random().toString(36).slice(2, 8).replace(/[^a-z0-9]/g, 'x').padEnd(6, 'x');
const STORE_ID = `loja-${suffix}`;
const STORE_NAME = `Jardins ${suffix}`;
const DAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
// demo-burger's credentials (shared/dev/demo): other tests sign webhooks with them.
const BURGER_TWILIO = { accountSid: 'AC00000000000000000000000000000002', authToken: DEMO.burger.token, phoneNumber: DEMO.burger.number };
// The demo's Asaas key is shorter than the API accepts (20 characters): it is put back the way
// the local runner's seed puts it, into the emulator's secret.
const BURGER_ASAAS = { apiKey: '$local_demo-burger', webhookToken: 'local-asaas-webhook-token-demo-burger-x' };

const hex = (n) => Array.from({ length: n }, () => Math.floor(Math.random() * 16).toString(16)).join('');
const input = (page, name) => page.locator(`input[name="${name}"]`);
// fieldError is the message shown inside the same field wrapper as the control named name.
const fieldError = (page, name) => page.locator('.field', { has: page.locator(`[name="${name}"]`) }).locator('.field-error');

describe('stores and integrations', () => {
  let stack;
  let browser;
  let adminToken;
  let asaasSandbox = false;
  before(async () => {
    stack = await startStack('stores');
    browser = await launch();
    adminToken = await apiToken(stack.base, USERS.burgerAdmin);
    const integ = await apiCall(stack.base, adminToken, 'GET', `/brands/${BRAND}/integrations`);
    assert.equal(integ.status, 200);
    asaasSandbox = integ.body.asaasSandbox;
  });
  after(async () => {
    if (stack && adminToken) {
      // Burger Demo keeps one active store and its own credentials for the tests after these.
      const s = await apiCall(stack.base, adminToken, 'GET', `/brands/${BRAND}/stores/${STORE_ID}`);
      if (s.status === 200 && s.body.active) await patchStore(stack.base, adminToken, { active: false });
      await restoreCredentials(stack.base, adminToken, asaasSandbox);
    }
    await browser?.close();
    await stack?.stop();
  });

  test('the store list shows each store; a brand admin creates a store, fixing what the API refused', async () => {
    const page = await openPage(browser);
    await login(page, stack.base, USERS.burgerAdmin);
    await page.goto(`${stack.base}/admin/#/b/${BRAND}/stores`);
    await page.getByRole('heading', { level: 1, name: 'Lojas' }).waitFor();
    const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: 'Vila Madalena' }) });
    await row.waitFor();
    const text = await row.innerText();
    for (const s of ['vila-madalena', 'Rua Aspicuelta, 300', 'Aberta agora', '00:00–24:00', 'Entrega', 'Retirada', 'PIX', 'Ativo', 'Fila do PDV configurada']) {
      assert.ok(text.includes(s), `the list row shows ${s}: ${text}`);
    }
    await check(page, 'stores-list-laptop');
    await page.setViewportSize(VIEWPORTS.tablet);
    await check(page, 'stores-list-tablet');
    await page.setViewportSize(VIEWPORTS.laptop);

    await page.getByRole('link', { name: 'Nova loja' }).click();
    await page.getByRole('heading', { level: 1, name: 'Nova loja' }).waitFor();
    await check(page, 'stores-new');
    await page.getByLabel('Nome da loja').fill(STORE_NAME);
    await page.getByLabel('Identificador (storeId)').fill(STORE_ID);
    // The street is left out, and Monday closes at 25:00.
    await page.getByLabel('Número', { exact: true }).fill('1200');
    await page.getByLabel('Bairro').fill('Jardim Paulista');
    await page.getByLabel('Cidade').fill('São Paulo');
    await page.getByLabel('Estado (UF)').selectOption('SP');
    await page.getByLabel('CEP').fill('01426001');
    await input(page, 'operatingHours.monday[0].close').fill('25:00');
    await page.getByLabel('Cartão de crédito', { exact: true }).check();
    await page.getByRole('button', { name: 'Criar loja' }).click();
    await fieldError(page, 'operatingHours.monday[0].close').filter({ hasText: '"25:00" is not a time of day' }).waitFor();
    assert.equal(await input(page, 'operatingHours.monday[0].close').getAttribute('aria-invalid'), 'true');
    assert.match(await fieldError(page, 'address.street').innerText(), /is required/);
    await page.getByRole('alert').filter({ hasText: 'Corrija os campos marcados.' }).waitFor();
    await check(page, 'stores-new-errors');

    await page.getByLabel('Rua').fill('Alameda Santos');
    await input(page, 'operatingHours.monday[0].close').fill('23:00');
    await page.getByRole('button', { name: 'Criar loja' }).click();
    await page.waitForURL((u) => u.hash.startsWith(`#/b/${BRAND}/stores/${STORE_ID}`));
    await page.getByRole('heading', { level: 1, name: STORE_NAME }).waitFor();
    await page.getByRole('status').filter({ hasText: `Loja ${STORE_NAME} criada.` }).waitFor();
    const created = await apiCall(stack.base, adminToken, 'GET', `/brands/${BRAND}/stores/${STORE_ID}`);
    assert.equal(created.status, 200);
    assert.equal(created.body.active, false);
    assert.equal(created.body.address.postalCode, '01426-001');
    assert.deepEqual(created.body.paymentMethods, ['PIX', 'CREDIT']);
    assert.deepEqual(created.body.operatingHours.monday, [{ open: '11:00', close: '23:00' }]);

    // Hours: Monday 10:30–22:15, copied to every day; an interval added on Sunday and removed.
    await input(page, 'operatingHours.monday[0].open').fill('10:30');
    await input(page, 'operatingHours.monday[0].close').fill('22:15');
    await page.getByRole('button', { name: 'Copiar segunda-feira para todos os dias' }).click();
    assert.equal(await input(page, 'operatingHours.sunday[0].close').inputValue(), '22:15');
    await page.getByRole('button', { name: 'Adicionar intervalo (Domingo)' }).click();
    await input(page, 'operatingHours.sunday[1].open').waitFor();
    await page.getByRole('button', { name: 'Remover Domingo, intervalo 2' }).click();
    assert.equal(await input(page, 'operatingHours.sunday[1].open').count(), 0);
    await page.getByRole('button', { name: 'Salvar', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Loja salva.' }).waitFor();

    await page.reload();
    await page.getByRole('heading', { level: 1, name: STORE_NAME }).waitFor();
    for (const d of DAYS) {
      assert.equal(await input(page, `operatingHours.${d}[0].open`).inputValue(), '10:30', d);
      assert.equal(await input(page, `operatingHours.${d}[0].close`).inputValue(), '22:15', d);
      assert.equal(await input(page, `operatingHours.${d}[1].open`).count(), 0, d);
    }
    await check(page, 'stores-editor-laptop');
    await page.setViewportSize(VIEWPORTS.tablet);
    await check(page, 'stores-editor-tablet');
    await page.setViewportSize(VIEWPORTS.laptop);

    // Someone else changes the store meanwhile: saving says so and offers to reload.
    await patchStore(stack.base, adminToken, { phoneNumber: '+551130009876' });
    await page.getByLabel('Tempo estimado (minutos)').fill('30');
    await page.getByRole('button', { name: 'Salvar', exact: true }).click();
    const stale = page.getByRole('alert').filter({ hasText: 'Esta loja foi alterada em outro lugar' });
    await stale.waitFor();
    await check(page, 'stores-editor-stale');
    await stale.getByRole('button', { name: 'Recarregar a loja' }).click();
    await eventually(async () => (await page.getByLabel('Telefone da loja').inputValue()) === '+551130009876', 5000, 'the reloaded phone');
    assert.equal(await page.getByLabel('Tempo estimado (minutos)').inputValue(), '40');
    await page.context().close();
  });

  test('activation waits for the POS queue; then the bot answers with the new hours', async () => {
    const page = await openPage(browser);
    await login(page, stack.base, USERS.burgerAdmin);
    await page.goto(`${stack.base}/admin/#/b/${BRAND}/stores/${STORE_ID}`);
    await page.getByRole('heading', { level: 1, name: STORE_NAME }).waitFor();
    await page.getByText('Sem fila do PDV').first().waitFor();
    await page.getByRole('switch', { name: 'Loja ativa' }).check();
    await page.getByRole('button', { name: 'Salvar', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'deploy its TenantStore construct' }).waitFor();
    await check(page, 'stores-editor-activate-refused');

    // What `cdk deploy` of the store's TenantStore construct does.
    const prov = await fetch(`${stack.base}/dev/stores/${BRAND}/${STORE_ID}/provision`, { method: 'POST' });
    assert.equal(prov.status, 200, await prov.clone().text());
    await page.reload();
    await page.getByRole('heading', { level: 1, name: STORE_NAME }).waitFor();
    await page.getByText('Fila do PDV configurada').first().waitFor();
    await page.getByRole('switch', { name: 'Loja ativa' }).check();
    await page.getByRole('button', { name: 'Salvar', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Loja salva.' }).waitFor();
    await page.locator('.page-actions').getByText('Ativo', { exact: true }).waitFor();

    await page.goto(`${stack.base}/admin/#/b/${BRAND}/stores`);
    const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: STORE_NAME }) });
    await row.waitFor();
    const text = await row.innerText();
    assert.ok(text.includes('10:30–22:15') && text.includes('Ativo') && text.includes('Fila do PDV configurada'), text);
    await page.context().close();

    // A customer: Burger Demo now has two active stores, so the bot asks which one.
    const customer = `whatsapp:+55119${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
    const replies = async (n) => eventually(async () => {
      const box = await outbox(stack.base, customer);
      return box.length >= n ? box : null;
    }, 20_000, `${n} replies`);
    await sendWhatsApp(stack.base, DEMO.burger, customer, 'oi');
    let box = await replies(1);
    assert.ok(box.some((m) => m.body.includes(STORE_NAME) && m.body.includes('Vila Madalena')), `store list: ${JSON.stringify(box)}`);
    await sendWhatsApp(stack.base, DEMO.burger, customer, STORE_NAME);
    box = await replies(2);
    await sendWhatsApp(stack.base, DEMO.burger, customer, 'que horas vcs abrem?');
    box = await eventually(async () => {
      const b = await outbox(stack.base, customer);
      return b.slice(2).some((m) => m.body.includes('10:30') && m.body.includes('22:15')) ? b : null;
    }, 20_000, 'a reply with the new hours');
    const answer = box.slice(2).find((m) => m.body.includes('10:30'));
    assert.ok(answer.body.includes(STORE_NAME), answer.body);
  });

  test('a brand viewer sees the stores and the editor read-only', async () => {
    const page = await openPage(browser);
    await login(page, stack.base, USERS.burgerViewer);
    await page.goto(`${stack.base}/admin/#/b/${BRAND}/stores`);
    await page.getByRole('link', { name: STORE_NAME }).waitFor();
    assert.equal(await page.getByRole('link', { name: 'Nova loja' }).count(), 0);
    await page.getByRole('link', { name: STORE_NAME }).click();
    await page.getByRole('heading', { level: 1, name: STORE_NAME }).waitFor();
    await page.getByRole('note').filter({ hasText: 'Somente leitura' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Salvar' }).count(), 0);
    assert.equal(await page.getByRole('button', { name: /Copiar segunda-feira/ }).count(), 0);
    assert.equal(await page.getByRole('button', { name: /Adicionar intervalo/ }).count(), 0);
    assert.equal(await page.getByRole('button', { name: 'Excluir loja' }).count(), 0);
    assert.ok(await page.getByLabel('Nome da loja').isDisabled());
    assert.ok(await input(page, 'operatingHours.monday[0].open').isDisabled());
    assert.equal(await input(page, 'operatingHours.monday[0].open').inputValue(), '10:30');
    assert.ok(await page.getByRole('switch', { name: 'Loja ativa' }).isDisabled());
    assert.ok(await page.getByLabel('PIX').isDisabled());
    await check(page, 'stores-viewer-editor');
    await page.goto(`${stack.base}/admin/#/b/${BRAND}/stores/new`);
    await page.getByRole('heading', { level: 1, name: 'Página não encontrada' }).waitFor();
    assert.equal(await page.getByLabel('Identificador (storeId)').count(), 0);
    // Integrations: the status, without forms.
    await page.goto(`${stack.base}/admin/#/b/${BRAND}/integrations`);
    await page.getByRole('heading', { level: 1, name: 'Integrações' }).waitFor();
    await page.getByTestId('twilio-accountSid').filter({ hasText: /^configurado ••••\w{4}$/ }).waitFor();
    assert.equal(await page.getByRole('button', { name: /^Salvar/ }).count(), 0);
    assert.equal(await page.locator('input').count(), 0);
    await check(page, 'stores-viewer-integrations');
    await page.context().close();
  });

  test('integrations: status without secrets, field errors, a number of another brand, a save', async () => {
    const page = await openPage(browser);
    await login(page, stack.base, USERS.burgerAdmin);
    try {
      const before = (await apiCall(stack.base, adminToken, 'GET', `/brands/${BRAND}/integrations`)).body;
      await page.goto(`${stack.base}/admin/#/b/${BRAND}/integrations`);
      await page.getByRole('heading', { level: 1, name: 'Integrações' }).waitFor();
      assert.equal(await page.getByTestId('twilio-accountSid').innerText(), `configurado ••••${before.twilio.accountSid.last4}`);
      assert.equal(await page.getByTestId('twilio-authToken').innerText(), `configurado ••••${before.twilio.authToken.last4}`);
      assert.equal(await page.getByTestId('twilio-phoneNumber').innerText(), DEMO.burger.number);
      assert.equal(await page.getByTestId('asaas-apiKey').innerText(), `configurado ••••${before.asaas.apiKey.last4}`);
      const html = await page.content();
      for (const secret of [BURGER_TWILIO.authToken, BURGER_TWILIO.accountSid, BURGER_ASAAS.apiKey, BURGER_ASAAS.webhookToken]) {
        assert.ok(!html.includes(secret), 'no secret value on the page');
      }
      await check(page, 'stores-integrations');

      const twilio = page.locator('#twilio');
      // An account SID that is not one: the API's message next to the field.
      await twilio.getByLabel('Account SID').fill('AC123');
      await twilio.getByLabel('Auth token').fill(hex(32));
      assert.equal(await twilio.getByLabel('Auth token').getAttribute('type'), 'password');
      await twilio.getByRole('button', { name: 'Salvar Twilio' }).click();
      await fieldError(page, 'accountSid').filter({ hasText: 'must be a Twilio account SID' }).waitFor();
      assert.equal(await input(page, 'accountSid').getAttribute('aria-invalid'), 'true');
      await check(page, 'stores-integrations-errors');

      // The pizzeria's number: 409 in the banner.
      await twilio.getByLabel('Account SID').fill('AC' + hex(32));
      await twilio.getByLabel('Número do WhatsApp').fill(DEMO.pizzaria.number);
      await twilio.getByRole('button', { name: 'Salvar Twilio' }).click();
      await twilio.getByRole('alert').filter({ hasText: 'another brand uses this WhatsApp number' }).waitFor();
      assert.equal(await fieldError(page, 'accountSid').count(), 0);

      // A valid save: configured with the new last four, the secret inputs empty.
      const sid = 'AC' + hex(32);
      await twilio.getByLabel('Account SID').fill(sid);
      await twilio.getByLabel('Número do WhatsApp').fill(DEMO.burger.number);
      await twilio.getByRole('button', { name: 'Salvar Twilio' }).click();
      await twilio.getByRole('status').filter({ hasText: 'Credenciais do Twilio salvas.' }).waitFor();
      await eventually(async () => (await page.getByTestId('twilio-accountSid').innerText()) === `configurado ••••${sid.slice(-4)}`, 5000, 'the new last four');
      assert.equal(await twilio.getByLabel('Account SID').inputValue(), '');
      assert.equal(await twilio.getByLabel('Auth token').inputValue(), '');

      // Asaas: a webhook token too short, then the brand's own credentials again.
      const asaas = page.locator('#asaas');
      await asaas.getByLabel('Chave de API').fill(BURGER_ASAAS.apiKey);
      await asaas.getByLabel('Token do webhook').fill('short');
      await asaas.getByRole('button', { name: 'Salvar Asaas' }).click();
      await fieldError(page, 'webhookToken').filter({ hasText: '32 to 255 characters' }).waitFor();
      // A key of the local payment provider, long enough for the API (the demo's own is not).
      const key = `${BURGER_ASAAS.apiKey}-ui-${hex(4)}`;
      await asaas.getByLabel('Chave de API').fill(key);
      await asaas.getByLabel('Token do webhook').fill(BURGER_ASAAS.webhookToken);
      await asaas.getByRole('button', { name: 'Salvar Asaas' }).click();
      await asaas.getByRole('status').filter({ hasText: 'Credenciais do Asaas salvas.' }).waitFor();
      assert.equal(await asaas.getByLabel('Chave de API').inputValue(), '');
      assert.equal(await asaas.getByLabel('Token do webhook').inputValue(), '');
      await eventually(async () => (await page.getByTestId('asaas-apiKey').innerText()) === `configurado ••••${key.slice(-4)}`, 5000, 'the new key\'s last four');
      await check(page, 'stores-integrations-saved');
    } finally {
      await restoreCredentials(stack.base, adminToken, asaasSandbox);
      await page.context().close();
    }
    const after = (await apiCall(stack.base, adminToken, 'GET', `/brands/${BRAND}/integrations`)).body;
    assert.equal(after.twilio.accountSid.last4, '0002');
    assert.equal(after.twilioPhoneNumber, DEMO.burger.number);
  });

  test('in English, the store list and a store', async () => {
    const page = await openPage(browser, { locale: 'en-US' });
    await login(page, stack.base, USERS.burgerAdmin);
    await page.goto(`${stack.base}/admin/#/b/${BRAND}/stores`);
    await page.getByRole('heading', { level: 1, name: 'Stores' }).waitFor();
    await page.getByRole('link', { name: 'New store' }).waitFor();
    await page.getByRole('row').filter({ has: page.getByRole('link', { name: 'Vila Madalena' }) }).getByText('Open now').waitFor();
    await check(page, 'stores-list-en-US');
    await page.getByRole('link', { name: STORE_NAME }).click();
    await page.getByRole('heading', { level: 2, name: 'Opening hours' }).waitFor();
    await page.getByRole('button', { name: 'Copy Monday to all days' }).waitFor();
    await check(page, 'stores-editor-en-US');
    await page.context().close();
  });

  test('a platform admin deletes the store once it is inactive', async () => {
    const page = await openPage(browser);
    await login(page, stack.base, USERS.platform);
    await page.goto(`${stack.base}/admin/#/b/${BRAND}/stores/${STORE_ID}`);
    await page.getByRole('heading', { level: 1, name: STORE_NAME }).waitFor();
    // Active: it cannot be deleted yet.
    assert.ok(await page.getByRole('button', { name: 'Excluir loja' }).isDisabled());
    await page.getByRole('switch', { name: 'Loja ativa' }).uncheck();
    await page.getByRole('button', { name: 'Salvar', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Loja salva.' }).waitFor();
    await page.getByRole('button', { name: 'Excluir loja' }).click();
    await page.getByRole('group', { name: 'Excluir esta loja para sempre?' }).waitFor();
    await check(page, 'stores-editor-platform-delete');
    await page.getByRole('button', { name: 'Confirmar' }).click();
    await page.waitForURL((u) => u.hash === `#/b/${BRAND}/stores`);
    await page.getByRole('link', { name: 'Vila Madalena' }).waitFor();
    assert.equal(await page.getByRole('link', { name: STORE_NAME }).count(), 0);
    const gone = await apiCall(stack.base, adminToken, 'GET', `/brands/${BRAND}/stores/${STORE_ID}`);
    assert.equal(gone.status, 404);
    await page.context().close();
  });
});

// patchStore changes the test's store through the API, with the ETag of a fresh read.
async function patchStore(base, token, body) {
  const cur = await apiCall(base, token, 'GET', `/brands/${BRAND}/stores/${STORE_ID}`);
  assert.equal(cur.status, 200);
  const r = await fetch(`${base}/admin/v1/brands/${BRAND}/stores/${STORE_ID}`, {
    method: 'PATCH',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', 'If-Match': cur.etag },
    body: JSON.stringify(body),
  });
  assert.equal(r.status, 200, await r.text());
}

// restoreCredentials puts demo-burger's Twilio credentials back through the API (other tests
// sign webhooks with them), and a local payment key (the API takes no key under 20
// characters, so not the demo's own 18): any "$local_" key reaches the local payment
// provider, and each runner's demo seed puts the demo's key back when it starts.
async function restoreCredentials(base, token, sandbox) {
  const tw = await apiCall(base, token, 'PUT', `/brands/${BRAND}/integrations/twilio`, BURGER_TWILIO);
  assert.equal(tw.status, 200, JSON.stringify(tw.body));
  const apiKey = `${BURGER_ASAAS.apiKey}-restore`;
  const as = await apiCall(base, token, 'PUT', `/brands/${BRAND}/integrations/asaas`, { apiKey, webhookToken: BURGER_ASAAS.webhookToken, sandbox });
  assert.equal(as.status, 200, JSON.stringify(as.body));
  const after = await apiCall(base, token, 'GET', `/brands/${BRAND}/integrations`);
  assert.equal(after.body.asaas.apiKey.last4, apiKey.slice(-4));
}
