// The sign-in page: the hosted sign-in button (AWS), or the username and password form of
// make dev's emulator pool, which also lists the demo users.
import { useState } from 'preact/hooks';
import { authConfig, signInWithPassword, signOutReason, SignInError, startHostedSignIn, takeSignInError } from '../lib/auth.js';
import { LANGUAGES, messages, setLanguage, useLanguage } from '../lib/i18n.js';
import { Button } from '../lib/ui.jsx';

const t = messages({
  'pt-BR': {
    title: 'Entrar no painel wabot', username: 'Usuário (e-mail)', password: 'Senha', signIn: 'Entrar', signingIn: 'Entrando…',
    hosted: 'Entrar com a conta wabot', wrong: 'Usuário ou senha incorretos.', unreachable: 'Não foi possível falar com o serviço de login. Tente de novo.',
    challenge: 'Esta conta precisa concluir o cadastro ({detail}) antes de entrar.', failed: 'O login falhou: {detail}',
    expired: 'Sua sessão terminou. Entre de novo.', demo: 'Usuários de demonstração (make dev)', demoPassword: 'Senha de todos: {password}',
    use: 'Usar', required: 'Informe usuário e senha.', language: 'Idioma',
  },
  'en-US': {
    title: 'Sign in to wabot admin', username: 'Username (email)', password: 'Password', signIn: 'Sign in', signingIn: 'Signing in…',
    hosted: 'Sign in with your wabot account', wrong: 'Wrong username or password.', unreachable: 'The sign-in service could not be reached. Try again.',
    challenge: 'This account must finish its set-up ({detail}) before signing in.', failed: 'Sign-in failed: {detail}',
    expired: 'Your session ended. Sign in again.', demo: 'Demo users (make dev)', demoPassword: 'Password of all: {password}',
    use: 'Use', required: 'Enter a username and a password.', language: 'Language',
  },
});

export function Login() {
  const lang = useLanguage();
  const cfg = authConfig();
  const [reason] = useState(signOutReason());
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [failed] = useState(takeSignInError());
  const [error, setError] = useState(reason === 'expired' ? t('expired') : failed ? t('failed', { detail: failed }) : '');

  const submit = async (e) => {
    e.preventDefault();
    if (!username.trim() || !password) {
      setError(t('required'));
      return;
    }
    setBusy(true);
    setError('');
    try {
      await signInWithPassword(username, password);
    } catch (err) {
      const code = err instanceof SignInError ? err.code : 'failed';
      setError(t(code, { detail: err.message }));
      setBusy(false);
    }
  };

  return (
    <main class="login" id="main">
      <div class="login-box">
        <div class="login-lang">
          <label>
            <span class="sr-only">{t('language')}</span>
            <select value={lang} onChange={(e) => setLanguage(e.currentTarget.value)}>
              {LANGUAGES.map((l) => <option value={l} key={l}>{l === 'pt-BR' ? 'Português (BR)' : 'English (US)'}</option>)}
            </select>
          </label>
        </div>
        <h1 id="page-title" tabIndex={-1}>{t('title')}</h1>
        {error && <p class="banner error" role="alert">{error}</p>}
        {cfg.login === 'hosted' ? (
          <Button kind="primary" onClick={() => startHostedSignIn()}>{t('hosted')}</Button>
        ) : (
          <form onSubmit={submit} noValidate>
            <div class="field">
              <label for="login-username">{t('username')}</label>
              <input id="login-username" name="username" type="email" autoComplete="username" value={username}
                onInput={(e) => setUsername(e.currentTarget.value)} />
            </div>
            <div class="field">
              <label for="login-password">{t('password')}</label>
              <input id="login-password" name="password" type="password" autoComplete="current-password" value={password}
                onInput={(e) => setPassword(e.currentTarget.value)} />
            </div>
            <button type="submit" class="btn primary" disabled={busy}>{busy ? t('signingIn') : t('signIn')}</button>
          </form>
        )}
        {cfg.demoUsers?.length > 0 && (
          <section class="demo-users" aria-labelledby="demo-title">
            <h2 id="demo-title">{t('demo')}</h2>
            <p class="muted">{t('demoPassword', { password: cfg.demoPassword })}</p>
            <ul>
              {cfg.demoUsers.map((u) => (
                <li key={u.username}>
                  <button type="button" class="link" onClick={() => { setUsername(u.username); setPassword(cfg.demoPassword || ''); }}>
                    {t('use')} <code>{u.username}</code>
                  </button>
                </li>
              ))}
            </ul>
          </section>
        )}
      </div>
    </main>
  );
}
