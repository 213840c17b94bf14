// Two languages, pt-BR and en-US. Each module keeps its own messages next to its code:
//
//   const t = messages({ 'pt-BR': { title: 'Lojas' }, 'en-US': { title: 'Stores' } });
//   t('title')                       // in the current language
//   t('greeting', { name: 'Ana' })   // "{name}" placeholders
//
// A key missing in the current language falls back to en-US, then to the key itself (and a
// console.warn in development builds would be noise in the tests' console check: no warning).
import { useEffect, useState } from 'preact/hooks';

export const LANGUAGES = ['pt-BR', 'en-US'];
const STORAGE_KEY = 'wabot.lang';

function initial() {
  const saved = localStorage.getItem(STORAGE_KEY);
  if (LANGUAGES.includes(saved)) return saved;
  return (navigator.language || '').toLowerCase().startsWith('pt') ? 'pt-BR' : 'en-US';
}

let current = initial();
const listeners = new Set();

export function language() {
  return current;
}

export function setLanguage(lang) {
  if (!LANGUAGES.includes(lang) || lang === current) return;
  current = lang;
  localStorage.setItem(STORAGE_KEY, lang);
  document.documentElement.lang = lang;
  listeners.forEach((fn) => fn(lang));
}

// useLanguage re-renders the component when the language changes.
export function useLanguage() {
  const [lang, set] = useState(current);
  useEffect(() => {
    listeners.add(set);
    return () => listeners.delete(set);
  }, []);
  return lang;
}

function fill(text, vars) {
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (m, k) => (vars[k] === undefined || vars[k] === null ? m : String(vars[k])));
}

// messages returns t(key, vars) over a module's dictionaries.
export function messages(dicts) {
  return (key, vars) => {
    const text = dicts[current]?.[key] ?? dicts['en-US']?.[key] ?? common[current]?.[key] ?? common['en-US']?.[key] ?? key;
    return fill(text, vars);
  };
}

// Words every page uses.
const common = {
  'pt-BR': {
    save: 'Salvar', saving: 'Salvando…', saved: 'Salvo', cancel: 'Cancelar', delete: 'Excluir', edit: 'Editar', create: 'Criar',
    add: 'Adicionar', remove: 'Remover', close: 'Fechar', back: 'Voltar', refresh: 'Atualizar', loading: 'Carregando…', search: 'Buscar',
    yes: 'Sim', no: 'Não', active: 'Ativo', inactive: 'Inativo', none: 'Nenhum', all: 'Todos', store: 'Loja', stores: 'Lojas',
    brand: 'Marca', status: 'Status', actions: 'Ações', date: 'Data', total: 'Total', next: 'Próxima página', previous: 'Página anterior',
    readOnly: 'Somente leitura: seu perfil pode ver, mas não alterar.', confirm: 'Confirmar', empty: 'Nada por aqui ainda.',
    fixErrors: 'Corrija os campos marcados.', requestId: 'ID da requisição', preview: 'Prévia', send: 'Enviar',
  },
  'en-US': {
    save: 'Save', saving: 'Saving…', saved: 'Saved', cancel: 'Cancel', delete: 'Delete', edit: 'Edit', create: 'Create',
    add: 'Add', remove: 'Remove', close: 'Close', back: 'Back', refresh: 'Refresh', loading: 'Loading…', search: 'Search',
    yes: 'Yes', no: 'No', active: 'Active', inactive: 'Inactive', none: 'None', all: 'All', store: 'Store', stores: 'Stores',
    brand: 'Brand', status: 'Status', actions: 'Actions', date: 'Date', total: 'Total', next: 'Next page', previous: 'Previous page',
    readOnly: 'Read only: your role can look but not change.', confirm: 'Confirm', empty: 'Nothing here yet.',
    fixErrors: 'Fix the marked fields.', requestId: 'Request id', preview: 'Preview', send: 'Send',
  },
};

// t for the common words alone.
export const tc = messages({});

// Formatting in the current language. Amounts are integer cents of BRL, as the API keeps them.
export function money(cents) {
  if (cents === undefined || cents === null) return '';
  return new Intl.NumberFormat(current, { style: 'currency', currency: 'BRL' }).format(cents / 100);
}

export function number(n, opts) {
  return new Intl.NumberFormat(current, opts).format(n ?? 0);
}

export function dateTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return new Intl.DateTimeFormat(current, { dateStyle: 'short', timeStyle: 'short', timeZone: 'America/Sao_Paulo' }).format(d);
}

export function day(isoDay) {
  // "2026-12-03" → "03/12" (pt-BR) or "12/03" (en-US)
  const [y, m, d] = String(isoDay).split('-').map(Number);
  if (!y) return String(isoDay);
  return new Intl.DateTimeFormat(current, { day: '2-digit', month: '2-digit', timeZone: 'UTC' }).format(Date.UTC(y, m - 1, d));
}

document.documentElement.lang = current;
