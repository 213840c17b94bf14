// The bot's texts (/b/:brand/texts): every text of the conversation catalog, grouped by the
// part of the conversation it belongs to, with its arguments, its default per language and
// the brand's override per language; a preview renders a text with sample values (POST
// texts/preview) and saving replaces all the overrides (PUT texts).
// The AI prompt (/b/:brand/texts/prompt): the template with a help list of its variables
// (inserted at the cursor), a live preview for a store and language (POST prompt/preview,
// debounced), restore to the platform's default, and the daily token budget (platform admins
// change it; brand admins read it).
import './texts.css';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, ApiError, brandPath } from '../lib/api.js';
import { useAction, useLoad } from '../lib/data.js';
import { messages, number } from '../lib/i18n.js';
import {
  Badge, Button, Card, Empty, ErrorBanner, Field, FormActions, Loading, Page, ReadOnlyNote, SelectField, StorePicker, Success, Switch, TextArea,
  TextField, useSession,
} from '../lib/ui.jsx';

const t = messages({
  'pt-BR': {
    title: 'Textos do bot', promptTitle: 'Prompt da IA', tabs: 'Textos e prompt',
    subtitle: 'As mensagens que o bot envia aos clientes. Um texto personalizado substitui o padrão no idioma dele; vazio, vale o padrão.',
    search: 'Buscar textos', searchHint: 'Pelo identificador ou por uma palavra do texto.', onlyCustom: 'Só os personalizados',
    count: '{n} textos · {custom} personalizados', groupCount: '{n} textos, {custom} personalizados', noMatch: 'Nenhum texto encontrado.',
    default: 'Padrão ({lang})', override: 'Texto personalizado ({lang})', overrideHint: 'Vazio: usa o padrão.',
    variables: 'Variáveis', noVariables: 'Sem variáveis.', variablesHint: 'Use as mesmas variáveis, na mesma ordem do padrão.',
    customised: 'Personalizado', preview: 'Prévia', previewOf: 'Prévia ({lang})', previewing: 'Gerando prévia…',
    copyDefault: 'Copiar o padrão', saveAll: 'Salvar todos os textos', saved: 'Textos salvos.', unsaved: '{n} texto(s) com alterações não salvas.',
    errorsTitle: 'Textos com problemas', expand: 'Mostrar', collapse: 'Ocultar',
    g_welcome: 'Boas-vindas e despedida', g_stores: 'Lojas e horários', g_menu: 'Cardápio', g_cart: 'Carrinho',
    g_delivery: 'Entrega e retirada', g_payment: 'Pagamento', g_order: 'Resumo e pedido', g_support: 'Atendimento, ajuda e privacidade',
    g_other: 'Outros',
    // prompt
    promptSubtitle: 'As instruções que o modelo de IA recebe em cada conversa, com os dados da marca preenchidos pela plataforma.',
    template: 'Modelo do prompt', templateHint: 'Variáveis entre chaves duplas, como {{store}}. Igual ao padrão ou vazio: usa o prompt padrão da plataforma.',
    usingDefault: 'Usando o padrão da plataforma', custom: 'Personalizado', unsavedPrompt: 'Alterações não salvas',
    restore: 'Restaurar o padrão', restored: 'O padrão foi colocado no editor: salve para aplicar.', savedPrompt: 'Prompt salvo.',
    varsTitle: 'Variáveis disponíveis', varsHelp: 'Clique numa variável (ou use Enter) para inseri-la na posição do cursor.',
    varsHelpRo: 'As variáveis que o modelo pode usar.', insert: 'Inserir',
    previewTitle: 'Prévia ao vivo', language: 'Idioma', brandLanguage: 'Idioma padrão da marca', updating: 'Atualizando…',
    size: '≈ {tokens} tokens · {chars} caracteres', noStore: 'Crie uma loja para ver a prévia.', fixTemplate: 'Corrija o modelo para ver a prévia.',
    rendered: 'Prompt gerado',
    budget: 'Orçamento diário de tokens', budgetLabel: 'Tokens por dia',
    budgetHint: 'O máximo de tokens do modelo que a marca pode usar por dia (dia de São Paulo, todas as lojas). 0 volta ao padrão da plataforma.',
    budgetRo: 'Só a administração da plataforma altera o orçamento: ele limita quanto a plataforma paga pelo modelo para esta marca.',
    budgetInvalid: 'Digite um número inteiro de 0 em diante.', saveBudget: 'Salvar orçamento', savedBudget: 'Orçamento salvo.',
    invalidTitle: 'Valores inválidos',
  },
  'en-US': {
    title: 'Bot texts', promptTitle: 'AI prompt', tabs: 'Texts and prompt',
    subtitle: 'The messages the bot sends to customers. A custom text replaces the default in its language; left empty, the default applies.',
    search: 'Search texts', searchHint: 'By identifier or by a word of the text.', onlyCustom: 'Custom texts only',
    count: '{n} texts · {custom} custom', groupCount: '{n} texts, {custom} custom', noMatch: 'No text found.',
    default: 'Default ({lang})', override: 'Custom text ({lang})', overrideHint: 'Empty: the default is used.',
    variables: 'Variables', noVariables: 'No variables.', variablesHint: 'Use the same variables, in the same order as the default.',
    customised: 'Custom', preview: 'Preview', previewOf: 'Preview ({lang})', previewing: 'Rendering preview…',
    copyDefault: 'Copy the default', saveAll: 'Save all texts', saved: 'Texts saved.', unsaved: '{n} text(s) with unsaved changes.',
    errorsTitle: 'Texts with problems', expand: 'Show', collapse: 'Hide',
    g_welcome: 'Welcome and goodbye', g_stores: 'Stores and opening hours', g_menu: 'Menu', g_cart: 'Cart',
    g_delivery: 'Delivery and pickup', g_payment: 'Payment', g_order: 'Summary and order', g_support: 'Support, help and privacy',
    g_other: 'Other',
    promptSubtitle: 'The instructions the AI model gets in every conversation, with the brand\'s data filled in by the platform.',
    template: 'Prompt template', templateHint: 'Variables between double braces, such as {{store}}. Same as the default or empty: the platform\'s default prompt is used.',
    usingDefault: 'Using the platform default', custom: 'Custom', unsavedPrompt: 'Unsaved changes',
    restore: 'Restore default', restored: 'The default is in the editor: save to apply it.', savedPrompt: 'Prompt saved.',
    varsTitle: 'Available variables', varsHelp: 'Click a variable (or press Enter) to insert it at the cursor.',
    varsHelpRo: 'The variables the template may use.', insert: 'Insert',
    previewTitle: 'Live preview', language: 'Language', brandLanguage: 'Brand\'s default language', updating: 'Updating…',
    size: '≈ {tokens} tokens · {chars} characters', noStore: 'Create a store to see the preview.', fixTemplate: 'Fix the template to see the preview.',
    rendered: 'Rendered prompt',
    budget: 'Daily token budget', budgetLabel: 'Tokens per day',
    budgetHint: 'The most model tokens the brand may use a day (São Paulo\'s day, all stores). 0 returns to the platform default.',
    budgetRo: 'Only platform admins change the budget: it bounds what the platform pays for the model for this brand.',
    budgetInvalid: 'Enter a whole number from 0 up.', saveBudget: 'Save budget', savedBudget: 'Budget saved.',
    invalidTitle: 'Invalid values',
  },
});

// GROUPS put the catalog's texts in the order of a conversation; a text not listed (a new
// one) goes to "other".
const GROUPS = [
  ['welcome', ['hello', 'default_welcome', 'greeting_again', 'opt_in', 'opt_out', 'inactive_client', 'thanks']],
  ['stores', ['choose_store', 'change_store', 'store_intro', 'store_unavailable', 'store_unavail_none', 'store_gone_choose', 'no_store',
    'invalid_choice', 'no_such_number', 'reply_number', 'closed', 'closed_no_hours', 'today', 'tomorrow']],
  ['menu', ['menu_intro', 'menu_footer', 'category_footer', 'no_menu', 'extras', 'help', 'help_intro', 'unknown_item', 'which_one',
    'pick_from_list', 'unavailable', 'ask_size']],
  ['cart', ['added', 'removed', 'cannot_add', 'not_in_cart', 'cart_head', 'cart_footer', 'cart_empty', 'cart_cleared', 'cart_full', 'too_many',
    'one_at_a_time', 'subtotal']],
  ['delivery', ['ask_fulfillment', 'delivery_option', 'pickup_option', 'ask_address', 'bad_address', 'deliver_to', 'pickup_at', 'no_delivery',
    'no_pickup', 'no_fulfillment', 'fee', 'fee_free', 'free_above', 'about_minutes', 'eta_delivery', 'eta_pickup', 'below_minimum']],
  ['payment', ['ask_payment', 'pay_pix', 'pay_credit', 'pay_credit_link', 'pay_debit', 'payment_is', 'payment_not_accepted', 'ask_cpf', 'bad_cpf',
    'pix_code', 'pix_page', 'pay_by_link', 'awaiting_link', 'awaiting_payment', 'link_expired', 'payment_confirmed', 'payment_expired',
    'charge_failed', 'paid_after_cancel', 'paid_twice', 'refunded']],
  ['order', ['summary_head', 'confirm_question', 'total', 'placed', 'placed_link', 'placed_pix', 'already_placed', 'cancel_placed', 'cancelled',
    'cancelled_by_store', 'cancelled_refunded', 'order_cancelled', 'checkout_stopped']],
  ['support', ['handoff', 'bot_back', 'not_understood', 'cannot_process', 'still_lost', 'erase_ask', 'erase_done', 'erase_kept', 'erase_unavailable']],
];
const groupOf = new Map(GROUPS.flatMap(([g, ids]) => ids.map((id, i) => [id, [g, i]])));

// fieldMessages is every message an error gives for field (a template can have several).
function fieldMessages(err, field) {
  if (!(err instanceof ApiError)) return '';
  return (err.problem.errors || []).filter((e) => e.field === field).map((e) => e.message).join(' · ');
}

function Tabs({ brand, current }) {
  const base = `#/b/${encodeURIComponent(brand)}/texts`;
  return (
    <nav class="texts-tabs" aria-label={t('tabs')}>
      <a href={base} aria-current={current === 'texts' ? 'page' : undefined}>{t('title')}</a>
      <a href={`${base}/prompt`} aria-current={current === 'prompt' ? 'page' : undefined}>{t('promptTitle')}</a>
    </nav>
  );
}

// ---- texts ----------------------------------------------------------------------------------

function overridesOf(catalog) {
  const out = {};
  for (const x of catalog.texts || []) out[x.id] = { ...(x.overrides || {}) };
  return out;
}

// clean drops empty overrides: what PUT texts takes.
function clean(over) {
  const out = {};
  for (const [id, langs] of Object.entries(over)) {
    const kept = {};
    for (const [lang, s] of Object.entries(langs || {})) if (s && s.trim()) kept[lang] = s;
    if (Object.keys(kept).length) out[id] = kept;
  }
  return out;
}

function TextsPage({ params }) {
  const { can } = useSession();
  const brand = params.brand;
  const path = brandPath(brand, 'texts');
  const catalog = useLoad(() => api.get(path), [path]);
  const [over, setOver] = useState(null);
  const [stored, setStored] = useState({});
  const [search, setSearch] = useState('');
  const [onlyCustom, setOnlyCustom] = useState(false);
  const [open, setOpen] = useState({});
  const [previews, setPreviews] = useState({});
  const [ok, setOk] = useState('');
  const save = useAction((texts) => api.put(path, { texts }));

  useEffect(() => {
    if (catalog.data) {
      setOver(overridesOf(catalog.data));
      setStored(clean(overridesOf(catalog.data)));
    }
  }, [catalog.data]);

  const texts = catalog.data?.texts || [];
  const languages = catalog.data?.languages || ['pt-BR', 'en-US'];
  const grouped = useMemo(() => {
    const groups = new Map([...GROUPS.map(([g]) => [g, []]), ['other', []]]);
    for (const x of texts) groups.get(groupOf.get(x.id)?.[0] || 'other').push(x);
    for (const [g, list] of groups) list.sort((a, b) => (groupOf.get(a.id)?.[1] ?? 999) - (groupOf.get(b.id)?.[1] ?? 999) || a.id.localeCompare(b.id));
    return [...groups].filter(([, list]) => list.length > 0);
  }, [texts]);

  if (catalog.loading) return <Page title={t('title')}><Tabs brand={brand} current="texts" /><Loading /></Page>;
  if (catalog.error) return <Page title={t('title')}><Tabs brand={brand} current="texts" /><ErrorBanner error={catalog.error} /></Page>;
  if (!over) return null;

  const current = clean(over);
  const isCustom = (id) => !!current[id];
  const changed = new Set([...Object.keys(current), ...Object.keys(stored)].filter((id) => JSON.stringify(current[id] || {}) !== JSON.stringify(stored[id] || {})));
  const q = search.trim().toLowerCase();
  const matches = (x) => (!onlyCustom || isCustom(x.id)) && (!q || x.id.toLowerCase().includes(q)
    || Object.values(x.defaults || {}).some((s) => s.toLowerCase().includes(q))
    || Object.values(over[x.id] || {}).some((s) => s.toLowerCase().includes(q))
    || x.args.some((a) => a.toLowerCase().includes(q)));
  const filtering = !!q || onlyCustom;
  // Errors of the last save, by text id: their groups open so the messages show.
  const errorIds = new Set((save.error?.problem?.errors || []).map((e) => /^texts\.([^.]+)/.exec(e.field || '')?.[1]).filter(Boolean));

  const setText = (id, lang, v) => {
    setOk('');
    setOver((o) => ({ ...o, [id]: { ...(o[id] || {}), [lang]: v } }));
  };
  const preview = async (x) => {
    setPreviews((p) => ({ ...p, [x.id]: { busy: true } }));
    const out = {};
    let error = null;
    for (const lang of languages) {
      const own = over[x.id]?.[lang];
      try {
        const r = await api.post(brandPath(brand, 'texts', 'preview'), { id: x.id, language: lang, text: own && own.trim() ? own : x.defaults[lang] });
        out[lang] = r.text;
      } catch (e) {
        error = e;
      }
    }
    setPreviews((p) => ({ ...p, [x.id]: { texts: out, error } }));
  };
  const submit = async (e) => {
    e.preventDefault();
    setOk('');
    const r = await save.run(current);
    if (r) {
      setOver(overridesOf(r));
      setStored(clean(overridesOf(r)));
      setOk(t('saved'));
    }
  };

  const customCount = Object.keys(current).length;
  return (
    <Page title={t('title')} subtitle={t('subtitle')}>
      <Tabs brand={brand} current="texts" />
      <ReadOnlyNote />
      <form onSubmit={submit} noValidate>
        <Card>
          <div class="texts-filters">
            <TextField label={t('search')} name="search" type="search" value={search} onInput={setSearch} hint={t('searchHint')} />
            <Switch label={t('onlyCustom')} checked={onlyCustom} onChange={setOnlyCustom} />
            <p class="muted small texts-count">{t('count', { n: texts.length, custom: customCount })}</p>
          </div>
        </Card>
        {grouped.map(([g, list]) => {
          const shown = list.filter(matches);
          if (filtering && shown.length === 0) return null;
          const expanded = filtering || !!open[g] || shown.some((x) => errorIds.has(x.id));
          const custom = list.filter((x) => isCustom(x.id)).length;
          const panel = `texts-group-${g}`;
          return (
            <section class="card texts-group" key={g} aria-labelledby={`${panel}-title`}>
              <h2 id={`${panel}-title`} class="texts-group-head">
                <button type="button" class="texts-toggle" aria-expanded={expanded ? 'true' : 'false'} aria-controls={panel}
                  disabled={filtering} onClick={() => setOpen((o) => ({ ...o, [g]: !o[g] }))}>
                  <span class="texts-chevron" aria-hidden="true">{expanded ? '▾' : '▸'}</span>
                  <span>{t(`g_${g}`)}</span>
                  <span class="muted small texts-group-count">{t('groupCount', { n: list.length, custom })}</span>
                </button>
              </h2>
              <div id={panel} hidden={!expanded}>
                {expanded && shown.map((x) => (
                  <TextItem key={x.id} x={x} languages={languages} values={over[x.id] || {}} custom={isCustom(x.id)} changed={changed.has(x.id)}
                    canWrite={can.write} saveError={save.error} preview={previews[x.id]} onPreview={() => preview(x)}
                    onInput={(lang, v) => setText(x.id, lang, v)} />
                ))}
              </div>
            </section>
          );
        })}
        {filtering && grouped.every(([, list]) => list.filter(matches).length === 0) && <Card><Empty>{t('noMatch')}</Empty></Card>}
        {can.write && save.error && (
          <div class="texts-save-errors">
            <ErrorBanner error={save.error} />
            {save.error.hasFields?.() && (
              <ul class="texts-errors" aria-label={t('errorsTitle')}>
                {save.error.problem.errors.map((e, i) => (
                  <li key={i}>
                    <button type="button" class="link" onClick={() => focusField(e.field)}><code>{e.field}</code></button>: {e.message}
                  </li>
                ))}
              </ul>
            )}
          </div>
        )}
        {can.write && (
          <div class="texts-savebar">
            <Success>{ok}</Success>
            <div class="row texts-savebar-row">
              <button type="submit" class="btn primary" disabled={save.busy}>{save.busy ? t('saving') : t('saveAll')}</button>
              {changed.size > 0 && <span class="small texts-unsaved">{t('unsaved', { n: changed.size })}</span>}
            </div>
          </div>
        )}
      </form>
    </Page>
  );
}

// focusField shows the textarea of an error's field ("texts.thanks.pt-BR").
function focusField(field) {
  const el = document.querySelector(`[name="${CSS.escape(field)}"]`);
  if (el) {
    el.scrollIntoView({ block: 'center' });
    el.focus({ preventScroll: true });
  }
}

function TextItem({ x, languages, values, custom, changed, canWrite, saveError, preview, onPreview, onInput }) {
  const head = `text-${x.id}`;
  return (
    <article class="texts-item" aria-labelledby={head} data-text={x.id}>
      <div class="texts-item-head">
        <h3 id={head}><code>{x.id}</code></h3>
        {custom && <Badge tone="info">{t('customised')}</Badge>}
        {changed && <Badge tone="warn">{t('unsavedPrompt')}</Badge>}
      </div>
      <div class="texts-vars small">
        <span class="texts-vars-label">{t('variables')}:</span>
        {x.verbs.length === 0 ? <span class="muted"> {t('noVariables')}</span> : (
          <ol class="texts-vars-list">
            {x.verbs.map((v, i) => <li key={i}><code>{v}</code> {x.args[i] || ''}</li>)}
          </ol>
        )}
      </div>
      <div class="texts-langs">
        {languages.map((lang) => {
          const field = `texts.${x.id}.${lang}`;
          const msg = fieldMessages(saveError, field) || fieldMessages(preview?.error, field);
          const value = values[lang] || '';
          return (
            <div class="texts-lang" key={lang}>
              <p class="texts-default-label small">{t('default', { lang })}</p>
              <p class="texts-default">{x.defaults[lang]}</p>
              <TextArea label={t('override', { lang })} name={field} value={value} onInput={(v) => onInput(lang, v)} rows={3}
                disabled={!canWrite} error={msg || undefined} hint={canWrite ? t('overrideHint') : undefined} />
              {canWrite && !value && x.defaults[lang] && (
                <button type="button" class="link small texts-copy" onClick={() => onInput(lang, x.defaults[lang])}>
                  {t('copyDefault')}<span class="sr-only"> — {x.id} ({lang})</span>
                </button>
              )}
              {preview?.texts?.[lang] !== undefined && (
                <div class="texts-preview">
                  <p class="small texts-preview-label">{t('previewOf', { lang })}</p>
                  <p class="texts-preview-text" data-lang={lang}>{preview.texts[lang]}</p>
                </div>
              )}
            </div>
          );
        })}
      </div>
      <div class="row texts-item-actions">
        <Button class="btn small secondary" busy={preview?.busy} onClick={onPreview}>{t('preview')}<span class="sr-only"> — {x.id}</span></Button>
        <span role="status" class="small muted">{preview?.busy ? t('previewing') : ''}</span>
      </div>
      {preview?.error && !preview.error.hasFields?.() && <ErrorBanner error={preview.error} />}
    </article>
  );
}

// ---- prompt ---------------------------------------------------------------------------------

function PromptPage({ params }) {
  const { can } = useSession();
  const brand = params.brand;
  const path = brandPath(brand, 'prompt');
  const data = useLoad(() => api.get(path), [path]);
  const stores = useLoad(() => api.get(brandPath(brand, 'stores')).then((r) => r.stores || []), [brand]);
  const [tmpl, setTmpl] = useState(null);
  const [budget, setBudget] = useState('');
  const [storeId, setStoreId] = useState('');
  const [lang, setLang] = useState('');
  const [pv, setPv] = useState({ text: '', error: null, busy: false });
  const [ok, setOk] = useState('');
  const [note, setNote] = useState('');
  const [saveError, setSaveError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [budgetOk, setBudgetOk] = useState('');
  const [budgetError, setBudgetError] = useState(null);
  const [budgetBusy, setBudgetBusy] = useState(false);
  const ref = useRef(null);
  const caret = useRef(null);
  const seq = useRef(0);

  const view = data.data;
  const def = view?.variables?.default || '';
  useEffect(() => {
    if (view) {
      setTmpl(view.aiPromptTemplate || def);
      setBudget(String(view.aiDailyTokenBudget ?? ''));
    }
  }, [view]);
  useEffect(() => {
    if (!storeId && stores.data?.length) setStoreId(stores.data[0].storeId);
  }, [stores.data]);
  // The live preview: 500 ms after the last change, the newest answer only.
  useEffect(() => {
    if (tmpl === null || !storeId) return undefined;
    const n = ++seq.current;
    setPv((p) => ({ ...p, busy: true }));
    const id = setTimeout(async () => {
      try {
        const r = await api.post(brandPath(brand, 'prompt', 'preview'), { storeId, language: lang || undefined, template: tmpl });
        if (n === seq.current) setPv({ text: r.text, error: null, busy: false });
      } catch (e) {
        if (n === seq.current) setPv((p) => ({ text: p.text, error: e, busy: false }));
      }
    }, 500);
    return () => clearTimeout(id);
  }, [tmpl, storeId, lang]);
  // Put the cursor after an inserted variable once the textarea shows it.
  useEffect(() => {
    if (caret.current !== null && ref.current) {
      ref.current.focus();
      ref.current.setSelectionRange(caret.current, caret.current);
      caret.current = null;
    }
  }, [tmpl]);

  if (data.loading) return <Page title={t('promptTitle')}><Tabs brand={brand} current="prompt" /><Loading /></Page>;
  if (data.error) return <Page title={t('promptTitle')}><Tabs brand={brand} current="prompt" /><ErrorBanner error={data.error} /></Page>;
  if (tmpl === null) return null;

  const ro = !can.write;
  const variables = view.variables?.variables || [];
  const storedTmpl = view.aiPromptTemplate || '';
  const usesDefault = (s) => s.trim() === '' || s === def;
  const dirty = (usesDefault(tmpl) ? '' : tmpl) !== storedTmpl;
  const templateMsg = fieldMessages(saveError, 'aiPromptTemplate') || fieldMessages(pv.error, 'aiPromptTemplate');

  const edit = (v) => {
    setTmpl(v);
    setSaveError(null);
    setOk('');
    setNote('');
  };
  const insert = (name) => {
    const el = ref.current;
    const text = `{{${name}}}`;
    const start = el ? el.selectionStart ?? tmpl.length : tmpl.length;
    const end = el ? el.selectionEnd ?? start : start;
    caret.current = start + text.length;
    edit(tmpl.slice(0, start) + text + tmpl.slice(end));
  };
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setSaveError(null);
    setOk('');
    setNote('');
    try {
      const r = await api.put(path, { aiPromptTemplate: usesDefault(tmpl) ? '' : tmpl });
      data.setData(r);
      setOk(t('savedPrompt'));
    } catch (err) {
      setSaveError(err);
    } finally {
      setBusy(false);
    }
  };
  const submitBudget = async (e) => {
    e.preventDefault();
    setBudgetOk('');
    const s = budget.trim();
    if (!/^\d+$/.test(s)) {
      setBudgetError(new ApiError(422, { title: t('invalidTitle'), errors: [{ field: 'aiDailyTokenBudget', message: t('budgetInvalid') }] }));
      return;
    }
    setBudgetBusy(true);
    setBudgetError(null);
    try {
      // Only the budget is sent and shown again: the template being edited stays as it is.
      const r = await api.put(path, { aiDailyTokenBudget: Number(s) });
      setBudget(String(r.aiDailyTokenBudget));
      setBudgetOk(t('savedBudget'));
    } catch (err) {
      setBudgetError(err);
    } finally {
      setBudgetBusy(false);
    }
  };

  const langOptions = [{ value: '', label: t('brandLanguage') }, { value: 'pt-BR', label: 'Português (BR)' }, { value: 'en-US', label: 'English (US)' }];
  return (
    <Page title={t('promptTitle')} subtitle={t('promptSubtitle')}>
      <Tabs brand={brand} current="prompt" />
      <ReadOnlyNote />
      <Card id="prompt-template" title={t('template')}
        actions={<>
          {storedTmpl ? <Badge tone="info">{t('custom')}</Badge> : <Badge>{t('usingDefault')}</Badge>}
          {dirty && <Badge tone="warn">{t('unsavedPrompt')}</Badge>}
        </>}>
        <form onSubmit={submit} noValidate>
          <div class="prompt-layout">
            <Field label={t('template')} name="aiPromptTemplate" error={templateMsg || undefined} hint={t('templateHint')} class="prompt-editor">
              {(p) => (
                <textarea {...p} ref={ref} class="prompt-mono" rows={18} spellcheck={false} readOnly={ro} value={tmpl}
                  onInput={(e) => edit(e.currentTarget.value)} />
              )}
            </Field>
            <section class="prompt-vars" aria-labelledby="prompt-vars-title">
              <h3 id="prompt-vars-title">{t('varsTitle')}</h3>
              <p class="hint">{ro ? t('varsHelpRo') : t('varsHelp')}</p>
              <ul>
                {variables.map((v) => (
                  <li key={v.name}>
                    {ro ? <code>{`{{${v.name}}}`}</code> : (
                      <button type="button" class="btn small secondary prompt-var" onClick={() => insert(v.name)}>
                        <span class="sr-only">{t('insert')} </span><code>{`{{${v.name}}}`}</code>
                      </button>
                    )}
                    <span class="small prompt-var-desc">{v.description}</span>
                  </li>
                ))}
              </ul>
            </section>
          </div>
          {!ro && (
            <div class="form-actions">
              <ErrorBanner error={saveError} />
              <Success>{ok}</Success>
              {note && <p class="muted small" role="status">{note}</p>}
              <div class="row">
                <button type="submit" class="btn primary" disabled={busy}>{busy ? t('saving') : t('save')}</button>
                <Button disabled={tmpl === def} onClick={() => { edit(def); setNote(t('restored')); }}>{t('restore')}</Button>
              </div>
            </div>
          )}
        </form>
      </Card>

      <Card id="prompt-preview" title={t('previewTitle')}>
        {stores.data && stores.data.length === 0 ? <p class="muted">{t('noStore')}</p> : (
          <>
            <div class="grid2 prompt-preview-controls">
              <StorePicker stores={stores.data || []} value={storeId} onChange={setStoreId} />
              <SelectField label={t('language')} value={lang} onChange={setLang} options={langOptions} />
            </div>
            <p class="small prompt-size" role="status">
              {pv.busy ? t('updating') : pv.error ? '' : pv.text ? t('size', { tokens: number(Math.ceil(pv.text.length / 4)), chars: number(pv.text.length) }) : ''}
            </p>
            {pv.error && (fieldMessages(pv.error, 'aiPromptTemplate') ? <p class="note">{t('fixTemplate')}</p> : <ErrorBanner error={pv.error} />)}
            {pv.text && !pv.error && <pre class="prompt-output" data-testid="prompt-preview" aria-label={t('rendered')} role="region">{pv.text}</pre>}
          </>
        )}
      </Card>

      <Card id="prompt-budget" title={t('budget')}>
        <form onSubmit={submitBudget} noValidate class="prompt-budget">
          <TextField label={t('budgetLabel')} name="aiDailyTokenBudget" value={can.platform ? budget : number(view.aiDailyTokenBudget)}
            onInput={setBudget} inputMode="numeric" disabled={!can.platform} error={budgetError}
            hint={can.platform ? t('budgetHint') : t('budgetRo')} />
          {can.platform && (
            <FormActions error={budgetError} ok={budgetOk} busy={budgetBusy} label={t('saveBudget')} />
          )}
        </form>
      </Card>
    </Page>
  );
}

export const routes = [
  { path: '/b/:brand/texts', page: TextsPage },
  { path: '/b/:brand/texts/prompt', page: PromptPage },
];
