// Signing in as each role, and what each role is offered.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { check, launch, login, openPage, startStack, USERS, VIEWPORTS } from './harness.mjs';

describe('sign-in and roles', () => {
  let stack;
  let browser;
  before(async () => {
    stack = await startStack('roles');
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  test('the sign-in page, in both languages, refuses a wrong password with a clear message', async () => {
    const page = await openPage(browser, { locale: 'en-US' });
    await page.goto(`${stack.base}/admin/`);
    await page.getByRole('heading', { name: 'Sign in to wabot admin' }).waitFor();
    await check(page, 'login-en-US');
    await page.getByLabel('Language').selectOption('pt-BR');
    await page.getByRole('heading', { name: 'Entrar no painel wabot' }).waitFor();
    await page.getByRole('textbox', { name: /^Usuário/ }).fill(USERS.burgerAdmin);
    await page.getByLabel('Senha').fill('not-the-password');
    await page.getByRole('button', { name: 'Entrar' }).click();
    await page.getByRole('alert').filter({ hasText: 'Usuário ou senha incorretos.' }).waitFor();
    await check(page, 'login-pt-BR-wrong-password');
    await page.context().close();
  });

  const cases = [
    { who: 'platform admin', user: USERS.platform, role: 'platform-admin', home: '/brands', sees: ['Marcas', 'Filas da plataforma'], hidden: [] },
    { who: 'brand admin', user: USERS.burgerAdmin, role: 'brand-admin', home: '/b/demo-burger', sees: ['Chat de teste', 'LGPD', 'Lojas'], hidden: ['Marcas', 'Filas da plataforma'] },
    { who: 'brand viewer', user: USERS.burgerViewer, role: 'brand-viewer', home: '/b/demo-burger', sees: ['Lojas', 'Pedidos'], hidden: ['Marcas', 'Chat de teste', 'LGPD'] },
  ];
  for (const c of cases) {
    test(`a ${c.who} signs in and is offered what the role may do`, async () => {
      for (const [size, viewport] of Object.entries(VIEWPORTS)) {
        const page = await openPage(browser, { viewport });
        await login(page, stack.base, c.user);
        await page.waitForURL((u) => u.hash === '#' + c.home);
        assert.equal(await page.getByTestId('who').locator('[data-role]').getAttribute('data-role'), c.role);
        const nav = page.getByRole('navigation');
        for (const label of c.sees) assert.equal(await nav.getByRole('link', { name: label, exact: true }).count(), 1, `${c.who} sees ${label}`);
        for (const label of c.hidden) assert.equal(await nav.getByRole('link', { name: label, exact: true }).count(), 0, `${c.who} is not offered ${label}`);
        await page.getByRole('heading', { level: 1 }).waitFor();
        await check(page, `home-${c.role}-${size}`);
        if (c.role === 'brand-viewer') {
          // A viewer reads the brand's settings but has nothing to save.
          assert.equal(await page.getByRole('button', { name: 'Salvar' }).count(), 0);
          assert.ok(await page.getByLabel('Nome').isDisabled());
        }
        await page.getByRole('button', { name: 'Sair' }).click();
        await page.getByRole('button', { name: 'Entrar' }).waitFor();
        await page.context().close();
      }
    });
  }
});
