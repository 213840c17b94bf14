// LGPD (/b/:brand/privacy, brand admins): a customer's data, exported (a summary and the JSON
// to download) or erased (the erasure report).
import { useEffect, useState } from 'preact/hooks';
import { api } from '../../lib/api.js';
import { useAction, useLoad } from '../../lib/data.js';
import { dateTime, number } from '../../lib/i18n.js';
import { queryParams } from '../../lib/router.js';
import { Card, ConfirmButton, ErrorBanner, Page, Success, TextField } from '../../lib/ui.jsx';
import { customerHref, customerPath, loadStores, storeName, t } from './common.jsx';

function normalize(phone) {
  return phone.trim().replace(/\s+/g, '');
}

function fileName(brand, phone) {
  return `wabot-export-${brand}-${phone.replace(/[^0-9]/g, '')}.json`;
}

function ExportSummary({ brand, stores, data }) {
  const [url, setUrl] = useState('');
  useEffect(() => {
    const u = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }));
    setUrl(u);
    return () => URL.revokeObjectURL(u);
  }, [data]);
  const name = fileName(brand, data.phoneNumber || '');
  const conv = data.conversation;
  return (
    <Card title={t('exportTitle')} id="export-result">
      <p>{t('exportOf', { phone: data.phoneNumber, time: dateTime(data.generatedAt) })}</p>
      <dl class="facts" data-testid="export-summary">
        <div>
          <dt>{t('exportMapping')}</dt>
          <dd>{data.mapping ? `${storeName(stores, data.mapping.storeId) || '—'}${data.mapping.optedOut ? ` · ${t('optedOut')}` : ''}` : t('none')}</dd>
        </div>
        <div>
          <dt>{t('exportConversation')}</dt>
          <dd>{conv ? t('conversationSummary', { state: t(`state.${conv.currentState}`), n: number((conv.messageHistory || []).length) }) : t('none')}</dd>
        </div>
        <div><dt>{t('exportOrders')}</dt><dd>{number((data.orders || []).length)}</dd></div>
        <div><dt>{t('exportRecords')}</dt><dd>{number((data.idempotencyRecords || []).length)}</dd></div>
      </dl>
      {url && <p><a class="btn primary" href={url} download={name}>{t('download', { name })}</a></p>}
      {(data.notIncluded || []).length > 0 && (
        <details>
          <summary>{t('notIncluded')}</summary>
          <ul class="not-included">
            {data.notIncluded.map((x) => <li key={x.what}><strong>{x.what}</strong>: {x.why}</li>)}
          </ul>
        </details>
      )}
    </Card>
  );
}

function ErasureReport({ brand, phone, report }) {
  const rows = [
    ['erMappings', report.mappings], ['erConversations', report.conversations],
    ['erRecords', report.idempotencyRecords], ['erOrders', report.ordersPseudonymised],
  ];
  return (
    <Card title={t('eraseTitle')} id="erase-result">
      <Success>{t('erased', { phone })}</Success>
      <dl class="facts" data-testid="erasure-report">
        {rows.map(([k, v]) => <div key={k}><dt>{t(k)}</dt><dd>{number(v || 0)}</dd></div>)}
      </dl>
      <p class="muted small">{t('eraseHint')}</p>
      <p><a href={customerHref(brand, phone)}>{t('openCustomer')}</a></p>
    </Card>
  );
}

export function PrivacyPage({ params }) {
  const brand = params.brand;
  const stores = useLoad(() => loadStores(brand), [brand]);
  const [phone, setPhone] = useState(() => queryParams().get('phone') || '');
  const [missing, setMissing] = useState('');
  const [exported, setExported] = useState(null);
  const [report, setReport] = useState(null);
  const exp = useAction((p) => api.get(customerPath(brand, p, 'export')));
  const erase = useAction((p) => api.post(customerPath(brand, p, 'erase')));

  const target = () => {
    const p = normalize(phone);
    if (!p) {
      setMissing(t('phoneRequired'));
      return '';
    }
    setMissing('');
    return p;
  };
  const doExport = async (e) => {
    e.preventDefault();
    erase.clear();
    const p = target();
    if (!p) return;
    const r = await exp.run(p);
    if (r) setExported(r);
  };
  const doErase = async () => {
    exp.clear();
    const p = target();
    if (!p) return;
    const r = await erase.run(p);
    if (r) setReport({ phone: p, report: r });
  };
  const error = exp.error || erase.error;
  return (
    <Page title={t('privacyTitle')} subtitle={t('privacySubtitle')}>
      <Card title={t('request')} id="lgpd-request">
        <form class="stack" onSubmit={doExport} noValidate>
          <TextField label={t('findLabel')} name="phone" value={phone} hint={t('phoneHint')} inputMode="tel" autoComplete="off"
            error={missing || error} onInput={(v) => { setPhone(v); setMissing(''); }} />
          <ErrorBanner error={error} />
          <div class="row">
            <button type="submit" class="btn primary" disabled={exp.busy}>{t('exportData')}</button>
            <ConfirmButton question={t('eraseQ')} busy={erase.busy} onConfirm={doErase}>{t('eraseData')}</ConfirmButton>
          </div>
        </form>
      </Card>
      {report && <ErasureReport brand={brand} phone={report.phone} report={report.report} />}
      {exported && <ExportSummary brand={brand} stores={stores.data} data={exported} />}
    </Page>
  );
}
