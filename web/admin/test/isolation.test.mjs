// A brand's users see their brand only, wherever they look: every page of the navigation,
// every address of the other brand typed by hand, and every request the pages make.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { apiCall, apiToken, check, launch, login, openPage, startStack, USERS } from './harness.mjs';

const BRANDS = {
  'demo-burger': { admin: USERS.burgerAdmin, viewer: USERS.burgerViewer, own: 'Burger Demo', other: 'demo-pizzaria', otherMarks: ['demo-pizzaria', 'Pizzaria Demo', 'Paulista', '+5511990000001'] },
  'demo-pizzaria': { admin: USERS.pizzariaAdmin, viewer: USERS.pizzariaViewer, own: 'Pizzaria Demo', other: 'demo-burger', otherMarks: ['demo-burger', 'Burger Demo', 'Vila Madalena', '+5511990000002'] },
};

describe('brand isolation in the UI', () => {
  let stack;
  let browser;
  before(async () => {
    stack = await startStack('isolation');
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  for (const [brand, b] of Object.entries(BRANDS)) {
    for (const [role, user] of [['brand-admin', b.admin], ['brand-viewer', b.viewer]]) {
      test(`a ${role} of ${brand} never sees ${b.other}`, async () => {
        const page = await openPage(browser);
        const requested = [];
        page.on('request', (r) => requested.push(r.url()));
        await login(page, stack.base, user);
        await page.waitForURL((u) => u.hash === `#/b/${brand}`);
        // No brand switcher: a brand user has one brand.
        assert.equal(await page.getByLabel('Marca em uso').count(), 0);

        // Every page of the navigation, with what it loads.
        const links = await page.getByRole('navigation').getByRole('link').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
        assert.ok(links.length >= 9, `navigation ${links}`);
        for (const href of links) {
          assert.ok(href.startsWith(`#/b/${brand}`), `a link out of the brand: ${href}`);
          await page.goto(`${stack.base}/admin/${href}`);
          await page.getByRole('heading', { level: 1 }).first().waitFor();
          await page.waitForLoadState('networkidle');
          const text = await page.locator('main').innerText();
          for (const mark of b.otherMarks) assert.ok(!text.includes(mark), `${href} shows "${mark}"`);
          // Store pickers and brand lists offer nothing of the other brand either.
          const options = await page.locator('select option').allTextContents();
          for (const mark of b.otherMarks) assert.ok(!options.some((o) => o.includes(mark)), `${href} offers "${mark}"`);
        }

        // The other brand's addresses, typed by hand: the not-found page, and no request for it.
        for (const path of ['', '/stores', '/menu', '/texts', '/integrations', '/customers', '/inbox', '/orders', '/metrics', '/audit', '/chat', '/privacy', '/stores/centro', '/orders/X1']) {
          await page.goto(`${stack.base}/admin/#/b/${b.other}${path}`);
          await page.getByRole('heading', { name: 'Página não encontrada' }).waitFor();
        }
        for (const path of ['/brands', '/platform']) {
          await page.goto(`${stack.base}/admin/#${path}`);
          await page.getByRole('heading', { name: 'Página não encontrada' }).waitFor();
        }
        await check(page, `isolation-${brand}-${role}-not-found`);
        const leaked = requested.filter((u) => u.includes(b.other) || u.includes('/admin/v1/brands?') || u.endsWith('/admin/v1/brands'));
        assert.deepEqual(leaked, [], 'requests for the other brand or the brand list');
        assert.deepEqual(page.apiRefusals(), [], 'the pages asked the API for something the role may not have');
        await page.context().close();
      });
    }
  }

  test('the API refuses what the UI does not offer: the other brand is 404, the brand list 403', async () => {
    const token = await apiToken(stack.base, USERS.burgerAdmin);
    for (const path of ['/brands/demo-pizzaria', '/brands/demo-pizzaria/stores', '/brands/demo-pizzaria/menu', '/brands/demo-pizzaria/customers', '/brands/demo-pizzaria/metrics']) {
      assert.equal((await apiCall(stack.base, token, 'GET', path)).status, 404, path);
    }
    assert.equal((await apiCall(stack.base, token, 'GET', '/brands')).status, 403);
  });

  test('a platform admin switches between brands, and each page follows', async () => {
    const page = await openPage(browser);
    await login(page, stack.base, USERS.platform);
    const picker = page.getByLabel('Marca em uso');
    await page.goto(`${stack.base}/admin/#/b/demo-burger/stores`);
    await page.getByRole('heading', { level: 1 }).first().waitFor();
    await picker.locator('option', { hasText: 'Pizzaria Demo' }).waitFor({ state: 'attached' });
    assert.deepEqual((await picker.locator('option').allTextContents()).filter((o) => o.includes('Demo')).sort(), ['Burger Demo', 'Pizzaria Demo']);
    await picker.selectOption('demo-pizzaria');
    await page.waitForURL((u) => u.hash === '#/b/demo-pizzaria/stores');
    await page.getByText('Paulista').first().waitFor();
    assert.ok(!(await page.locator('main').innerText()).includes('Vila Madalena'));
    await check(page, 'isolation-platform-switch');
    await page.context().close();
  });
});
