// Brands: the platform admin's list and creation (/brands), and a brand's own settings
// (/b/:brand): name, default language, welcome message, logo, active.
import { useEffect, useState } from 'preact/hooks';
import { api, brandPath } from '../lib/api.js';
import { useAction, useLoad } from '../lib/data.js';
import { dateTime, messages } from '../lib/i18n.js';
import { navigate } from '../lib/router.js';
import {
  Badge, Card, ConfirmButton, ErrorBanner, FormActions, Loading, Page, ReadOnlyNote, SelectField, Switch, Table, TextArea,
  TextField, useSession,
} from '../lib/ui.jsx';

const t = messages({
  'pt-BR': {
    brands: 'Marcas', newBrand: 'Nova marca', clientId: 'Identificador (clientId)', clientIdHint: 'Letras minúsculas, números e hífens; não muda depois.',
    name: 'Nome', number: 'Número do WhatsApp', numberHint: 'No formato whatsapp:+5511999999999', language: 'Idioma padrão',
    welcome: 'Mensagem de boas-vindas', logo: 'URL do logo', sandbox: 'Asaas em sandbox (testes)', created: 'Marca {name} criada.',
    brandSettings: 'Configurações da marca', activeHint: 'Uma marca inativa responde aos clientes que está fora do ar.',
    updated: 'Atualizado em', deleteBrand: 'Excluir marca', deleteQ: 'Excluir a marca para sempre?', deleted: 'Marca excluída.',
    open: 'Abrir', list: 'Lista de marcas', brandActive: 'Marca ativa', danger: 'Zona de perigo',
    deleteHint: 'Só é possível excluir uma marca sem lojas.',
  },
  'en-US': {
    brands: 'Brands', newBrand: 'New brand', clientId: 'Identifier (clientId)', clientIdHint: 'Lowercase letters, digits and hyphens; never changes.',
    name: 'Name', number: 'WhatsApp number', numberHint: 'As whatsapp:+5511999999999', language: 'Default language',
    welcome: 'Welcome message', logo: 'Logo URL', sandbox: 'Asaas sandbox (testing)', created: 'Brand {name} created.',
    brandSettings: 'Brand settings', activeHint: 'An inactive brand tells customers it is not available.',
    updated: 'Updated', deleteBrand: 'Delete brand', deleteQ: 'Delete the brand for good?', deleted: 'Brand deleted.',
    open: 'Open', list: 'List of brands', brandActive: 'Brand active', danger: 'Danger zone',
    deleteHint: 'Only a brand without stores can be deleted.',
  },
});

const LANGS = [{ value: 'pt-BR', label: 'Português (BR)' }, { value: 'en-US', label: 'English (US)' }];

export function BrandList() {
  const { setBrandList } = useSession();
  const list = useLoad(() => api.get('/brands'), []);
  const [form, setForm] = useState({ clientId: '', name: '', twilioPhoneNumber: 'whatsapp:+55', defaultLanguage: 'pt-BR', welcomeMessage: '', asaasSandbox: true });
  const create = useAction((body) => api.post('/brands', body));
  const [ok, setOk] = useState('');
  const set = (k) => (v) => setForm({ ...form, [k]: v });

  const submit = async (e) => {
    e.preventDefault();
    setOk('');
    const b = await create.run(form);
    if (b) {
      setOk(t('created', { name: b.name }));
      const fresh = await api.get('/brands');
      list.setData(fresh);
      setBrandList(fresh.brands || []);
    }
  };

  return (
    <Page title={t('brands')}>
      <Card title={t('list')}>
        {list.loading ? <Loading /> : list.error ? <ErrorBanner error={list.error} /> : (
          <Table caption={t('list')} rowKey={(b) => b.clientId} rows={list.data.brands}
            columns={[
              { key: 'name', label: t('name'), render: (b) => <a href={`#/b/${encodeURIComponent(b.clientId)}`}>{b.name}</a> },
              { key: 'clientId', label: t('clientId'), render: (b) => <code>{b.clientId}</code> },
              { key: 'twilioPhoneNumber', label: t('number') },
              { key: 'active', label: 'Status', render: (b) => <Badge tone={b.active ? 'ok' : 'warn'}>{b.active ? t('active') : t('inactive')}</Badge> },
              { key: 'updatedAt', label: t('updated'), render: (b) => dateTime(b.updatedAt) },
            ]} />
        )}
      </Card>
      <Card title={t('newBrand')} id="new-brand">
        <form onSubmit={submit} noValidate class="grid2">
          <TextField label={t('clientId')} name="clientId" value={form.clientId} onInput={set('clientId')} error={create.error} hint={t('clientIdHint')} />
          <TextField label={t('name')} name="name" value={form.name} onInput={set('name')} error={create.error} />
          <TextField label={t('number')} name="twilioPhoneNumber" value={form.twilioPhoneNumber} onInput={set('twilioPhoneNumber')} error={create.error} hint={t('numberHint')} />
          <SelectField label={t('language')} name="defaultLanguage" value={form.defaultLanguage} onChange={set('defaultLanguage')} options={LANGS} error={create.error} />
          <TextArea label={t('welcome')} name="welcomeMessage" value={form.welcomeMessage} onInput={set('welcomeMessage')} error={create.error} class="span2" />
          <Switch label={t('sandbox')} checked={form.asaasSandbox} onChange={set('asaasSandbox')} />
          <FormActions class="span2" error={create.error} ok={ok} busy={create.busy} label={t('create')} />
        </form>
      </Card>
    </Page>
  );
}

export function BrandSettings({ params }) {
  const { can, setBrandList } = useSession();
  const path = brandPath(params.brand);
  const brand = useLoad(() => api.getVersioned(path), [path]);
  const [form, setForm] = useState(null);
  const [etag, setEtag] = useState('');
  const [ok, setOk] = useState('');
  const save = useAction((body) => api.patch(path, body, etag));
  const remove = useAction(() => api.del(path));

  useEffect(() => {
    if (brand.data) {
      const b = brand.data.data;
      setForm({ name: b.name, defaultLanguage: b.defaultLanguage, welcomeMessage: b.welcomeMessage || '', logoUrl: b.logoUrl || '', active: b.active, asaasSandbox: b.asaasSandbox });
      setEtag(brand.data.etag);
    }
  }, [brand.data]);

  if (brand.loading) return <Page title={t('brandSettings')}><Loading /></Page>;
  if (brand.error) return <Page title={t('brandSettings')}><ErrorBanner error={brand.error} /></Page>;
  if (!form) return null;
  const b = brand.data.data;
  const set = (k) => (v) => setForm({ ...form, [k]: v });
  const ro = !can.write;

  const submit = async (e) => {
    e.preventDefault();
    setOk('');
    const r = await save.run(form);
    if (r) {
      setEtag(r.etag);
      setOk(t('saved'));
      if (can.platform) setBrandList((await api.get('/brands')).brands || []);
    }
  };

  return (
    <Page title={b.name} subtitle={<><code>{b.clientId}</code> · {b.twilioPhoneNumber}</>}
      actions={<Badge tone={b.active ? 'ok' : 'warn'}>{b.active ? t('active') : t('inactive')}</Badge>}>
      <ReadOnlyNote />
      <Card title={t('brandSettings')}>
        <form onSubmit={submit} noValidate class="grid2">
          <TextField label={t('name')} name="name" value={form.name} onInput={set('name')} error={save.error} disabled={ro} />
          <SelectField label={t('language')} name="defaultLanguage" value={form.defaultLanguage} onChange={set('defaultLanguage')} options={LANGS} error={save.error} disabled={ro} />
          <TextArea label={t('welcome')} name="welcomeMessage" value={form.welcomeMessage} onInput={set('welcomeMessage')} error={save.error} disabled={ro} class="span2" />
          <TextField label={t('logo')} name="logoUrl" type="url" value={form.logoUrl} onInput={set('logoUrl')} error={save.error} disabled={ro} />
          <Switch label={t('sandbox')} name="asaasSandbox" checked={form.asaasSandbox} onChange={set('asaasSandbox')} disabled={ro} error={save.error} />
          <Switch label={t('brandActive')} name="active" checked={form.active} onChange={set('active')} disabled={ro} hint={t('activeHint')} error={save.error} />
          {!ro && (
            <FormActions class="span2" error={save.error} ok={ok} busy={save.busy} label={t('save')} />
          )}
        </form>
        <p class="muted small">{t('updated')}: {dateTime(b.updatedAt)}</p>
      </Card>
      {can.platform && (
        <Card title={t('danger')}>
          <p class="muted">{t('deleteHint')}</p>
          <ErrorBanner error={remove.error} />
          <ConfirmButton question={t('deleteQ')} busy={remove.busy} onConfirm={async () => {
            if (await remove.run()) {
              setBrandList((await api.get('/brands')).brands || []);
              navigate('/brands');
            }
          }}>{t('deleteBrand')}</ConfirmButton>
        </Card>
      )}
    </Page>
  );
}
