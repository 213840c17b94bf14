// Stores: a brand's stores (/b/:brand/stores), a new store (/stores/new, writers) and a store's
// editor (/stores/:store): basics and address, weekly opening hours, delivery and pickup,
// payment methods, and activation (which needs the store's POS queue, made by its
// TenantStore construct). Changes are sent with If-Match; a stale version is said plainly.
import { useEffect, useState } from 'preact/hooks';
import './stores.css';
import { api, brandPath } from '../lib/api.js';
import { useAction, useLoad } from '../lib/data.js';
import { dateTime, language, messages, money, number } from '../lib/i18n.js';
import { navigate, queryParams } from '../lib/router.js';
import {
  Badge, Button, Card, ConfirmButton, ErrorBanner, Loading, MoneyField, Page, ReadOnlyNote, SelectField, Success, Switch, Table,
  TextField, useSession,
} from '../lib/ui.jsx';

const t = messages({
  'pt-BR': {
    stores: 'Lojas', list: 'Lojas da marca', newStore: 'Nova loja', store: 'Loja', address: 'Endereço', hoursToday: 'Hoje',
    service: 'Atendimento', payment: 'Pagamento', status: 'Situação', openNow: 'Aberta agora', closedNow: 'Fechada agora',
    closedToday: 'Fechada hoje', delivery: 'Entrega', pickup: 'Retirada', queueOk: 'Fila do PDV configurada', queueMissing: 'Sem fila do PDV',
    noStores: 'Esta marca ainda não tem lojas.', edit: 'Editar', storeTz: 'fuso {tz}',
    basics: 'Dados da loja', name: 'Nome da loja', storeId: 'Identificador (storeId)', storeIdHint: 'Letras minúsculas, números e hífens; não muda depois.',
    phone: 'Telefone da loja', phoneHint: 'Opcional, no formato +5511999999999.', timezone: 'Fuso horário',
    street: 'Rua', streetNumber: 'Número', complement: 'Complemento', neighborhood: 'Bairro', city: 'Cidade', state: 'Estado (UF)',
    postalCode: 'CEP', chooseState: 'Selecione', addressTitle: 'Endereço',
    hours: 'Horário de funcionamento', hoursHint: 'Horários em HH:MM no fuso da loja. Um fechamento antes da abertura vai até o dia seguinte (18:00–02:00); 24:00 fecha à meia-noite.',
    copyMonday: 'Copiar segunda-feira para todos os dias', closed: 'Fechada', open: 'Abre', close: 'Fecha', interval: 'intervalo {n}',
    addInterval: 'Adicionar intervalo', removeInterval: 'Remover', closedDay: 'Fechada neste dia.',
    deliveryTitle: 'Entrega e retirada', deliveryEnabled: 'Faz entregas', pickupEnabled: 'Aceita retirada na loja', fee: 'Taxa de entrega',
    minimum: 'Pedido mínimo', freeAbove: 'Entrega grátis acima de', freeAboveHint: 'Opcional: deixe vazio para nunca ser grátis.',
    radius: 'Raio de entrega (km)', minutes: 'Tempo estimado (minutos)',
    paymentTitle: 'Formas de pagamento', methods: 'Formas aceitas', PIX: 'PIX', CREDIT: 'Cartão de crédito', DEBIT: 'Cartão de débito',
    cardOnline: 'Cobrar cartão de crédito online (link de pagamento)', cardOnlineHint: 'Sem isso o cartão é pago na entrega ou na retirada.',
    statusTitle: 'Ativação', activeLabel: 'Loja ativa', activeHint: 'Só lojas ativas recebem clientes no WhatsApp.',
    queueHint: 'A fila do PDV é criada pelo deploy do construct TenantStore da loja (cdk deploy). Depois dele, ative a loja.',
    newStarts: 'Uma loja nova começa inativa: ative-a depois que o deploy do seu construct TenantStore criar a fila do PDV.',
    create: 'Criar loja', saved: 'Loja salva.', created: 'Loja {name} criada. Ela está inativa até você ativá-la.',
    stale: 'Esta loja foi alterada em outro lugar depois que você a abriu. Recarregue para ver a versão atual (suas alterações não salvas serão perdidas).',
    reload: 'Recarregar a loja', danger: 'Zona de perigo', deleteStore: 'Excluir loja', deleteQ: 'Excluir esta loja para sempre?',
    deleteHint: 'Só é possível excluir uma loja inativa.', updated: 'Atualizada em', back: 'Voltar para as lojas', none: '—',
  },
  'en-US': {
    stores: 'Stores', list: 'The brand\'s stores', newStore: 'New store', store: 'Store', address: 'Address', hoursToday: 'Today',
    service: 'Service', payment: 'Payment', status: 'Status', openNow: 'Open now', closedNow: 'Closed now',
    closedToday: 'Closed today', delivery: 'Delivery', pickup: 'Pickup', queueOk: 'POS queue configured', queueMissing: 'No POS queue',
    noStores: 'This brand has no stores yet.', edit: 'Edit', storeTz: '{tz} time',
    basics: 'Store details', name: 'Store name', storeId: 'Identifier (storeId)', storeIdHint: 'Lowercase letters, digits and hyphens; never changes.',
    phone: 'Store phone', phoneHint: 'Optional, as +5511999999999.', timezone: 'Time zone',
    street: 'Street', streetNumber: 'Number', complement: 'Complement', neighborhood: 'Neighborhood', city: 'City', state: 'State',
    postalCode: 'Postal code (CEP)', chooseState: 'Choose', addressTitle: 'Address',
    hours: 'Opening hours', hoursHint: 'Times as HH:MM in the store\'s time zone. A closing time before the opening runs into the next day (18:00–02:00); 24:00 closes at midnight.',
    copyMonday: 'Copy Monday to all days', closed: 'Closed', open: 'Opens', close: 'Closes', interval: 'interval {n}',
    addInterval: 'Add interval', removeInterval: 'Remove', closedDay: 'Closed on this day.',
    deliveryTitle: 'Delivery and pickup', deliveryEnabled: 'Delivers', pickupEnabled: 'Takes pickup orders', fee: 'Delivery fee',
    minimum: 'Minimum order', freeAbove: 'Free delivery above', freeAboveHint: 'Optional: leave empty for never free.',
    radius: 'Delivery radius (km)', minutes: 'Estimated time (minutes)',
    paymentTitle: 'Payment methods', methods: 'Accepted methods', PIX: 'PIX', CREDIT: 'Credit card', DEBIT: 'Debit card',
    cardOnline: 'Charge credit cards online (payment link)', cardOnlineHint: 'Without it a card is paid at the door or at pickup.',
    statusTitle: 'Activation', activeLabel: 'Store active', activeHint: 'Only active stores take customers on WhatsApp.',
    queueHint: 'The POS queue is created by deploying the store\'s TenantStore construct (cdk deploy). Activate the store after that.',
    newStarts: 'A new store starts inactive: activate it once its TenantStore construct\'s deploy has created its POS queue.',
    create: 'Create store', saved: 'Store saved.', created: 'Store {name} created. It stays inactive until you activate it.',
    stale: 'This store was changed elsewhere after you opened it. Reload to see the current version (your unsaved changes will be lost).',
    reload: 'Reload the store', danger: 'Danger zone', deleteStore: 'Delete store', deleteQ: 'Delete this store for good?',
    deleteHint: 'Only an inactive store can be deleted.', updated: 'Updated', back: 'Back to the stores', none: '—',
  },
});

const DAY_NAMES = {
  'pt-BR': ['Segunda-feira', 'Terça-feira', 'Quarta-feira', 'Quinta-feira', 'Sexta-feira', 'Sábado', 'Domingo'],
  'en-US': ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'],
};
// The API's weekday keys (shared/domain OperatingHours), Monday first.
export const DAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
const dayName = (i) => (DAY_NAMES[language()] || DAY_NAMES['en-US'])[i];

const METHODS = ['PIX', 'CREDIT', 'DEBIT'];
const STATES = ['AC', 'AL', 'AP', 'AM', 'BA', 'CE', 'DF', 'ES', 'GO', 'MA', 'MT', 'MS', 'MG', 'PA', 'PB', 'PR', 'PE', 'PI', 'RJ', 'RN', 'RS', 'RO', 'RR', 'SC', 'SP', 'SE', 'TO'];
const ZONES = ['America/Sao_Paulo', 'America/Bahia', 'America/Fortaleza', 'America/Recife', 'America/Maceio', 'America/Belem', 'America/Araguaina',
  'America/Santarem', 'America/Manaus', 'America/Cuiaba', 'America/Campo_Grande', 'America/Porto_Velho', 'America/Boa_Vista',
  'America/Rio_Branco', 'America/Eirunepe', 'America/Noronha'];

// ---- time helpers -----------------------------------------------------------------------
function clock(s) {
  const m = /^(\d\d):(\d\d)$/.exec(s || '');
  if (!m) return null;
  return Number(m[1]) * 60 + Number(m[2]);
}

// nowIn is the weekday key and minutes after midnight in the zone tz.
function nowIn(tz) {
  try {
    const parts = new Intl.DateTimeFormat('en-US', { timeZone: tz || 'America/Sao_Paulo', weekday: 'long', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(new Date());
    const get = (k) => parts.find((p) => p.type === k)?.value || '';
    return { day: get('weekday').toLowerCase(), minutes: (Number(get('hour')) % 24) * 60 + Number(get('minute')) };
  } catch {
    return null;
  }
}

// isOpen follows the API's rule: a range closing before it opens runs past midnight.
function isOpen(hours, now) {
  if (!now || !hours) return false;
  const yesterday = DAYS[(DAYS.indexOf(now.day) + 6) % 7];
  for (const r of hours[now.day] || []) {
    const o = clock(r.open); const c = clock(r.close);
    if (o === null || c === null) continue;
    if (c > o && now.minutes >= o && now.minutes < c) return true;
    if (c < o && now.minutes >= o) return true;
  }
  for (const r of hours[yesterday] || []) {
    const o = clock(r.open); const c = clock(r.close);
    if (o === null || c === null) continue;
    if (c < o && now.minutes < c) return true;
  }
  return false;
}

function rangesText(ranges) {
  return (ranges || []).map((r) => `${r.open}–${r.close}`).join(', ');
}

function addressLine(a) {
  if (!a) return '';
  const first = [a.street, a.number].filter(Boolean).join(', ') + (a.complement ? ` – ${a.complement}` : '');
  const place = [a.neighborhood, [a.city, a.state].filter(Boolean).join('/')].filter(Boolean).join(', ');
  return [first, place].filter(Boolean).join(' – ');
}

// exact is the API's message for exactly this field (not one under it).
function exact(error, name) {
  return error?.fields?.[name];
}

// ---- list -------------------------------------------------------------------------------
function StoreList({ params }) {
  const { can } = useSession();
  const list = useLoad(() => api.get(brandPath(params.brand, 'stores')), [params.brand]);
  const base = `#/b/${encodeURIComponent(params.brand)}/stores`;
  return (
    <Page title={t('stores')}
      actions={can.write && <a class="btn primary" href={`${base}/new`}>{t('newStore')}</a>}>
      <Card>
        {list.loading ? <Loading /> : list.error ? <ErrorBanner error={list.error} /> : (
          <Table caption={t('list')} rowKey={(s) => s.storeId} rows={list.data.stores} empty={t('noStores')}
            columns={[
              {
                key: 'store', label: t('store'), render: (s) => (
                  <div class="store-cell">
                    <a href={`${base}/${encodeURIComponent(s.storeId)}`}><strong>{s.storeName || s.storeId}</strong></a>
                    <div><code>{s.storeId}</code></div>
                    <div class="muted small">{addressLine(s.address)}</div>
                  </div>
                ),
              },
              {
                key: 'hours', label: t('hoursToday'), render: (s) => {
                  const now = nowIn(s.timezone);
                  const today = now ? s.operatingHours?.[now.day] : null;
                  const open = isOpen(s.operatingHours, now);
                  return (
                    <div class="stack-tight">
                      <Badge tone={open ? 'ok' : 'neutral'}>{open ? t('openNow') : t('closedNow')}</Badge>
                      <div>{today && today.length ? rangesText(today) : t('closedToday')}</div>
                      {s.timezone && s.timezone !== 'America/Sao_Paulo' && <div class="muted small">{t('storeTz', { tz: s.timezone })}</div>}
                    </div>
                  );
                },
              },
              {
                key: 'service', label: t('service'), render: (s) => {
                  const d = s.deliveryConfig || {};
                  return (
                    <div class="stack-tight">
                      <div class="badges">
                        {d.deliveryEnabled && <Badge tone="info">{t('delivery')}</Badge>}
                        {d.pickupEnabled && <Badge tone="info">{t('pickup')}</Badge>}
                      </div>
                      {d.deliveryEnabled && <div class="muted small">{money(d.deliveryFeeCents)} · {number(d.deliveryRadiusKm)} km · {d.estimatedMinutes} min</div>}
                      <div class="small">{(s.paymentMethods || []).map((m) => t(m)).join(', ')}</div>
                    </div>
                  );
                },
              },
              {
                key: 'status', label: t('status'), render: (s) => (
                  <div class="badges">
                    <Badge tone={s.active ? 'ok' : 'warn'}>{s.active ? t('active') : t('inactive')}</Badge>
                    <Badge tone={s.sqsQueueUrl ? 'ok' : 'warn'}>{s.sqsQueueUrl ? t('queueOk') : t('queueMissing')}</Badge>
                  </div>
                ),
              },
            ]} />
        )}
      </Card>
    </Page>
  );
}

// ---- form model ---------------------------------------------------------------------------
function emptyForm() {
  const hours = {};
  for (const d of DAYS) hours[d] = { closed: false, ranges: [{ open: '11:00', close: '23:00' }] };
  return {
    storeId: '', storeName: '', phoneNumber: '', timezone: 'America/Sao_Paulo',
    address: { street: '', number: '', complement: '', neighborhood: '', city: '', state: '', postalCode: '' },
    hours,
    delivery: { deliveryEnabled: true, pickupEnabled: true, deliveryFeeCents: 0, minimumOrderCents: 0, freeDeliveryAboveCents: undefined, deliveryRadiusKm: '5', estimatedMinutes: '40' },
    paymentMethods: ['PIX'], cardOnline: false, active: false,
  };
}

function formOf(s) {
  const hours = {};
  for (const d of DAYS) {
    const ranges = (s.operatingHours?.[d] || []).map((r) => ({ open: r.open, close: r.close }));
    hours[d] = { closed: ranges.length === 0, ranges: ranges.length ? ranges : [{ open: '11:00', close: '23:00' }] };
  }
  const a = s.address || {};
  const d = s.deliveryConfig || {};
  return {
    storeId: s.storeId, storeName: s.storeName || '', phoneNumber: s.phoneNumber || '', timezone: s.timezone || 'America/Sao_Paulo',
    address: { street: a.street || '', number: a.number || '', complement: a.complement || '', neighborhood: a.neighborhood || '', city: a.city || '', state: a.state || '', postalCode: a.postalCode || '' },
    hours,
    delivery: {
      deliveryEnabled: !!d.deliveryEnabled, pickupEnabled: !!d.pickupEnabled, deliveryFeeCents: d.deliveryFeeCents ?? 0, minimumOrderCents: d.minimumOrderCents ?? 0,
      freeDeliveryAboveCents: d.freeDeliveryAboveCents || undefined, deliveryRadiusKm: String(d.deliveryRadiusKm ?? ''), estimatedMinutes: String(d.estimatedMinutes ?? ''),
    },
    paymentMethods: [...(s.paymentMethods || [])], cardOnline: !!s.cardOnline, active: !!s.active,
  };
}

// numeric sends a number the user typed as a number, and anything else as it is, so the
// API names the field ("must be a number").
function numeric(text) {
  const v = String(text ?? '').trim();
  if (v === '') return 0;
  const n = Number(v.replace(',', '.'));
  return Number.isFinite(n) ? n : v;
}
function cents(c) {
  if (c === undefined || c === null) return 0;
  return Number.isNaN(c) ? 'not a number' : c;
}

function bodyOf(form, create) {
  const operatingHours = {};
  for (const d of DAYS) operatingHours[d] = form.hours[d].closed ? [] : form.hours[d].ranges.map((r) => ({ open: r.open.trim(), close: r.close.trim() }));
  const addr = { ...form.address };
  if (!addr.complement) delete addr.complement;
  const dl = form.delivery;
  const body = {
    storeName: form.storeName, address: addr, timezone: form.timezone, operatingHours,
    deliveryConfig: {
      deliveryEnabled: dl.deliveryEnabled, pickupEnabled: dl.pickupEnabled, deliveryFeeCents: cents(dl.deliveryFeeCents),
      minimumOrderCents: cents(dl.minimumOrderCents), freeDeliveryAboveCents: cents(dl.freeDeliveryAboveCents),
      deliveryRadiusKm: numeric(dl.deliveryRadiusKm), estimatedMinutes: numeric(dl.estimatedMinutes),
    },
    paymentMethods: METHODS.filter((m) => form.paymentMethods.includes(m)), cardOnline: form.cardOnline,
  };
  if (form.phoneNumber.trim() || !create) body.phoneNumber = form.phoneNumber.trim();
  if (create) body.storeId = form.storeId.trim();
  else body.active = form.active;
  return body;
}

// ---- hours editor -------------------------------------------------------------------------
function HoursEditor({ hours, onChange, error, ro }) {
  const setDay = (d, v) => onChange({ ...hours, [d]: v });
  const copyMonday = () => {
    const m = hours.monday;
    const next = {};
    for (const d of DAYS) next[d] = { closed: m.closed, ranges: m.ranges.map((r) => ({ ...r })) };
    onChange(next);
  };
  return (
    <div class="hours">
      {!ro && (
        <div class="hours-tools">
          <Button kind="secondary" onClick={copyMonday}>{t('copyMonday')}</Button>
        </div>
      )}
      {exact(error, 'operatingHours') && <p class="field-error" data-field="operatingHours">{exact(error, 'operatingHours')}</p>}
      {DAYS.map((d, i) => {
        const day = hours[d];
        const name = dayName(i);
        const dayErr = exact(error, `operatingHours.${d}`);
        return (
          <fieldset class="day" key={d} data-day={d}>
            <legend>{name}</legend>
            <div class="day-body">
              <div class="field switch day-closed">
                <input type="checkbox" id={`closed-${d}`} name={`closed.${d}`} checked={day.closed} disabled={ro}
                  onChange={(e) => setDay(d, { ...day, closed: e.currentTarget.checked })} />
                <label for={`closed-${d}`}><span class="sr-only">{name}: </span>{t('closed')}</label>
              </div>
              {day.closed ? <p class="muted small day-closed-note">{t('closedDay')}</p> : (
                <div class="ranges">
                  {day.ranges.map((r, j) => {
                    const field = `operatingHours.${d}[${j}]`;
                    const prefix = `${name}, ${t('interval', { n: j + 1 })}: `;
                    const setRange = (k) => (v) => {
                      const ranges = day.ranges.map((x, idx) => (idx === j ? { ...x, [k]: v } : x));
                      setDay(d, { ...day, ranges });
                    };
                    const rowErr = exact(error, field);
                    return (
                      <div class="range" key={j}>
                        <div class="range-fields">
                          <TextField class="clock" label={<><span class="sr-only">{prefix}</span>{t('open')}</>} name={`${field}.open`} value={r.open}
                            onInput={setRange('open')} error={error} disabled={ro} placeholder="HH:MM" autoComplete="off" />
                          <TextField class="clock" label={<><span class="sr-only">{prefix}</span>{t('close')}</>} name={`${field}.close`} value={r.close}
                            onInput={setRange('close')} error={error} disabled={ro} placeholder="HH:MM" autoComplete="off" />
                          {!ro && (
                            <button type="button" class="btn secondary small range-remove"
                              onClick={() => {
                                const ranges = day.ranges.filter((_, idx) => idx !== j);
                                setDay(d, ranges.length ? { ...day, ranges } : { closed: true, ranges: [{ open: r.open, close: r.close }] });
                              }}>
                              {t('removeInterval')}<span class="sr-only"> {prefix.replace(/: $/, '')}</span>
                            </button>
                          )}
                        </div>
                        {rowErr && <p class="field-error" data-field={field}>{rowErr}</p>}
                      </div>
                    );
                  })}
                  {!ro && day.ranges.length < 6 && (
                    <button type="button" class="btn secondary small range-add"
                      onClick={() => {
                        const last = day.ranges[day.ranges.length - 1];
                        setDay(d, { ...day, ranges: [...day.ranges, { open: last ? last.close : '18:00', close: '23:00' }] });
                      }}>
                      {t('addInterval')}<span class="sr-only"> ({name})</span>
                    </button>
                  )}
                </div>
              )}
            </div>
            {dayErr && <p class="field-error" data-field={`operatingHours.${d}`}>{dayErr}</p>}
          </fieldset>
        );
      })}
    </div>
  );
}

// ---- the store form (create and edit) -----------------------------------------------------
function StoreForm({ brand, create, store, etag, onSaved, onReload }) {
  const { can } = useSession();
  const ro = !can.write;
  const [form, setForm] = useState(() => (store ? formOf(store) : emptyForm()));
  const [ok, setOk] = useState('');
  useEffect(() => { if (store) setForm(formOf(store)); }, [store]);
  const save = useAction(async (body) => (create
    ? api.post(brandPath(brand, 'stores'), body)
    : api.patch(brandPath(brand, 'stores', store.storeId), body, etag)));
  const set = (k) => (v) => setForm((f) => ({ ...f, [k]: v }));
  const setAddr = (k) => (v) => setForm((f) => ({ ...f, address: { ...f.address, [k]: v } }));
  const setDel = (k) => (v) => setForm((f) => ({ ...f, delivery: { ...f.delivery, [k]: v } }));
  const err = save.error;
  const stale = err?.status === 412;

  const submit = async (e) => {
    e.preventDefault();
    setOk('');
    const r = await save.run(bodyOf(form, create));
    if (!r) return;
    if (create) {
      navigate(`/b/${encodeURIComponent(brand)}/stores/${encodeURIComponent(r.storeId)}?created=1`);
    } else {
      setOk(t('saved'));
      onSaved(r);
    }
  };

  const stateOptions = [{ value: '', label: t('chooseState') }, ...STATES.map((s) => ({ value: s, label: s }))];
  if (form.address.state && !STATES.includes(form.address.state)) stateOptions.push({ value: form.address.state, label: form.address.state });
  const zoneOptions = ZONES.map((z) => ({ value: z, label: z }));
  if (form.timezone && !ZONES.includes(form.timezone)) zoneOptions.push({ value: form.timezone, label: form.timezone });
  const d = form.delivery;

  return (
    <form onSubmit={submit} noValidate class="store-form">
      <Card title={t('basics')} id="store-basics">
        <div class="grid2">
          <TextField label={t('name')} name="storeName" value={form.storeName} onInput={set('storeName')} error={err} disabled={ro} autoComplete="off" />
          {create && <TextField label={t('storeId')} name="storeId" value={form.storeId} onInput={set('storeId')} error={err} hint={t('storeIdHint')} autoComplete="off" />}
          <TextField label={t('phone')} name="phoneNumber" type="tel" value={form.phoneNumber} onInput={set('phoneNumber')} error={err} hint={t('phoneHint')} disabled={ro} />
          <SelectField label={t('timezone')} name="timezone" value={form.timezone} onChange={set('timezone')} options={zoneOptions} error={err} disabled={ro} />
        </div>
        <h3>{t('addressTitle')}</h3>
        <div class="grid3 address">
          <TextField class="span2" label={t('street')} name="address.street" value={form.address.street} onInput={setAddr('street')} error={err} disabled={ro} autoComplete="address-line1" />
          <TextField label={t('streetNumber')} name="address.number" value={form.address.number} onInput={setAddr('number')} error={err} disabled={ro} />
          <TextField label={t('complement')} name="address.complement" value={form.address.complement} onInput={setAddr('complement')} error={err} disabled={ro} autoComplete="address-line2" />
          <TextField label={t('neighborhood')} name="address.neighborhood" value={form.address.neighborhood} onInput={setAddr('neighborhood')} error={err} disabled={ro} />
          <TextField label={t('city')} name="address.city" value={form.address.city} onInput={setAddr('city')} error={err} disabled={ro} autoComplete="address-level2" />
          <SelectField label={t('state')} name="address.state" value={form.address.state} onChange={setAddr('state')} options={stateOptions} error={err} disabled={ro} />
          <TextField label={t('postalCode')} name="address.postalCode" value={form.address.postalCode} onInput={setAddr('postalCode')} error={err} disabled={ro} autoComplete="postal-code" placeholder="00000-000" />
        </div>
      </Card>

      <Card title={t('hours')} id="store-hours">
        <p class="hint">{t('hoursHint')}</p>
        <HoursEditor hours={form.hours} onChange={set('hours')} error={err} ro={ro} />
      </Card>

      <Card title={t('deliveryTitle')} id="store-delivery">
        {exact(err, 'deliveryConfig') && <p class="field-error" data-field="deliveryConfig">{exact(err, 'deliveryConfig')}</p>}
        <div class="grid2">
          <Switch label={t('deliveryEnabled')} name="deliveryConfig.deliveryEnabled" checked={d.deliveryEnabled} onChange={setDel('deliveryEnabled')} error={err} disabled={ro} />
          <Switch label={t('pickupEnabled')} name="deliveryConfig.pickupEnabled" checked={d.pickupEnabled} onChange={setDel('pickupEnabled')} error={err} disabled={ro} />
          <MoneyField label={t('fee')} name="deliveryConfig.deliveryFeeCents" cents={d.deliveryFeeCents} onCents={setDel('deliveryFeeCents')} error={err} disabled={ro} />
          <MoneyField label={t('minimum')} name="deliveryConfig.minimumOrderCents" cents={d.minimumOrderCents} onCents={setDel('minimumOrderCents')} error={err} disabled={ro} />
          <MoneyField label={t('freeAbove')} name="deliveryConfig.freeDeliveryAboveCents" cents={d.freeDeliveryAboveCents} onCents={setDel('freeDeliveryAboveCents')} error={err} hint={t('freeAboveHint')} disabled={ro} />
          <TextField label={t('radius')} name="deliveryConfig.deliveryRadiusKm" value={d.deliveryRadiusKm} onInput={setDel('deliveryRadiusKm')} error={err} disabled={ro} inputMode="decimal" />
          <TextField label={t('minutes')} name="deliveryConfig.estimatedMinutes" value={d.estimatedMinutes} onInput={setDel('estimatedMinutes')} error={err} disabled={ro} inputMode="numeric" />
        </div>
      </Card>

      <Card title={t('paymentTitle')} id="store-payment">
        <fieldset class="methods" aria-describedby={exact(err, 'paymentMethods') ? 'payment-methods-err' : undefined}>
          <legend>{t('methods')}</legend>
          {METHODS.map((m, i) => {
            const idx = form.paymentMethods.indexOf(m);
            const itemErr = idx >= 0 ? exact(err, `paymentMethods[${idx}]`) : undefined;
            return (
              <div class="field switch" key={m}>
                <input type="checkbox" id={`pm-${m}`} name={`paymentMethods.${m}`} checked={idx >= 0} disabled={ro}
                  onChange={(e) => {
                    const on = e.currentTarget.checked;
                    setForm((f) => ({ ...f, paymentMethods: on ? [...f.paymentMethods, m] : f.paymentMethods.filter((x) => x !== m) }));
                  }} />
                <label for={`pm-${m}`}>{t(m)}</label>
                {itemErr && <p class="field-error" data-field={`paymentMethods[${i}]`}>{itemErr}</p>}
              </div>
            );
          })}
          {exact(err, 'paymentMethods') && <p class="field-error" id="payment-methods-err" data-field="paymentMethods">{exact(err, 'paymentMethods')}</p>}
        </fieldset>
        <Switch label={t('cardOnline')} name="cardOnline" checked={form.cardOnline} onChange={set('cardOnline')} error={err} hint={t('cardOnlineHint')} disabled={ro} />
      </Card>

      <Card title={t('statusTitle')} id="store-status">
        {create ? <p class="muted">{t('newStarts')}</p> : (
          <>
            <div class="badges">
              <Badge tone={store.sqsQueueUrl ? 'ok' : 'warn'}>{store.sqsQueueUrl ? t('queueOk') : t('queueMissing')}</Badge>
            </div>
            {!store.sqsQueueUrl && <p class="hint">{t('queueHint')}</p>}
            <Switch label={t('activeLabel')} name="active" checked={form.active} onChange={set('active')} error={err} hint={t('activeHint')} disabled={ro} />
          </>
        )}
      </Card>

      {!ro && (
        <div class="form-actions save-bar">
          {stale ? (
            <div class="banner error" role="alert">
              <p class="stale-text">{t('stale')}</p>
              <Button kind="secondary" onClick={() => { save.clear(); setOk(''); onReload(); }}>{t('reload')}</Button>
            </div>
          ) : <ErrorBanner error={err} />}
          <Success>{ok}</Success>
          <button type="submit" class="btn primary" disabled={save.busy}>{save.busy ? t('saving') : create ? t('create') : t('save')}</button>
        </div>
      )}
    </form>
  );
}

function StoreNew({ params }) {
  return (
    <Page title={t('newStore')} subtitle={<a href={`#/b/${encodeURIComponent(params.brand)}/stores`}>{t('back')}</a>}>
      <StoreForm brand={params.brand} create />
    </Page>
  );
}

function StoreEditor({ params }) {
  const { can } = useSession();
  const path = brandPath(params.brand, 'stores', params.store);
  const res = useLoad(() => api.getVersioned(path), [path]);
  const [current, setCurrent] = useState(null);
  const [created, setCreated] = useState(() => queryParams().get('created') === '1');
  // The note is for this visit: a reload does not repeat it.
  useEffect(() => {
    if (created) history.replaceState(null, '', `#/b/${encodeURIComponent(params.brand)}/stores/${encodeURIComponent(params.store)}`);
  }, []);
  const remove = useAction(() => api.del(path));
  useEffect(() => { if (res.data) setCurrent({ store: res.data.data, etag: res.data.etag }); }, [res.data]);

  if (res.loading && !current) return <Page title={t('store')}><Loading /></Page>;
  if (res.error && !current) return <Page title={t('store')}><ErrorBanner error={res.error} /></Page>;
  if (!current) return null;
  const s = current.store;
  return (
    <Page title={s.storeName || s.storeId}
      subtitle={<><code>{s.storeId}</code> · <a href={`#/b/${encodeURIComponent(params.brand)}/stores`}>{t('back')}</a></>}
      actions={(
        <div class="badges">
          <Badge tone={s.active ? 'ok' : 'warn'}>{s.active ? t('active') : t('inactive')}</Badge>
          <Badge tone={s.sqsQueueUrl ? 'ok' : 'warn'}>{s.sqsQueueUrl ? t('queueOk') : t('queueMissing')}</Badge>
        </div>
      )}>
      <ReadOnlyNote />
      {created && <Success>{t('created', { name: s.storeName })}</Success>}
      <StoreForm brand={params.brand} store={s} etag={current.etag}
        onSaved={(r) => { setCreated(false); setCurrent({ store: r.data, etag: r.etag }); }}
        onReload={() => res.reload()} />
      <p class="muted small">{t('updated')}: {dateTime(s.updatedAt)}</p>
      {can.platform && (
        <Card title={t('danger')} id="store-danger">
          <p class="muted">{t('deleteHint')}</p>
          <ErrorBanner error={remove.error} />
          <ConfirmButton question={t('deleteQ')} busy={remove.busy} disabled={s.active} onConfirm={async () => {
            if (await remove.run()) navigate(`/b/${encodeURIComponent(params.brand)}/stores`);
          }}>{t('deleteStore')}</ConfirmButton>
        </Card>
      )}
    </Page>
  );
}

export const routes = [
  { path: '/b/:brand/stores', page: StoreList },
  { path: '/b/:brand/stores/new', page: StoreNew, write: true },
  { path: '/b/:brand/stores/:store', page: StoreEditor },
];
