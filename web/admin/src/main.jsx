// The admin UI's entry: reads the sign-in config, signs in, reads who the user is (GET /me)
// and shows the page of the route, inside the shell (header, brand navigation).
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import './app.css';
import { api, ApiError } from './lib/api.js';
import { authConfig, completeHostedSignIn, failSignIn, loadConfig, onSession, session, signOut } from './lib/auth.js';
import { LANGUAGES, messages, setLanguage, useLanguage } from './lib/i18n.js';
import { currentPath, match, navigate, usePath } from './lib/router.js';
import { capabilities, ErrorBanner, Loading, Session } from './lib/ui.jsx';
import { Login } from './pages/login.jsx';
import { routes } from './pages/routes.js';

const t = messages({
  'pt-BR': {
    skip: 'Pular para o conteúdo', nav: 'Navegação da marca', platformNav: 'Plataforma', brands: 'Marcas', overview: 'Marca',
    stores: 'Lojas', menu: 'Cardápio', texts: 'Textos e prompt', integrations: 'Integrações', chat: 'Chat de teste',
    customers: 'Clientes e conversas', inbox: 'Atendimento humano', orders: 'Pedidos', metrics: 'Métricas', audit: 'Auditoria',
    privacy: 'LGPD', platformHealth: 'Filas da plataforma', signOut: 'Sair', language: 'Idioma', chooseBrand: 'Marca em uso',
    notFound: 'Página não encontrada', notFoundText: 'Este endereço não existe ou você não tem acesso a ele.', home: 'Ir para o início',
    cannotStart: 'Não foi possível abrir o painel',
  },
  'en-US': {
    skip: 'Skip to content', nav: 'Brand navigation', platformNav: 'Platform', brands: 'Brands', overview: 'Brand',
    stores: 'Stores', menu: 'Menu', texts: 'Texts and prompt', integrations: 'Integrations', chat: 'Test chat',
    customers: 'Customers and conversations', inbox: 'Handoff inbox', orders: 'Orders', metrics: 'Metrics', audit: 'Audit log',
    privacy: 'LGPD', platformHealth: 'Platform queues', signOut: 'Sign out', language: 'Language', chooseBrand: 'Brand in use',
    notFound: 'Page not found', notFoundText: 'This address does not exist or you have no access to it.', home: 'Go to the start',
    cannotStart: 'The admin could not start',
  },
});
const roleNames = {
  'pt-BR': { 'platform-admin': 'admin da plataforma', 'brand-admin': 'admin da marca', 'brand-viewer': 'leitura da marca' },
  'en-US': { 'platform-admin': 'platform admin', 'brand-admin': 'brand admin', 'brand-viewer': 'brand viewer' },
};

// The brand's sections, in the navigation's order. write: shown only to roles that change.
const SECTIONS = [
  { key: 'overview', path: '' },
  { key: 'stores', path: '/stores' },
  { key: 'menu', path: '/menu' },
  { key: 'texts', path: '/texts' },
  { key: 'integrations', path: '/integrations' },
  { key: 'chat', path: '/chat', write: true },
  { key: 'customers', path: '/customers' },
  { key: 'inbox', path: '/inbox' },
  { key: 'orders', path: '/orders' },
  { key: 'metrics', path: '/metrics' },
  { key: 'audit', path: '/audit' },
  { key: 'privacy', path: '/privacy', write: true },
];

function home(me) {
  return me.role === 'platform-admin' ? '/brands' : `/b/${encodeURIComponent(me.clientId)}`;
}

function Shell({ me, brandList, path, children }) {
  const lang = useLanguage();
  const can = capabilities(me);
  const brandMatch = path.match(/^\/b\/([^/?]+)/);
  const brand = brandMatch ? decodeURIComponent(brandMatch[1]) : me.clientId || '';
  const section = brandMatch ? path.slice(brandMatch[0].length).split('?')[0] : null;
  const isCurrent = (s) => section !== null && (s.path === '' ? section === '' || section === '/' : section === s.path || section.startsWith(s.path + '/'));
  return (
    <div class="shell">
      <a class="skip" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById('page-title')?.focus(); }}>{t('skip')}</a>
      <header class="topbar">
        <a class="logo" href={'#' + home(me)}>wabot <span class="env">{authConfig()?.environment}</span></a>
        {can.platform && brandList && brandList.length > 0 && (
          <label class="brand-switch">
            <span>{t('chooseBrand')}</span>
            <select value={brand} onChange={(e) => navigate(`/b/${encodeURIComponent(e.currentTarget.value)}${section || ''}`)}>
              {!brand && <option value="">—</option>}
              {brandList.map((b) => <option value={b.clientId} key={b.clientId}>{b.name || b.clientId}</option>)}
            </select>
          </label>
        )}
        <div class="spacer" />
        <label class="lang">
          <span class="sr-only">{t('language')}</span>
          <select value={lang} onChange={(e) => setLanguage(e.currentTarget.value)}>
            {LANGUAGES.map((l) => <option value={l} key={l}>{l === 'pt-BR' ? 'Português (BR)' : 'English (US)'}</option>)}
          </select>
        </label>
        <span class="who" data-testid="who">
          {me.username} · <span data-role={me.role}>{roleNames[lang][me.role] || me.role}</span>
          {me.clientId && <> · {me.clientId}</>}
        </span>
        <button type="button" class="btn secondary" onClick={() => signOut()}>{t('signOut')}</button>
      </header>
      <div class="layout">
        <nav class="sidenav" aria-label={brand ? t('nav') : t('platformNav')}>
          {can.platform && (
            <ul>
              <li><a href="#/brands" aria-current={path === '/brands' ? 'page' : undefined}>{t('brands')}</a></li>
              <li><a href="#/platform" aria-current={path === '/platform' ? 'page' : undefined}>{t('platformHealth')}</a></li>
            </ul>
          )}
          {brand && (
            <ul>
              {SECTIONS.filter((s) => !s.write || can.write).map((s) => (
                <li key={s.key}>
                  <a href={`#/b/${encodeURIComponent(brand)}${s.path}`} aria-current={isCurrent(s) ? 'page' : undefined}>{t(s.key)}</a>
                </li>
              ))}
            </ul>
          )}
        </nav>
        <main id="main">{children}</main>
      </div>
    </div>
  );
}

function NotFound({ me }) {
  return (
    <section class="page">
      <h1 id="page-title" tabIndex={-1}>{t('notFound')}</h1>
      <p>{t('notFoundText')}</p>
      <p><a href={'#' + home(me)}>{t('home')}</a></p>
    </section>
  );
}

function App() {
  useLanguage();
  const path = usePath();
  const [signedIn, setSignedIn] = useState(!!session());
  const [me, setMe] = useState(null);
  const [brandList, setBrandList] = useState(null);
  const [error, setError] = useState(null);

  useEffect(() => onSession((s) => setSignedIn(!!s)), []);
  useEffect(() => {
    if (!signedIn) {
      setMe(null);
      return;
    }
    let stop = false;
    (async () => {
      try {
        const m = await api.get('/me');
        if (stop) return;
        setMe(m);
        const now = currentPath();
        if (now === '/' || now === '/login') navigate(home(m), { replace: true });
        if (m.role === 'platform-admin') {
          const list = await api.get('/brands');
          if (!stop) setBrandList(list.brands || []);
        }
      } catch (e) {
        if (!stop && !(e instanceof ApiError && e.status === 401)) setError(e);
      }
    })();
    return () => { stop = true; };
  }, [signedIn]);

  // Focus the page's heading after navigating, so keyboard and screen reader users land on it.
  useEffect(() => {
    const h = document.getElementById('page-title');
    if (h && document.activeElement === document.body) h.focus({ preventScroll: true });
  }, [path]);

  if (!signedIn) return <Login />;
  if (error) return <main class="center"><h1>{t('cannotStart')}</h1><ErrorBanner error={error} /></main>;
  if (!me) return <main class="center"><Loading /></main>;

  const can = capabilities(me);
  let content = null;
  for (const r of routes) {
    const params = match(r.path, path);
    if (!params) continue;
    if (r.platform && !can.platform) break;
    if (r.write && !can.write) break;
    if (params.brand && !can.platform && params.brand !== me.clientId) break;
    const P = r.page;
    content = <P key={r.path + '|' + (params.brand || '')} params={params} />;
    break;
  }
  if (!content && (path === '/' || path === '')) content = <Loading />;
  return (
    <Session.Provider value={{ me, can, brandList, setBrandList }}>
      <Shell me={me} brandList={brandList} path={path}>{content || <NotFound me={me} />}</Shell>
    </Session.Provider>
  );
}

async function start() {
  const root = document.getElementById('app');
  try {
    await loadConfig();
  } catch (e) {
    render(<main class="center"><h1>wabot</h1><ErrorBanner error={{ title: 'The admin cannot start', detail: String(e.message || e) }} /></main>, root);
    return;
  }
  if (authConfig().login === 'hosted') {
    // The hosted page's answer (?code=&state=): refused, the sign-in page says why.
    try {
      await completeHostedSignIn();
    } catch (e) {
      failSignIn(String(e.message || e));
    }
  }
  render(<App />, root);
}

start();
