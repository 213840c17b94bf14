// The menu (/b/:brand/menu): the brand's categories in order with their items (prices,
// sizes, extras, availability, per-store overrides); a category and an item are added,
// edited and deleted one at a time (PUT/DELETE .../menu/categories/{id}, .../menu/items/{id});
// the whole menu is imported from JSON (PUT .../menu: validated first, every invalid line is
// listed, nothing changes until all are valid) and downloaded as JSON to edit and re-import.
import './menu.css';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, ApiError, brandPath } from '../lib/api.js';
import { useAction, useLoad } from '../lib/data.js';
import { messages, money } from '../lib/i18n.js';
import {
  Badge, Button, Card, ConfirmButton, Empty, ErrorBanner, Field, FormActions, Loading, MoneyField, Page, ReadOnlyNote, SelectField, Success,
  Switch, TextArea, TextField, useSession,
} from '../lib/ui.jsx';

const t = messages({
  'pt-BR': {
    title: 'Cardápio', subtitle: '{categories} categorias · {items} itens',
    newCategory: 'Nova categoria', newItem: 'Novo item', editCategory: 'Editar categoria: {name}', editItem: 'Editar item: {name}',
    categoryId: 'Identificador da categoria', itemId: 'Identificador do item',
    idHint: 'Letras minúsculas, números e hífens. Vazio: criado a partir do nome.', idFixed: 'O identificador não muda depois de criado.',
    idTaken: 'Já existe com este identificador: escolha outro.', idRequired: 'Informe um nome ou um identificador.',
    name: 'Nome', description: 'Descrição', category: 'Categoria', price: 'Preço', sort: 'Ordem', sortHint: 'Números menores aparecem primeiro.',
    aliases: 'Apelidos', aliasesHint: 'Outros nomes que os clientes usam, separados por vírgula (ex.: coca, refri).',
    available: 'Disponível', availableHint: 'Desligado: o item some do cardápio em todas as lojas.',
    sizes: 'Tamanhos', sizesHint: 'Com tamanhos, o cliente escolhe um e cada tamanho tem o seu preço.', addSize: 'Adicionar tamanho',
    size: 'Tamanho {n}', sizeName: 'Nome do tamanho', sizePrice: 'Preço do tamanho', sizeId: 'Identificador do tamanho', removeSize: 'Remover tamanho {n}', priceBySize: 'O preço deste item vem de cada tamanho.',
    options: 'Adicionais', optionsHint: 'Extras com acréscimo no preço (0 para grátis).', addOption: 'Adicionar adicional',
    option: 'Adicional {n}', optionName: 'Nome do adicional', optionId: 'Identificador do adicional', delta: 'Acréscimo', removeOption: 'Remover adicional {n}',
    perStore: 'Por loja', perStoreHint: 'Disponibilidade e preço em cada loja. Preço vazio: vale o preço da marca.',
    availableAt: 'Disponível em {store}', priceAt: 'Preço em {store}', sizePriceAt: '{size} em {store}', noStores: 'A marca ainda não tem lojas.',
    invalidMoney: 'Digite um valor como 12,50.', invalidNumber: 'Digite um número inteiro.', invalidTitle: 'Valores inválidos',
    itemSaved: 'Item {name} salvo.', itemDeleted: 'Item {name} excluído.', categorySaved: 'Categoria {name} salva.', categoryDeleted: 'Categoria {name} excluída.',
    deleteItemQ: 'Excluir o item {name}?', deleteCategoryQ: 'Excluir a categoria {name}?', categoryHasItems: 'Só uma categoria vazia pode ser excluída.',
    addItem: 'Adicionar item', editLabel: 'Editar', deleteLabel: 'Excluir',
    colItem: 'Item', colPrice: 'Preço', colOptions: 'Adicionais', colAvailable: 'Disponibilidade', colStores: 'Por loja', colActions: 'Ações',
    unavailable: 'Indisponível', unavailableAt: '{store}: indisponível', priceAtShort: '{store}: {price}', aliasesShort: 'Apelidos: {list}',
    emptyMenu: 'O cardápio está vazio. Crie uma categoria ou importe um JSON.', emptyCategory: 'Nenhum item nesta categoria.',
    needCategory: 'Crie uma categoria antes do primeiro item.', itemsOf: 'Itens da categoria {name}', orphans: 'Itens sem categoria',
    importTitle: 'Importar e exportar',
    importIntro: 'Cole um cardápio em JSON, no formato {"categories": [...], "items": [...]}, ou escolha um arquivo. A importação substitui o cardápio inteiro e só acontece se todas as linhas forem válidas.',
    jsonLabel: 'JSON do cardápio', fileLabel: 'Arquivo .json', importButton: 'Validar e importar', importQ: 'Substituir o cardápio inteiro?',
    imported: 'Cardápio importado: {categories} categorias e {items} itens.',
    importFailed: 'O cardápio não foi importado: {n} problema(s) encontrado(s). O cardápio atual continua igual.',
    badJson: 'O texto não é um JSON válido: {error}', notObject: 'O JSON deve ser um objeto com "categories" e "items".',
    emptyJson: 'Cole um JSON ou escolha um arquivo.', fileLoaded: 'Arquivo {name} carregado: confira e importe.', fileError: 'Não foi possível ler o arquivo.',
    download: 'Baixar cardápio atual (JSON)', downloadHint: 'Baixe, edite e importe de novo.', importProblems: 'Problemas da importação',
    cannotImport: 'Não foi possível importar', exportTitle: 'Exportar',
  },
  'en-US': {
    title: 'Menu', subtitle: '{categories} categories · {items} items',
    newCategory: 'New category', newItem: 'New item', editCategory: 'Edit category: {name}', editItem: 'Edit item: {name}',
    categoryId: 'Category identifier', itemId: 'Item identifier',
    idHint: 'Lowercase letters, digits and hyphens. Empty: made from the name.', idFixed: 'The identifier never changes once created.',
    idTaken: 'One already exists with this identifier: choose another.', idRequired: 'Give a name or an identifier.',
    name: 'Name', description: 'Description', category: 'Category', price: 'Price', sort: 'Order', sortHint: 'Lower numbers come first.',
    aliases: 'Aliases', aliasesHint: 'Other names customers use, separated by commas (e.g. coke, soda).',
    available: 'Available', availableHint: 'Off: the item is hidden from the menu in every store.',
    sizes: 'Sizes', sizesHint: 'With sizes, the customer picks one and each size has its own price.', addSize: 'Add size',
    size: 'Size {n}', sizeName: 'Size name', sizePrice: 'Size price', sizeId: 'Size identifier', removeSize: 'Remove size {n}', priceBySize: 'This item is priced by each size.',
    options: 'Extras', optionsHint: 'Extras with a price increase (0 for free).', addOption: 'Add extra',
    option: 'Extra {n}', optionName: 'Extra name', optionId: 'Extra identifier', delta: 'Price increase', removeOption: 'Remove extra {n}',
    perStore: 'Per store', perStoreHint: 'Availability and price in each store. Empty price: the brand\'s price applies.',
    availableAt: 'Available at {store}', priceAt: 'Price at {store}', sizePriceAt: '{size} at {store}', noStores: 'The brand has no stores yet.',
    invalidMoney: 'Enter an amount such as 12.50.', invalidNumber: 'Enter a whole number.', invalidTitle: 'Invalid values',
    itemSaved: 'Item {name} saved.', itemDeleted: 'Item {name} deleted.', categorySaved: 'Category {name} saved.', categoryDeleted: 'Category {name} deleted.',
    deleteItemQ: 'Delete the item {name}?', deleteCategoryQ: 'Delete the category {name}?', categoryHasItems: 'Only an empty category can be deleted.',
    addItem: 'Add item', editLabel: 'Edit', deleteLabel: 'Delete',
    colItem: 'Item', colPrice: 'Price', colOptions: 'Extras', colAvailable: 'Availability', colStores: 'Per store', colActions: 'Actions',
    unavailable: 'Unavailable', unavailableAt: '{store}: unavailable', priceAtShort: '{store}: {price}', aliasesShort: 'Aliases: {list}',
    emptyMenu: 'The menu is empty. Create a category or import a JSON.', emptyCategory: 'No item in this category.',
    needCategory: 'Create a category before the first item.', itemsOf: 'Items of the category {name}', orphans: 'Items without a category',
    importTitle: 'Import and export',
    importIntro: 'Paste a menu as JSON, shaped as {"categories": [...], "items": [...]}, or choose a file. Importing replaces the whole menu, and happens only when every line is valid.',
    jsonLabel: 'Menu JSON', fileLabel: '.json file', importButton: 'Validate and import', importQ: 'Replace the whole menu?',
    imported: 'Menu imported: {categories} categories and {items} items.',
    importFailed: 'The menu was not imported: {n} problem(s) found. The current menu is unchanged.',
    badJson: 'The text is not valid JSON: {error}', notObject: 'The JSON must be an object with "categories" and "items".',
    emptyJson: 'Paste a JSON or choose a file.', fileLoaded: 'File {name} loaded: check it and import.', fileError: 'The file could not be read.',
    download: 'Download current menu as JSON', downloadHint: 'Download, edit and import it again.', importProblems: 'Import problems',
    cannotImport: 'Could not import', exportTitle: 'Export',
  },
});

// ---- helpers ------------------------------------------------------------------------------

// slug makes an id from a name: "Pão de Queijo" → "pao-de-queijo" (the API's id rules).
export function slug(s) {
  return String(s || '').normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase()
    .replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 24).replace(/-+$/, '');
}

// The engine's order (ordering.ForStore): categories by sort then id, items by sort then name.
const cmp = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
const bySort = (a, b) => (a.sort || 0) - (b.sort || 0) || cmp(a.name || '', b.name || '');

// rebase returns err with its fields' prefix removed ("categories[3].name" → "name"), so a
// form names its fields as it would for one object.
function rebase(err, prefix) {
  if (!(err instanceof ApiError) || !err.problem?.errors) return err;
  const errors = err.problem.errors.map((e) => (e.field && e.field.startsWith(prefix) ? { ...e, field: e.field.slice(prefix.length) } : e));
  return new ApiError(err.status, { ...err.problem, errors });
}

// localError is an ApiError for problems found before calling the API.
function localError(errors) {
  return new ApiError(422, { title: t('invalidTitle'), errors });
}

let rowKeys = 0;
const rowKey = () => `r${++rowKeys}`;

// ---- the page -------------------------------------------------------------------------------

function MenuPage({ params }) {
  const { can } = useSession();
  const brand = params.brand;
  const menu = useLoad(() => api.get(brandPath(brand, 'menu')), [brand]);
  const stores = useLoad(() => api.get(brandPath(brand, 'stores')).then((r) => r.stores || []), [brand]);
  // editing: { kind: 'category' | 'item', original, categoryId, n } (n remounts the form).
  const [editing, setEditing] = useState(null);
  const [ok, setOk] = useState('');
  const remove = useAction((path) => api.del(path));

  if (menu.loading) return <Page title={t('title')}><Loading /></Page>;
  if (menu.error) return <Page title={t('title')}><ErrorBanner error={menu.error} /></Page>;
  const m = menu.data;
  const categories = [...(m.categories || [])].sort((a, b) => (a.sort || 0) - (b.sort || 0) || cmp(a.categoryId, b.categoryId));
  const items = m.items || [];
  const storeList = stores.data || [];
  const known = new Set(categories.map((c) => c.categoryId));
  const orphans = items.filter((it) => !known.has(it.categoryId));

  const open = (e) => {
    setOk('');
    remove.clear();
    setEditing({ ...e, n: Date.now() });
  };
  // After a change: the menu read again, then the message (so what it says is on screen).
  const done = async (message) => {
    setEditing(null);
    await menu.reload();
    setOk(message);
  };
  const del = async (path, message) => {
    setOk('');
    if (await remove.run(path)) await done(message);
  };

  return (
    <Page title={t('title')} subtitle={t('subtitle', { categories: categories.length, items: items.length })}
      actions={can.write && (
        <>
          <Button onClick={() => open({ kind: 'category', original: null })}>{t('newCategory')}</Button>
          <Button kind="primary" disabled={categories.length === 0} onClick={() => open({ kind: 'item', original: null, categoryId: categories[0]?.categoryId })}>{t('newItem')}</Button>
        </>
      )}>
      <ReadOnlyNote />
      {can.write && categories.length === 0 && <p class="muted">{t('needCategory')}</p>}
      <Success>{ok}</Success>
      <ErrorBanner error={remove.error} />
      {editing?.kind === 'category' && (
        <CategoryForm key={editing.n} brand={brand} categories={m.categories || []} original={editing.original}
          onDone={(c) => done(t('categorySaved', { name: c.name }))} onCancel={() => setEditing(null)} />
      )}
      {editing?.kind === 'item' && (
        <ItemForm key={editing.n} brand={brand} categories={categories} items={items} stores={storeList} original={editing.original}
          categoryId={editing.categoryId} onDone={(it) => done(t('itemSaved', { name: it.name }))} onCancel={() => setEditing(null)} />
      )}
      {categories.length === 0 && items.length === 0 && <Card><Empty>{t('emptyMenu')}</Empty></Card>}
      {categories.map((c) => {
        const list = items.filter((it) => it.categoryId === c.categoryId).sort(bySort);
        return (
          <Card key={c.categoryId} id={`menu-cat-${c.categoryId}`} title={<>{c.name} <span class="muted small">({list.length})</span></>}
            actions={can.write && (
              <>
                <Button class="btn small secondary" onClick={() => open({ kind: 'item', original: null, categoryId: c.categoryId })}>
                  {t('addItem')}<span class="sr-only"> — {c.name}</span>
                </Button>
                <Button class="btn small secondary" onClick={() => open({ kind: 'category', original: c })}>
                  {t('editLabel')}<span class="sr-only"> {c.name}</span>
                </Button>
                {list.length === 0 && (
                  <span class="menu-small">
                    <ConfirmButton question={t('deleteCategoryQ', { name: c.name })} busy={remove.busy}
                      onConfirm={() => del(brandPath(brand, 'menu', 'categories', c.categoryId), t('categoryDeleted', { name: c.name }))}>
                      {t('deleteLabel')}<span class="sr-only"> {c.name}</span>
                    </ConfirmButton>
                  </span>
                )}
              </>
            )}>
            <ItemTable caption={t('itemsOf', { name: c.name })} items={list} stores={storeList} can={can}
              onEdit={(it) => open({ kind: 'item', original: it })}
              onDelete={(it) => del(brandPath(brand, 'menu', 'items', it.itemId), t('itemDeleted', { name: it.name }))} busy={remove.busy} />
          </Card>
        );
      })}
      {orphans.length > 0 && (
        <Card id="menu-orphans" title={t('orphans')}>
          <ItemTable caption={t('orphans')} items={orphans} stores={storeList} can={can} onEdit={(it) => open({ kind: 'item', original: it })}
            onDelete={(it) => del(brandPath(brand, 'menu', 'items', it.itemId), t('itemDeleted', { name: it.name }))} busy={remove.busy} />
        </Card>
      )}
      <ImportExport brand={brand} menu={m} canWrite={can.write} onImported={async (summary) => {
        await done(t('imported', summary));
      }} />
    </Page>
  );
}

// ItemTable lists a category's items.
function ItemTable({ caption, items, stores, can, onEdit, onDelete, busy }) {
  if (items.length === 0) return <Empty>{t('emptyCategory')}</Empty>;
  const storeName = (id) => stores.find((s) => s.storeId === id)?.storeName || id;
  return (
    <div class="table-wrap">
      <table class="menu-table">
        <caption class="sr-only">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{t('colItem')}</th>
            <th scope="col" class="num">{t('colPrice')}</th>
            <th scope="col">{t('colOptions')}</th>
            <th scope="col">{t('colAvailable')}</th>
            <th scope="col">{t('colStores')}</th>
            {can.write && <th scope="col">{t('colActions')}</th>}
          </tr>
        </thead>
        <tbody>
          {items.map((it) => (
            <tr key={it.itemId} data-item={it.itemId}>
              <th scope="row" class="menu-item-name">
                <span>{it.name}</span>
                {it.description && <span class="muted small menu-desc">{it.description}</span>}
                {it.aliases?.length > 0 && <span class="muted small menu-desc">{t('aliasesShort', { list: it.aliases.join(', ') })}</span>}
              </th>
              <td class="num">
                {it.sizes?.length ? (
                  <ul class="menu-plain">
                    {it.sizes.map((s) => <li key={s.sizeId}>{s.name} {money(s.priceCents)}</li>)}
                  </ul>
                ) : money(it.priceCents)}
              </td>
              <td>
                {it.options?.length ? (
                  <ul class="menu-plain">
                    {it.options.map((o) => <li key={o.optionId}>{o.name} +{money(o.priceDeltaCents)}</li>)}
                  </ul>
                ) : '—'}
              </td>
              <td>{it.available ? <Badge tone="ok">{t('available')}</Badge> : <Badge tone="warn">{t('unavailable')}</Badge>}</td>
              <td>
                {it.stores && Object.keys(it.stores).length > 0 ? (
                  <ul class="menu-plain">
                    {Object.entries(it.stores).sort(([a], [b]) => a.localeCompare(b)).map(([id, s]) => (
                      <li key={id}>{storeOverride(storeName(id), s, it)}</li>
                    ))}
                  </ul>
                ) : '—'}
              </td>
              {can.write && (
                <td class="menu-actions menu-small">
                  <Button class="btn small secondary" onClick={() => onEdit(it)}>{t('editLabel')}<span class="sr-only"> {it.name}</span></Button>
                  <ConfirmButton question={t('deleteItemQ', { name: it.name })} busy={busy} onConfirm={() => onDelete(it)}>
                    {t('deleteLabel')}<span class="sr-only"> {it.name}</span>
                  </ConfirmButton>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function storeOverride(name, s, it) {
  if (s.unavailable) return t('unavailableAt', { store: name });
  const parts = [];
  if (s.priceCents) parts.push(money(s.priceCents));
  for (const [sizeId, cents] of Object.entries(s.sizePrices || {})) {
    const size = it.sizes?.find((x) => x.sizeId === sizeId);
    parts.push(`${size?.name || sizeId} ${money(cents)}`);
  }
  return t('priceAtShort', { store: name, price: parts.join(' · ') });
}

// ---- category form ----------------------------------------------------------------------------

function CategoryForm({ brand, categories, original, onDone, onCancel }) {
  const [form, setForm] = useState({ categoryId: original?.categoryId || '', name: original?.name || '', sort: String(original?.sort ?? (categories.length + 1)) });
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const headRef = useFocus();
  const set = (k) => (v) => setForm({ ...form, [k]: v });

  const submit = async (e) => {
    e.preventDefault();
    const id = original ? original.categoryId : (form.categoryId.trim() || slug(form.name));
    const local = [];
    if (!id) local.push({ field: 'categoryId', message: t('idRequired') });
    else if (!original && categories.some((c) => c.categoryId === id)) local.push({ field: 'categoryId', message: t('idTaken') });
    const sort = form.sort.trim() === '' ? 0 : Number(form.sort);
    if (!Number.isInteger(sort)) local.push({ field: 'sort', message: t('invalidNumber') });
    if (local.length) {
      setError(localError(local));
      return;
    }
    const idx = original ? categories.findIndex((c) => c.categoryId === id) : categories.length;
    setBusy(true);
    setError(null);
    try {
      const c = await api.put(brandPath(brand, 'menu', 'categories', id), { categoryId: id, name: form.name, sort });
      onDone(c);
    } catch (err) {
      setError(rebase(err, `categories[${idx}].`));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="card menu-form" aria-labelledby="menu-category-form-title">
      <h2 id="menu-category-form-title" tabIndex={-1} ref={headRef}>{original ? t('editCategory', { name: original.name }) : t('newCategory')}</h2>
      <form onSubmit={submit} noValidate class="grid3">
        <TextField label={t('name')} name="name" value={form.name} onInput={set('name')} error={error} />
        <TextField label={t('categoryId')} name="categoryId" value={original ? original.categoryId : form.categoryId} onInput={set('categoryId')}
          error={error} disabled={!!original} hint={original ? t('idFixed') : t('idHint')} />
        <TextField label={t('sort')} name="sort" value={form.sort} onInput={set('sort')} error={error} inputMode="numeric" hint={t('sortHint')} />
        <FormActions class="menu-span3" error={error} busy={busy} label={t('save')}>
          <Button onClick={onCancel}>{t('cancel')}</Button>
        </FormActions>
      </form>
    </section>
  );
}

// useFocus focuses (and shows) the element of the returned ref once, when a form opens.
function useFocus() {
  const ref = useRef(null);
  useEffect(() => {
    if (ref.current) {
      ref.current.focus({ preventScroll: true });
      ref.current.scrollIntoView?.({ block: 'start' });
    }
  }, []);
  return ref;
}

// ---- item form --------------------------------------------------------------------------------

function itemForm(it, categoryId, stores) {
  const sizes = (it?.sizes || []).map((s) => ({ key: rowKey(), sizeId: s.sizeId, name: s.name, priceCents: s.priceCents }));
  const perStore = {};
  for (const st of stores) {
    const o = it?.stores?.[st.storeId] || {};
    const bySize = {};
    for (const s of sizes) bySize[s.key] = o.sizePrices?.[s.sizeId] || undefined;
    perStore[st.storeId] = { unavailable: !!o.unavailable, priceCents: o.priceCents || undefined, bySize };
  }
  // Overrides of stores the brand no longer lists are kept as they are.
  const otherStores = {};
  for (const [id, o] of Object.entries(it?.stores || {})) if (!stores.some((s) => s.storeId === id)) otherStores[id] = o;
  return {
    itemId: it?.itemId || '', categoryId: it?.categoryId || categoryId || '', name: it?.name || '', description: it?.description || '',
    priceCents: it ? it.priceCents || undefined : undefined, sort: String(it?.sort ?? ''), aliases: (it?.aliases || []).join(', '),
    available: it ? !!it.available : true, sizes,
    options: (it?.options || []).map((o) => ({ key: rowKey(), optionId: o.optionId, name: o.name, priceDeltaCents: o.priceDeltaCents })),
    perStore, otherStores, bad: {},
  };
}

// buildItem turns the form into the API's item, and lists what is wrong before sending it.
function buildItem(f, original, items) {
  const local = [];
  for (const [field, bad] of Object.entries(f.bad)) if (bad) local.push({ field, message: t('invalidMoney') });
  const itemId = original ? original.itemId : (f.itemId.trim() || slug(f.name));
  if (!itemId) local.push({ field: 'itemId', message: t('idRequired') });
  else if (!original && items.some((x) => x.itemId === itemId)) local.push({ field: 'itemId', message: t('idTaken') });
  const sort = f.sort.trim() === '' ? 0 : Number(f.sort);
  if (!Number.isInteger(sort)) local.push({ field: 'sort', message: t('invalidNumber') });
  const sizes = f.sizes.map((s) => ({ sizeId: s.sizeId.trim() || slug(s.name), name: s.name, priceCents: s.priceCents ?? 0 }));
  const options = f.options.map((o) => ({ optionId: o.optionId.trim() || slug(o.name), name: o.name, priceDeltaCents: o.priceDeltaCents ?? 0 }));
  const stores = { ...f.otherStores };
  for (const [id, s] of Object.entries(f.perStore)) {
    const o = {};
    if (s.unavailable) o.unavailable = true;
    if (sizes.length === 0 && s.priceCents) o.priceCents = s.priceCents;
    if (sizes.length > 0) {
      const sp = {};
      f.sizes.forEach((row, i) => { if (s.bySize[row.key]) sp[sizes[i].sizeId] = s.bySize[row.key]; });
      if (Object.keys(sp).length) o.sizePrices = sp;
    }
    if (Object.keys(o).length) stores[id] = o;
  }
  const item = {
    itemId, categoryId: f.categoryId, name: f.name, priceCents: sizes.length ? 0 : f.priceCents ?? 0, sizes, options,
    aliases: f.aliases.split(',').map((s) => s.trim()).filter(Boolean), available: f.available, stores, sort,
  };
  if (f.description.trim()) item.description = f.description;
  return { item, local };
}

function ItemForm({ brand, categories, items, stores, original, categoryId, onDone, onCancel }) {
  const [f, setF] = useState(() => itemForm(original, categoryId, stores));
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const headRef = useFocus();
  const set = (k) => (v) => setF((x) => ({ ...x, [k]: v }));
  // money sets a cents field; an amount that does not parse is remembered as bad (and the
  // field keeps the text typed: MoneyField's cents stay the last good value).
  const money$ = (field, apply) => (c) => setF((x) => {
    if (Number.isNaN(c)) return { ...x, bad: { ...x.bad, [field]: true } };
    return { ...apply(x, c), bad: { ...x.bad, [field]: false } };
  });
  const setRow = (list, key, k, v) => setF((x) => ({ ...x, [list]: x[list].map((r) => (r.key === key ? { ...r, [k]: v } : r)) }));
  const setStore = (id, k, v) => setF((x) => ({ ...x, perStore: { ...x.perStore, [id]: { ...x.perStore[id], [k]: v } } }));

  const submit = async (e) => {
    e.preventDefault();
    const { item, local } = buildItem(f, original, items);
    if (local.length) {
      setError(localError(local));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const saved = await api.put(brandPath(brand, 'menu', 'items', item.itemId), item);
      onDone(saved);
    } catch (err) {
      const idx = items.findIndex((x) => x.itemId === item.itemId);
      setError(rebase(err, `items[${idx < 0 ? items.length : idx}].`));
    } finally {
      setBusy(false);
    }
  };

  const hasSizes = f.sizes.length > 0;
  // The id a size has now (its typed id, or the one made from its name), for error paths.
  const sizeId = (s) => s.sizeId.trim() || slug(s.name);
  return (
    <section class="card menu-form" aria-labelledby="menu-item-form-title">
      <h2 id="menu-item-form-title" tabIndex={-1} ref={headRef}>{original ? t('editItem', { name: original.name }) : t('newItem')}</h2>
      <form onSubmit={submit} noValidate>
        <div class="grid2">
          <TextField label={t('name')} name="name" value={f.name} onInput={set('name')} error={error} />
          <TextField label={t('itemId')} name="itemId" value={original ? original.itemId : f.itemId} onInput={set('itemId')} error={error}
            disabled={!!original} hint={original ? t('idFixed') : t('idHint')} />
          <TextArea label={t('description')} name="description" value={f.description} onInput={set('description')} error={error} rows={2} class="span2" />
          <SelectField label={t('category')} name="categoryId" value={f.categoryId} onChange={set('categoryId')} error={error}
            options={categories.map((c) => ({ value: c.categoryId, label: c.name }))} />
          {hasSizes ? (
            <div class="field"><span class="menu-label">{t('price')}</span><p class="hint">{t('priceBySize')}</p></div>
          ) : (
            <MoneyField label={t('price')} name="priceCents" cents={f.priceCents} error={error} onCents={money$('priceCents', (x, c) => ({ ...x, priceCents: c }))} />
          )}
          <TextField label={t('aliases')} name="aliases" value={f.aliases} onInput={set('aliases')} error={error} hint={t('aliasesHint')} />
          <TextField label={t('sort')} name="sort" value={f.sort} onInput={set('sort')} error={error} inputMode="numeric" hint={t('sortHint')} />
          <Switch label={t('available')} name="available" checked={f.available} onChange={set('available')} error={error} hint={t('availableHint')} />
        </div>

        <fieldset class="menu-fieldset">
          <legend>{t('sizes')}</legend>
          <p class="hint">{t('sizesHint')}</p>
          <FieldMessage error={error} name="sizes" />
          {f.sizes.map((s, i) => (
            <div class="menu-line" key={s.key} role="group" aria-label={t('size', { n: i + 1 })}>
              <TextField label={t('sizeName')} name={`sizes[${i}].name`} value={s.name} onInput={(v) => setRow('sizes', s.key, 'name', v)} error={error} />
              <TextField label={t('sizeId')} name={`sizes[${i}].sizeId`} value={s.sizeId} onInput={(v) => setRow('sizes', s.key, 'sizeId', v)} error={error} />
              <MoneyField label={t('sizePrice')} name={`sizes[${i}].priceCents`} cents={s.priceCents} error={error}
                onCents={money$(`sizes[${i}].priceCents`, (x, c) => ({ ...x, sizes: x.sizes.map((r) => (r.key === s.key ? { ...r, priceCents: c } : r)) }))} />
              <Button class="btn small secondary" onClick={() => setF((x) => ({ ...x, sizes: x.sizes.filter((r) => r.key !== s.key), bad: {} }))}>
                {t('remove')}<span class="sr-only"> — {t('size', { n: i + 1 })}</span>
              </Button>
            </div>
          ))}
          <Button class="btn small secondary" onClick={() => setF((x) => ({ ...x, sizes: [...x.sizes, { key: rowKey(), sizeId: '', name: '', priceCents: undefined }] }))}>{t('addSize')}</Button>
        </fieldset>

        <fieldset class="menu-fieldset">
          <legend>{t('options')}</legend>
          <p class="hint">{t('optionsHint')}</p>
          <FieldMessage error={error} name="options" />
          {f.options.map((o, i) => (
            <div class="menu-line" key={o.key} role="group" aria-label={t('option', { n: i + 1 })}>
              <TextField label={t('optionName')} name={`options[${i}].name`} value={o.name} onInput={(v) => setRow('options', o.key, 'name', v)} error={error} />
              <TextField label={t('optionId')} name={`options[${i}].optionId`} value={o.optionId} onInput={(v) => setRow('options', o.key, 'optionId', v)} error={error} />
              <MoneyField label={t('delta')} name={`options[${i}].priceDeltaCents`} cents={o.priceDeltaCents} error={error}
                onCents={money$(`options[${i}].priceDeltaCents`, (x, c) => ({ ...x, options: x.options.map((r) => (r.key === o.key ? { ...r, priceDeltaCents: c } : r)) }))} />
              <Button class="btn small secondary" onClick={() => setF((x) => ({ ...x, options: x.options.filter((r) => r.key !== o.key), bad: {} }))}>
                {t('remove')}<span class="sr-only"> — {t('option', { n: i + 1 })}</span>
              </Button>
            </div>
          ))}
          <Button class="btn small secondary" onClick={() => setF((x) => ({ ...x, options: [...x.options, { key: rowKey(), optionId: '', name: '', priceDeltaCents: undefined }] }))}>{t('addOption')}</Button>
        </fieldset>

        <fieldset class="menu-fieldset">
          <legend>{t('perStore')}</legend>
          <p class="hint">{t('perStoreHint')}</p>
          {stores.length === 0 && <p class="muted">{t('noStores')}</p>}
          {stores.map((st) => {
            const s = f.perStore[st.storeId];
            const name = st.storeName || st.storeId;
            const base = `stores.${st.storeId}`;
            return (
              <div class="menu-store" key={st.storeId} role="group" aria-label={name}>
                <Switch label={t('availableAt', { store: name })} name={base} checked={!s.unavailable} onChange={(v) => setStore(st.storeId, 'unavailable', !v)} />
                {!hasSizes && (
                  <MoneyField label={t('priceAt', { store: name })} name={`${base}.priceCents`} cents={s.priceCents} error={error}
                    onCents={money$(`${base}.priceCents`, (x, c) => ({ ...x, perStore: { ...x.perStore, [st.storeId]: { ...x.perStore[st.storeId], priceCents: c } } }))} />
                )}
                {hasSizes && f.sizes.map((row) => (
                  <MoneyField key={row.key} label={t('sizePriceAt', { size: row.name || row.sizeId || '?', store: name })}
                    name={`${base}.sizePrices.${sizeId(row)}`} cents={s.bySize[row.key]} error={error}
                    onCents={money$(`${base}.sizePrices.${sizeId(row)}`, (x, c) => {
                      const cur = x.perStore[st.storeId];
                      return { ...x, perStore: { ...x.perStore, [st.storeId]: { ...cur, bySize: { ...cur.bySize, [row.key]: c } } } };
                    })} />
                ))}
              </div>
            );
          })}
        </fieldset>

        <FormActions error={error} busy={busy} label={t('save')}>
          <Button onClick={onCancel}>{t('cancel')}</Button>
        </FormActions>
      </form>
    </section>
  );
}

// FieldMessage shows the error of a list itself ("sizes": too many).
function FieldMessage({ error, name }) {
  const msg = error?.fields?.[name];
  return msg ? <p class="field-error" data-field={name}>{msg}</p> : null;
}

// ---- import and export ------------------------------------------------------------------------

function ImportExport({ brand, menu, canWrite, onImported }) {
  const [text, setText] = useState('');
  const [problem, setProblem] = useState(null); // { message } | { error, body }
  const [note, setNote] = useState('');
  const importing = useAction((body) => api.put(brandPath(brand, 'menu'), body));
  const url = useMemo(() => {
    const body = { categories: menu.categories || [], items: menu.items || [] };
    return URL.createObjectURL(new Blob([JSON.stringify(body, null, 2) + '\n'], { type: 'application/json' }));
  }, [menu]);
  useEffect(() => () => URL.revokeObjectURL(url), [url]);

  const readFile = async (e) => {
    const file = e.currentTarget.files?.[0];
    if (!file) return;
    try {
      setText(await file.text());
      setNote(t('fileLoaded', { name: file.name }));
      setProblem(null);
    } catch {
      setProblem({ message: t('fileError') });
    }
  };

  const run = async () => {
    setNote('');
    setProblem(null);
    if (!text.trim()) {
      setProblem({ message: t('emptyJson') });
      return;
    }
    let parsed;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      setProblem({ message: t('badJson', { error: e.message }) });
      return;
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      setProblem({ message: t('notObject') });
      return;
    }
    // A menu as GET answers it (clientId, updatedAt) imports as well.
    const { clientId, updatedAt, ...body } = parsed;
    const summary = await importing.run(body);
    if (summary) {
      await onImported(summary);
    }
  };

  const err = importing.error;
  const listed = err instanceof ApiError ? err.problem.errors || [] : [];
  const label = (field) => {
    const m = /^(items|categories)\[(\d+)\]/.exec(field || '');
    if (!m || !text) return '';
    try {
      const x = JSON.parse(text)[m[1]]?.[Number(m[2])];
      return x?.name || x?.itemId || x?.categoryId || '';
    } catch {
      return '';
    }
  };

  return (
    <Card id="menu-import" title={canWrite ? t('importTitle') : t('exportTitle')}>
      {canWrite && (
        <>
          <p class="muted">{t('importIntro')}</p>
          <div class="stack">
            <Field label={t('jsonLabel')} name="menuJson">
              {(p) => <textarea {...p} class="menu-mono" rows={10} spellcheck={false} value={text} onInput={(e) => setText(e.currentTarget.value)} />}
            </Field>
            <Field label={t('fileLabel')} name="menuFile">
              {(p) => <input {...p} type="file" accept=".json,application/json" onChange={readFile} />}
            </Field>
            {note && <p class="muted small" role="status">{note}</p>}
            {problem && <div class="banner error" role="alert"><strong>{t('cannotImport')}</strong> — {problem.message}</div>}
            {err && listed.length > 0 ? (
              <div class="banner error menu-import-errors" role="alert">
                <strong>{t('importFailed', { n: listed.length })}</strong>
                <ul aria-label={t('importProblems')}>
                  {listed.map((e, i) => {
                    const name = label(e.field);
                    return (
                      <li key={i}>
                        {e.field ? <><code>{e.field}</code>: </> : null}{e.message}{name && <> — <em>{name}</em></>}
                      </li>
                    );
                  })}
                </ul>
                {err.requestId && <div class="muted small">{t('requestId')}: {err.requestId}</div>}
              </div>
            ) : <ErrorBanner error={err} />}
            <div class="row">
              <ConfirmButton kind="primary" question={t('importQ')} busy={importing.busy} onConfirm={run}>{t('importButton')}</ConfirmButton>
            </div>
          </div>
          <hr class="menu-sep" />
        </>
      )}
      <p class="row menu-download">
        <a class="btn secondary" href={url} download={`menu-${brand}.json`}>{t('download')}</a>
        <span class="muted small">{t('downloadHint')}</span>
      </p>
    </Card>
  );
}

export const routes = [
  { path: '/b/:brand/menu', page: MenuPage },
];
