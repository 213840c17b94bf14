// The menu editor (import, items, categories), the bot's texts and the AI prompt editor.
// The menu tests use a brand of their own (created here as platform admin); the texts and
// prompt tests change demo-burger and put back what they changed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { apiCall, apiToken, check, eventually, launch, login, openPage, startStack, USERS, VIEWPORTS } from './harness.mjs';

const rand = () => Math.floor(Math.random() * 1e9).toString(36);
const digits = (n) => Array.from({ length: n }, () => Math.floor(Math.random() * 10)).join('');

// A menu with two categories and four items; bad() breaks two of its lines.
function sampleMenu() {
  return {
    categories: [{ categoryId: 'lanches', name: 'Lanches', sort: 1 }, { categoryId: 'bebidas', name: 'Bebidas', sort: 2 }],
    items: [
      { itemId: 'x-burger', categoryId: 'lanches', name: 'X-Burger', priceCents: 2990, available: true, aliases: ['x burguer'],
        options: [{ optionId: 'bacon', name: 'Bacon', priceDeltaCents: 500 }] },
      { itemId: 'batata', categoryId: 'lanches', name: 'Batata frita', priceCents: 1500, available: true },
      { itemId: 'suco', categoryId: 'bebidas', name: 'Suco', available: true,
        sizes: [{ sizeId: 'p', name: 'Pequeno', priceCents: 800 }, { sizeId: 'g', name: 'Grande', priceCents: 1200 }] },
      { itemId: 'coca', categoryId: 'bebidas', name: 'Coca-Cola', priceCents: 700, available: true },
    ],
  };
}

describe('menu, texts and prompt', () => {
  let stack;
  let browser;
  let platform;
  let burger;
  const brand = `h4-${rand()}`.slice(0, 20);
  const storeId = 'loja-h4';
  let burgerTexts;
  let burgerPrompt;

  before(async () => {
    stack = await startStack('menu-texts');
    browser = await launch();
    platform = await apiToken(stack.base, USERS.platform);
    burger = await apiToken(stack.base, USERS.burgerAdmin);
    const b = await apiCall(stack.base, platform, 'POST', '/brands', {
      clientId: brand, name: `Lanchonete ${brand}`, twilioPhoneNumber: `whatsapp:+55119555${digits(5)}`, defaultLanguage: 'pt-BR',
    });
    assert.equal(b.status, 201, JSON.stringify(b.body));
    const s = await apiCall(stack.base, platform, 'POST', `/brands/${brand}/stores`, {
      storeId, storeName: 'Loja H4',
      address: { street: 'Rua Harmonia', number: '123', neighborhood: 'Vila Madalena', city: 'São Paulo', state: 'SP', postalCode: '05435-000' },
      timezone: 'America/Sao_Paulo', operatingHours: { monday: [{ open: '11:00', close: '23:00' }] },
      deliveryConfig: { deliveryEnabled: true, pickupEnabled: true, deliveryFeeCents: 500, estimatedMinutes: 30 }, paymentMethods: ['PIX'],
    });
    assert.equal(s.status, 201, JSON.stringify(s.body));
    // What the texts and prompt tests change on demo-burger, to put it back.
    const tx = await apiCall(stack.base, burger, 'GET', '/brands/demo-burger/texts');
    burgerTexts = Object.fromEntries(tx.body.texts.filter((x) => x.overrides).map((x) => [x.id, x.overrides]));
    burgerPrompt = (await apiCall(stack.base, burger, 'GET', '/brands/demo-burger/prompt')).body;
  });

  // signIn signs in and waits for the home page (a platform admin lands on /brands once the
  // brand list is read: navigating before that would be overridden).
  async function signIn(page, user) {
    await login(page, stack.base, user);
    await page.waitForURL((u) => u.hash === (user === USERS.platform ? '#/brands' : '#/b/demo-burger'));
  }

  after(async () => {
    if (stack && burgerTexts) {
      await apiCall(stack.base, burger, 'PUT', '/brands/demo-burger/texts', { texts: burgerTexts });
      await apiCall(stack.base, platform, 'PUT', '/brands/demo-burger/prompt',
        { aiPromptTemplate: burgerPrompt.aiPromptTemplate, aiDailyTokenBudget: burgerPrompt.aiDailyTokenBudget });
    }
    if (stack && platform) {
      await apiCall(stack.base, platform, 'DELETE', `/brands/${brand}/stores/${storeId}`);
      await apiCall(stack.base, platform, 'DELETE', `/brands/${brand}`);
    }
    await browser?.close();
    await stack?.stop();
  });

  test('menu import: every invalid line is listed and nothing changes; a valid menu replaces it; download as JSON', async () => {
    const page = await openPage(browser);
    await signIn(page, USERS.platform);
    await page.goto(`${stack.base}/admin/#/b/${brand}/menu`);
    await page.getByRole('heading', { level: 1, name: 'Cardápio' }).waitFor();
    await page.getByText('O cardápio está vazio.').waitFor();
    await check(page, 'menu-empty-laptop');

    // Two bad lines: a negative price (items[1]) and a category not on the menu (items[3]).
    const bad = sampleMenu();
    bad.items[1].priceCents = -100;
    bad.items[3].categoryId = 'sobremesas';
    await page.getByLabel('JSON do cardápio').fill(JSON.stringify(bad, null, 2));
    await page.getByRole('button', { name: 'Validar e importar' }).click();
    await page.getByRole('group', { name: 'Substituir o cardápio inteiro?' }).getByRole('button', { name: 'Confirmar' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'O cardápio não foi importado' });
    await alert.waitFor();
    const lines = await alert.getByRole('list', { name: 'Problemas da importação' }).getByRole('listitem').allTextContents();
    assert.equal(lines.length, 2, lines.join('\n'));
    assert.match(lines[0], /^items\[1\]\.priceCents: must not be negative — Batata frita$/);
    assert.match(lines[1], /^items\[3\]\.categoryId: "sobremesas" is not a category of the menu — Coca-Cola$/);
    assert.match(await alert.textContent(), /2 problema\(s\).*O cardápio atual continua igual/);
    const still = await apiCall(stack.base, platform, 'GET', `/brands/${brand}/menu`);
    assert.equal(still.body.items.length, 0, 'a refused import changes nothing');
    assert.ok(page.apiRefusals().some((r) => r.includes('422')));
    await check(page, 'menu-import-errors-laptop');

    // The valid menu, from a chosen file.
    await page.getByLabel('Arquivo .json').setInputFiles({ name: 'cardapio.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(sampleMenu())) });
    await page.getByText('Arquivo cardapio.json carregado').waitFor();
    assert.equal(JSON.parse(await page.getByLabel('JSON do cardápio').inputValue()).items.length, 4);
    await page.getByRole('button', { name: 'Validar e importar' }).click();
    await page.getByRole('button', { name: 'Confirmar' }).click();
    await page.getByRole('status').filter({ hasText: 'Cardápio importado: 2 categorias e 4 itens.' }).waitFor();
    const lanches = page.getByRole('table', { name: 'Itens da categoria Lanches' });
    const bebidas = page.getByRole('table', { name: 'Itens da categoria Bebidas' });
    await lanches.waitFor();
    const xburger = lanches.getByRole('row').filter({ has: page.getByRole('rowheader', { name: /^X-Burger/ }) });
    assert.match(await xburger.textContent(), /R\$\s29,90/);
    assert.match(await xburger.textContent(), /Bacon \+R\$\s5,00/);
    assert.match(await lanches.getByRole('row').filter({ hasText: 'Batata frita' }).textContent(), /R\$\s15,00/);
    const suco = await bebidas.getByRole('row').filter({ hasText: 'Suco' }).textContent();
    assert.match(suco, /Pequeno R\$\s8,00/);
    assert.match(suco, /Grande R\$\s12,00/);
    // Categories in their order.
    const cats = await page.getByRole('heading', { level: 2 }).allTextContents();
    assert.ok(cats.findIndex((c) => c.startsWith('Lanches')) < cats.findIndex((c) => c.startsWith('Bebidas')), cats.join(' | '));

    // Download the current menu: the same menu, ready to import again.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Baixar cardápio atual (JSON)' }).click()]);
    assert.equal(download.suggestedFilename(), `menu-${brand}.json`);
    const exported = JSON.parse(await readFile(await download.path(), 'utf8'));
    assert.deepEqual(exported.categories.map((c) => c.categoryId), ['lanches', 'bebidas']);
    assert.deepEqual(exported.items.map((i) => i.itemId).sort(), ['batata', 'coca', 'suco', 'x-burger']);
    assert.deepEqual(Object.keys(exported).sort(), ['categories', 'items']);
    await check(page, 'menu-imported-laptop');
    await page.context().close();
  });

  test('menu editor: an item edited in the form (price, per store), field errors next to fields, categories added and deleted', async () => {
    const imported = await apiCall(stack.base, platform, 'PUT', `/brands/${brand}/menu`, sampleMenu());
    assert.equal(imported.status, 200, JSON.stringify(imported.body));
    const page = await openPage(browser, { viewport: VIEWPORTS.tablet });
    await signIn(page, USERS.platform);
    await page.goto(`${stack.base}/admin/#/b/${brand}/menu`);
    const lanches = page.getByRole('table', { name: 'Itens da categoria Lanches' });
    await lanches.waitFor();
    await check(page, 'menu-tablet');

    // A new price, saved, shows in the list.
    await lanches.getByRole('button', { name: 'Editar X-Burger' }).click();
    const form = page.getByRole('region', { name: 'Editar item: X-Burger' });
    await form.waitFor();
    const price = form.getByLabel('Preço', { exact: true });
    assert.equal(await price.inputValue(), '29.90');
    assert.equal(await form.getByLabel('Apelidos').inputValue(), 'x burguer');
    await price.fill('31,50');
    await form.getByRole('switch', { name: 'Disponível em Loja H4' }).uncheck();
    await check(page, 'menu-item-form-tablet');
    await form.getByRole('button', { name: 'Salvar' }).click();
    await page.getByRole('status').filter({ hasText: 'Item X-Burger salvo.' }).waitFor();
    const row = lanches.getByRole('row').filter({ has: page.getByRole('rowheader', { name: /^X-Burger/ }) });
    assert.match(await row.textContent(), /R\$\s31,50/);
    assert.match(await row.textContent(), /Loja H4: indisponível/);
    const saved = (await apiCall(stack.base, platform, 'GET', `/brands/${brand}/menu`)).body.items.find((i) => i.itemId === 'x-burger');
    assert.equal(saved.priceCents, 3150);
    assert.deepEqual(saved.stores, { [storeId]: { unavailable: true } });

    // An invalid price: the API's message next to the price field, the list unchanged.
    await lanches.getByRole('button', { name: 'Editar X-Burger' }).click();
    await form.waitFor();
    await form.getByLabel('Preço', { exact: true }).fill('-5');
    await form.getByLabel('Nome', { exact: true }).fill('');
    await form.getByRole('button', { name: 'Salvar' }).click();
    const priceField = form.getByLabel('Preço', { exact: true });
    await eventually(async () => (await priceField.getAttribute('aria-invalid')) === 'true', 10_000, 'the price marked invalid');
    const describedBy = await priceField.getAttribute('aria-describedby');
    assert.equal(await page.locator(`[id="${describedBy}"]`).textContent(), 'must not be negative');
    assert.equal(await form.locator('[data-field="name"]').textContent(), 'is required, at most 80 characters');
    await form.getByRole('alert').waitFor();
    await check(page, 'menu-item-errors-tablet');
    // A price that is not an amount is caught before the API.
    await form.getByLabel('Preço', { exact: true }).fill('doze');
    await form.getByRole('button', { name: 'Salvar' }).click();
    await form.locator('[data-field="priceCents"]').filter({ hasText: 'Digite um valor como 12,50.' }).waitFor();
    assert.equal(await form.getByLabel('Preço', { exact: true }).inputValue(), 'doze');
    await form.getByRole('button', { name: 'Cancelar' }).click();
    await form.waitFor({ state: 'detached' });
    assert.match(await row.textContent(), /R\$\s31,50/);

    // A new item with sizes, in a new category; then the empty category is deleted.
    await page.getByRole('button', { name: 'Nova categoria' }).click();
    const catForm = page.getByRole('region', { name: 'Nova categoria' });
    await catForm.getByLabel('Identificador da categoria').fill('sobremesas');
    await catForm.getByRole('button', { name: 'Salvar' }).click();
    await catForm.locator('[data-field="name"]').filter({ hasText: 'is required, at most 80 characters' }).waitFor();
    assert.equal(await catForm.getByLabel('Nome', { exact: true }).getAttribute('aria-invalid'), 'true');
    await catForm.getByLabel('Nome', { exact: true }).fill('Sobremesas');
    await catForm.getByRole('button', { name: 'Salvar' }).click();
    await page.getByRole('status').filter({ hasText: 'Categoria Sobremesas salva.' }).waitFor();
    await page.getByRole('button', { name: 'Adicionar item — Sobremesas' }).click();
    const itemForm = page.getByRole('region', { name: 'Novo item' });
    await itemForm.getByLabel('Nome', { exact: true }).fill('Açaí');
    assert.equal(await itemForm.getByLabel('Categoria').inputValue(), 'sobremesas');
    await itemForm.getByRole('button', { name: 'Adicionar tamanho' }).click();
    const size = itemForm.getByRole('group', { name: 'Tamanho 1' });
    await size.getByLabel('Nome do tamanho').fill('300 ml');
    await size.getByLabel('Preço do tamanho').fill('18');
    await itemForm.getByLabel('300 ml em Loja H4').fill('19,90');
    await itemForm.getByRole('button', { name: 'Salvar' }).click();
    await page.getByRole('status').filter({ hasText: 'Item Açaí salvo.' }).waitFor();
    const sobremesas = page.getByRole('table', { name: 'Itens da categoria Sobremesas' });
    const acai = await sobremesas.getByRole('row').filter({ hasText: 'Açaí' }).textContent();
    assert.match(acai, /300 ml R\$\s18,00/);
    assert.match(acai, /Loja H4: 300 ml R\$\s19,90/);
    const menu = (await apiCall(stack.base, platform, 'GET', `/brands/${brand}/menu`)).body;
    const acaiItem = menu.items.find((i) => i.itemId === 'acai');
    assert.deepEqual(acaiItem.sizes, [{ sizeId: '300-ml', name: '300 ml', priceCents: 1800 }]);
    assert.deepEqual(acaiItem.stores, { [storeId]: { sizePrices: { '300-ml': 1990 } } });
    await sobremesas.getByRole('button', { name: 'Excluir Açaí' }).click();
    await page.getByRole('group', { name: 'Excluir o item Açaí?' }).getByRole('button', { name: 'Confirmar' }).click();
    await page.getByRole('status').filter({ hasText: 'Item Açaí excluído.' }).waitFor();
    await page.getByRole('button', { name: 'Excluir Sobremesas' }).click();
    await page.getByRole('button', { name: 'Confirmar' }).click();
    await page.getByRole('status').filter({ hasText: 'Categoria Sobremesas excluída.' }).waitFor();
    assert.equal(await page.getByRole('table', { name: 'Itens da categoria Sobremesas' }).count(), 0);
    await page.context().close();
  });

  test('texts: an override is previewed, saved and kept; an invalid one is refused next to its textarea; then removed', async () => {
    const page = await openPage(browser);
    await signIn(page, USERS.burgerAdmin);
    await page.goto(`${stack.base}/admin/#/b/demo-burger/texts`);
    await page.getByRole('heading', { level: 1, name: 'Textos do bot' }).waitFor();
    await page.getByRole('button', { name: /^Boas-vindas e despedida/ }).waitFor();
    await check(page, 'texts-laptop');

    const mine = `Valeu demais, volte sempre! ${rand()}`;
    const thanks = page.getByRole('article', { name: 'thanks' });
    await page.getByRole('button', { name: /Boas-vindas e despedida/ }).click();
    await thanks.getByLabel('Texto personalizado (pt-BR)').fill(mine);
    await thanks.getByRole('button', { name: 'Prévia — thanks' }).click();
    await thanks.locator('.texts-preview-text[data-lang="pt-BR"]').filter({ hasText: mine }).waitFor();
    await check(page, 'texts-preview-laptop');
    await page.getByRole('button', { name: 'Salvar todos os textos' }).click();
    await page.getByRole('status').filter({ hasText: 'Textos salvos.' }).waitFor();
    const stored = await apiCall(stack.base, burger, 'GET', '/brands/demo-burger/texts');
    assert.equal(stored.body.texts.find((x) => x.id === 'thanks').overrides['pt-BR'], mine);

    await page.reload();
    await page.getByLabel('Buscar textos').fill('thanks');
    assert.equal(await page.getByRole('article', { name: 'thanks' }).getByLabel('Texto personalizado (pt-BR)').inputValue(), mine);
    await page.getByRole('switch', { name: 'Só os personalizados' }).check();
    await page.getByLabel('Buscar textos').fill('');
    assert.ok(await page.getByRole('article', { name: 'thanks' }).isVisible());

    // An override without the order number (%s) the default has: refused, next to its textarea.
    await page.getByRole('switch', { name: 'Só os personalizados' }).uncheck();
    await page.getByLabel('Buscar textos').fill('already_placed');
    const placed = page.getByRole('article', { name: 'already_placed' });
    assert.match(await placed.textContent(), /%s\s*order number/);
    const ta = placed.getByLabel('Texto personalizado (pt-BR)');
    await ta.fill('Seu pedido já foi confirmado.');
    await placed.getByRole('button', { name: 'Prévia — already_placed' }).click();
    await placed.locator('[data-field="texts.already_placed.pt-BR"]').filter({ hasText: 'the text must take exactly %s (order number), in this order' }).waitFor();
    await page.getByRole('button', { name: 'Salvar todos os textos' }).click();
    await page.getByRole('alert').filter({ hasText: 'Corrija os campos marcados.' }).waitFor();
    assert.equal(await ta.getAttribute('aria-invalid'), 'true');
    const describedBy = (await ta.getAttribute('aria-describedby')).split(' ');
    assert.match(await page.locator(`[id="${describedBy.at(-1)}"]`).textContent(), /must take exactly %s \(order number\)/);
    await check(page, 'texts-error-laptop');

    // Remove both: the catalog's defaults again.
    await ta.fill('');
    await page.getByLabel('Buscar textos').fill('thanks');
    await page.getByRole('article', { name: 'thanks' }).getByLabel('Texto personalizado (pt-BR)').fill('');
    await page.getByRole('button', { name: 'Salvar todos os textos' }).click();
    await page.getByRole('status').filter({ hasText: 'Textos salvos.' }).waitFor();
    const back = await apiCall(stack.base, burger, 'GET', '/brands/demo-burger/texts');
    assert.equal(back.body.texts.find((x) => x.id === 'thanks').overrides?.['pt-BR'], burgerTexts.thanks?.['pt-BR']);
    await page.context().close();
  });

  test('prompt: variables inserted at the cursor, a live preview of the store, an invalid template refused, the budget read-only for brand admins', async () => {
    const page = await openPage(browser);
    await signIn(page, USERS.burgerAdmin);
    await page.goto(`${stack.base}/admin/#/b/demo-burger/texts/prompt`);
    await page.getByRole('heading', { level: 1, name: 'Prompt da IA' }).waitFor();
    const tmpl = page.getByRole('textbox', { name: 'Modelo do prompt' });
    assert.equal(await tmpl.inputValue(), burgerPrompt.aiPromptTemplate || burgerPrompt.variables.default);
    const preview = page.getByTestId('prompt-preview');
    await preview.waitFor();
    const budget = page.getByLabel('Tokens por dia');
    assert.equal(await budget.isEditable(), false);
    await page.getByText('Só a administração da plataforma altera o orçamento').waitFor();

    // The cursor at the start: the variable goes there.
    await tmpl.focus();
    await tmpl.evaluate((el) => el.setSelectionRange(0, 0));
    await page.getByRole('button', { name: 'Inserir {{store}}', exact: true }).click();
    assert.ok((await tmpl.inputValue()).startsWith('{{store}}'), await tmpl.inputValue());
    // The page gives the focus back to the template after the insert (an effect after the
    // render): type only once it has.
    const tmplId = await tmpl.getAttribute('id');
    const templateFocused = () => page.waitForFunction((id) => document.activeElement?.id === id, tmplId);
    await templateFocused();
    await page.keyboard.type(' — ');
    await page.getByRole('button', { name: 'Inserir {{storeAddress}}', exact: true }).press('Enter');
    assert.ok((await tmpl.inputValue()).startsWith('{{store}} — {{storeAddress}}'), await tmpl.inputValue());
    await templateFocused();
    await eventually(async () => (await preview.textContent()).startsWith('Vila Madalena — Rua Aspicuelta, 300'), 10_000, 'the preview with the store');
    assert.match(await page.locator('.prompt-size').textContent(), /≈ [\d.]+ tokens · [\d.]+ caracteres/);
    await page.keyboard.type(' Digitado agora.');
    await eventually(async () => (await preview.textContent()).includes('Digitado agora.'), 10_000, 'the preview after typing');
    await check(page, 'prompt-laptop');

    // An unknown variable: its message next to the template (live, then on save).
    await tmpl.press('End');
    await tmpl.pressSequentially(' {{sobremesa}}');
    const msg = page.locator('[data-field="aiPromptTemplate"]');
    await msg.filter({ hasText: 'unknown variable {{sobremesa}}' }).waitFor();
    await page.getByText('Corrija o modelo para ver a prévia.').waitFor();
    await page.getByRole('button', { name: 'Salvar', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'Corrija os campos marcados.' }).waitFor();
    assert.equal(await tmpl.getAttribute('aria-invalid'), 'true');
    await check(page, 'prompt-error-laptop');
    const still = await apiCall(stack.base, burger, 'GET', '/brands/demo-burger/prompt');
    assert.equal(still.body.aiPromptTemplate, burgerPrompt.aiPromptTemplate);

    // Restore default puts the platform's prompt in the editor (not saved).
    await page.getByRole('button', { name: 'Restaurar o padrão' }).click();
    assert.equal(await tmpl.inputValue(), burgerPrompt.variables.default);
    await eventually(async () => (await preview.textContent()).startsWith('You are the WhatsApp ordering assistant of Burger Demo'), 10_000, 'the default rendered');
    await page.context().close();

    // A platform admin sets the budget (on the test's own brand); a refused value shows by its field.
    const admin = await openPage(browser, { viewport: VIEWPORTS.tablet });
    await signIn(admin, USERS.platform);
    await admin.goto(`${stack.base}/admin/#/b/${brand}/texts/prompt`);
    const field = admin.getByLabel('Tokens por dia');
    await admin.getByTestId('prompt-preview').waitFor();
    assert.equal(await field.isEditable(), true);
    await check(admin, 'prompt-platform-tablet');
    await field.fill('2000000000');
    await admin.getByRole('button', { name: 'Salvar orçamento' }).click();
    await admin.locator('[data-field="aiDailyTokenBudget"]').waitFor();
    assert.equal(await field.getAttribute('aria-invalid'), 'true');
    await check(admin, 'prompt-budget-error-tablet');
    await field.fill('3000000');
    await admin.getByRole('button', { name: 'Salvar orçamento' }).click();
    await admin.getByRole('status').filter({ hasText: 'Orçamento salvo.' }).waitFor();
    assert.equal((await apiCall(stack.base, platform, 'GET', `/brands/${brand}/prompt`)).body.aiDailyTokenBudget, 3000000);
    // And on demo-burger it is editable too, left as it was.
    await admin.goto(`${stack.base}/admin/#/b/demo-burger/texts/prompt`);
    await admin.getByRole('textbox', { name: 'Modelo do prompt' }).waitFor();
    assert.equal(await admin.getByLabel('Tokens por dia').isEditable(), true);
    assert.equal(await admin.getByLabel('Tokens por dia').inputValue(), String(burgerPrompt.aiDailyTokenBudget));
    await admin.context().close();
  });

  test('a viewer reads the menu, the texts and the prompt without changing them (tablet, en-US)', async () => {
    const page = await openPage(browser, { viewport: VIEWPORTS.tablet, locale: 'en-US' });
    await signIn(page, USERS.burgerViewer);
    await page.goto(`${stack.base}/admin/#/b/demo-burger/menu`);
    await page.getByRole('heading', { level: 1, name: 'Menu' }).waitFor();
    const burgers = page.getByRole('table', { name: 'Items of the category Burgers' });
    await burgers.waitFor();
    assert.match(await burgers.getByRole('row').filter({ hasText: 'Cheese Burger' }).textContent(), /R\$\s?35\.00/);
    await page.getByText('Read only: your role can look but not change.').waitFor();
    for (const name of ['New item', 'New category', 'Validate and import']) assert.equal(await page.getByRole('button', { name }).count(), 0, name);
    assert.equal(await page.getByRole('button', { name: /^Edit / }).count(), 0);
    assert.equal(await page.getByLabel('Menu JSON').count(), 0);
    await page.getByRole('link', { name: 'Download current menu as JSON' }).waitFor();
    await check(page, 'menu-viewer-en-US-tablet');

    await page.goto(`${stack.base}/admin/#/b/demo-burger/texts`);
    await page.getByRole('heading', { level: 1, name: 'Bot texts' }).waitFor();
    await page.getByLabel('Search texts').fill('thanks');
    const thanks = page.getByRole('article', { name: 'thanks' });
    assert.equal(await thanks.getByLabel('Custom text (pt-BR)').isEditable(), false);
    assert.equal(await page.getByRole('button', { name: 'Save all texts' }).count(), 0);
    await thanks.getByRole('button', { name: 'Preview — thanks' }).click();
    await thanks.locator('.texts-preview-text[data-lang="en-US"]').waitFor();
    await check(page, 'texts-viewer-en-US-tablet');

    await page.getByRole('navigation', { name: 'Texts and prompt' }).getByRole('link', { name: 'AI prompt' }).click();
    await page.getByRole('heading', { level: 1, name: 'AI prompt' }).waitFor();
    assert.equal(await page.getByRole('textbox', { name: 'Prompt template' }).isEditable(), false);
    assert.equal(await page.getByRole('button', { name: /^Insert / }).count(), 0);
    assert.equal(await page.getByRole('button', { name: 'Save', exact: true }).count(), 0);
    assert.equal(await page.getByLabel('Tokens per day').isEditable(), false);
    await page.getByTestId('prompt-preview').waitFor();
    await check(page, 'prompt-viewer-en-US-tablet');
    await page.context().close();
  });
});
