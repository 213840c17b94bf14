// Integrations (/b/:brand/integrations): whether the brand's Twilio and Asaas credentials are
// set (the API says only "configured" and the last four characters, never a value), and
// forms that replace them (writers). Secret inputs are password fields, emptied after saving.
import { useEffect, useState } from 'preact/hooks';
import './stores.css';
import { api, brandPath } from '../lib/api.js';
import { useAction, useLoad } from '../lib/data.js';
import { messages } from '../lib/i18n.js';
import { Badge, Card, ErrorBanner, FormActions, Loading, Page, ReadOnlyNote, Switch, TextField, useSession } from '../lib/ui.jsx';

const t = messages({
  'pt-BR': {
    title: 'Integrações', twilio: 'Twilio (WhatsApp)', asaas: 'Asaas (pagamentos)', configured: 'configurado', notConfigured: 'não configurado',
    allSet: 'Configurado', missing: 'Incompleto', notProvisioned: 'O segredo desta integração ainda não foi provisionado (deploy da marca): não é possível salvar.',
    accountSid: 'Account SID', authToken: 'Auth token', phoneNumber: 'Número do WhatsApp', apiKey: 'Chave de API', webhookToken: 'Token do webhook',
    sandbox: 'Ambiente sandbox (testes) do Asaas', sandboxOn: 'sandbox (testes)', sandboxOff: 'produção', environment: 'Ambiente',
    accountSidHint: '"AC" seguido de 32 dígitos hexadecimais.', authTokenHint: 'Não é mostrado depois de salvo.',
    phoneHint: 'No formato whatsapp:+5511999999999. Não pode ser o número de outra marca.',
    apiKeyHint: 'A chave da conta Asaas da marca ($aact_...). Não é mostrada depois de salva.',
    webhookTokenHint: 'O token de autenticação do webhook configurado no Asaas, de 32 a 255 caracteres.',
    replaceTwilio: 'Substituir credenciais do Twilio', replaceAsaas: 'Substituir credenciais do Asaas',
    saveTwilio: 'Salvar Twilio', saveAsaas: 'Salvar Asaas', savedTwilio: 'Credenciais do Twilio salvas.', savedAsaas: 'Credenciais do Asaas salvas.',
    secretsNote: 'Os valores dos segredos nunca são exibidos: só se estão configurados e seus quatro últimos caracteres.',
  },
  'en-US': {
    title: 'Integrations', twilio: 'Twilio (WhatsApp)', asaas: 'Asaas (payments)', configured: 'configured', notConfigured: 'not configured',
    allSet: 'Configured', missing: 'Incomplete', notProvisioned: 'This integration\'s secret is not provisioned yet (the brand\'s deploy): it cannot be saved.',
    accountSid: 'Account SID', authToken: 'Auth token', phoneNumber: 'WhatsApp number', apiKey: 'API key', webhookToken: 'Webhook token',
    sandbox: 'Asaas sandbox (testing) environment', sandboxOn: 'sandbox (testing)', sandboxOff: 'production', environment: 'Environment',
    accountSidHint: '"AC" and 32 hexadecimal digits.', authTokenHint: 'Never shown once saved.',
    phoneHint: 'As whatsapp:+5511999999999. Cannot be another brand\'s number.',
    apiKeyHint: 'The key of the brand\'s Asaas account ($aact_...). Never shown once saved.',
    webhookTokenHint: 'The authentication token set on the Asaas webhook, 32 to 255 characters.',
    replaceTwilio: 'Replace the Twilio credentials', replaceAsaas: 'Replace the Asaas credentials',
    saveTwilio: 'Save Twilio', saveAsaas: 'Save Asaas', savedTwilio: 'Twilio credentials saved.', savedAsaas: 'Asaas credentials saved.',
    secretsNote: 'Secret values are never shown: only whether they are set and their last four characters.',
  },
});

// SecretLine says whether a secret is set: "configured ••••1234" or "not configured".
function SecretLine({ label, status, id }) {
  return (
    <>
      <dt>{label}</dt>
      <dd data-testid={id}>
        {status?.configured
          ? <>{t('configured')}{status.last4 && <> <span class="masked">••••{status.last4}</span></>}</>
          : <span class="muted">{t('notConfigured')}</span>}
      </dd>
    </>
  );
}

function TwilioCard({ brand, data, onSaved, ro }) {
  const tw = data.twilio || {};
  const [form, setForm] = useState({ accountSid: '', authToken: '', phoneNumber: data.twilioPhoneNumber || '' });
  const [ok, setOk] = useState('');
  useEffect(() => setForm((f) => ({ ...f, phoneNumber: data.twilioPhoneNumber || '' })), [data.twilioPhoneNumber]);
  const save = useAction((body) => api.put(brandPath(brand, 'integrations', 'twilio'), body));
  const set = (k) => (v) => setForm((f) => ({ ...f, [k]: v }));
  const submit = async (e) => {
    e.preventDefault();
    setOk('');
    const r = await save.run(form);
    if (r) {
      setForm({ accountSid: '', authToken: '', phoneNumber: r.twilioPhoneNumber || form.phoneNumber });
      setOk(t('savedTwilio'));
      onSaved(r);
    }
  };
  return (
    <Card title={t('twilio')} id="twilio" actions={<Badge tone={tw.configured ? 'ok' : 'warn'}>{tw.configured ? t('allSet') : t('missing')}</Badge>}>
      <dl class="secret-status">
        <SecretLine label={t('accountSid')} status={tw.accountSid} id="twilio-accountSid" />
        <SecretLine label={t('authToken')} status={tw.authToken} id="twilio-authToken" />
        <dt>{t('phoneNumber')}</dt>
        <dd data-testid="twilio-phoneNumber">{data.twilioPhoneNumber || <span class="muted">{t('notConfigured')}</span>}</dd>
      </dl>
      {!tw.provisioned && <p class="note">{t('notProvisioned')}</p>}
      {!ro && (
        <form onSubmit={submit} noValidate aria-labelledby="twilio-form-title">
          <h3 id="twilio-form-title">{t('replaceTwilio')}</h3>
          <div class="grid2">
            <TextField label={t('accountSid')} name="accountSid" value={form.accountSid} onInput={set('accountSid')} error={save.error}
              hint={t('accountSidHint')} autoComplete="off" />
            <TextField label={t('authToken')} name="authToken" type="password" value={form.authToken} onInput={set('authToken')} error={save.error}
              hint={t('authTokenHint')} autoComplete="new-password" />
            <TextField label={t('phoneNumber')} name="phoneNumber" value={form.phoneNumber} onInput={set('phoneNumber')} error={save.error}
              hint={t('phoneHint')} autoComplete="off" />
          </div>
          <FormActions error={save.error} ok={ok} busy={save.busy} label={t('saveTwilio')} />
        </form>
      )}
    </Card>
  );
}

function AsaasCard({ brand, data, onSaved, ro }) {
  const as = data.asaas || {};
  const [form, setForm] = useState({ apiKey: '', webhookToken: '', sandbox: !!data.asaasSandbox });
  const [ok, setOk] = useState('');
  useEffect(() => setForm((f) => ({ ...f, sandbox: !!data.asaasSandbox })), [data.asaasSandbox]);
  const save = useAction((body) => api.put(brandPath(brand, 'integrations', 'asaas'), body));
  const set = (k) => (v) => setForm((f) => ({ ...f, [k]: v }));
  const submit = async (e) => {
    e.preventDefault();
    setOk('');
    const r = await save.run(form);
    if (r) {
      setForm({ apiKey: '', webhookToken: '', sandbox: !!r.asaasSandbox });
      setOk(t('savedAsaas'));
      onSaved(r);
    }
  };
  return (
    <Card title={t('asaas')} id="asaas" actions={<Badge tone={as.configured ? 'ok' : 'warn'}>{as.configured ? t('allSet') : t('missing')}</Badge>}>
      <dl class="secret-status">
        <SecretLine label={t('apiKey')} status={as.apiKey} id="asaas-apiKey" />
        <SecretLine label={t('webhookToken')} status={as.webhookToken} id="asaas-webhookToken" />
        <dt>{t('environment')}</dt>
        <dd data-testid="asaas-sandbox">{data.asaasSandbox ? t('sandboxOn') : t('sandboxOff')}</dd>
      </dl>
      {!as.provisioned && <p class="note">{t('notProvisioned')}</p>}
      {!ro && (
        <form onSubmit={submit} noValidate aria-labelledby="asaas-form-title">
          <h3 id="asaas-form-title">{t('replaceAsaas')}</h3>
          <div class="grid2">
            <TextField label={t('apiKey')} name="apiKey" type="password" value={form.apiKey} onInput={set('apiKey')} error={save.error}
              hint={t('apiKeyHint')} autoComplete="new-password" />
            <TextField label={t('webhookToken')} name="webhookToken" type="password" value={form.webhookToken} onInput={set('webhookToken')} error={save.error}
              hint={t('webhookTokenHint')} autoComplete="new-password" />
            <Switch label={t('sandbox')} name="sandbox" checked={form.sandbox} onChange={set('sandbox')} error={save.error} />
          </div>
          <FormActions error={save.error} ok={ok} busy={save.busy} label={t('saveAsaas')} />
        </form>
      )}
    </Card>
  );
}

function Integrations({ params }) {
  const { can } = useSession();
  const res = useLoad(() => api.get(brandPath(params.brand, 'integrations')), [params.brand]);
  const ro = !can.write;
  return (
    <Page title={t('title')} subtitle={t('secretsNote')}>
      <ReadOnlyNote />
      {res.loading && !res.data ? <Loading /> : res.error && !res.data ? <ErrorBanner error={res.error} /> : (
        <>
          <TwilioCard brand={params.brand} data={res.data} onSaved={res.setData} ro={ro} />
          <AsaasCard brand={params.brand} data={res.data} onSaved={res.setData} ro={ro} />
        </>
      )}
    </Page>
  );
}

export const routes = [
  { path: '/b/:brand/integrations', page: Integrations },
];
