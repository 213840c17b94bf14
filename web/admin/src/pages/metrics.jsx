// Metrics (/b/:brand/metrics): the brand's daily counters over a range of days, for every
// store or one: summary tiles and a chart per group of measures (inline SVG drawn here, each
// with a summary for screen readers and its data as a table).
import './metrics.css';
import { useState } from 'preact/hooks';
import { api, brandPath } from '../lib/api.js';
import { useLoad } from '../lib/data.js';
import { day, messages, money, number } from '../lib/i18n.js';
import { Button, Card, ErrorBanner, Loading, Page, SelectField, Table, TextField } from '../lib/ui.jsx';

const t = messages({
  'pt-BR': {
    title: 'Métricas', subtitle: 'Contadores por dia (dia de São Paulo), atualizados a cada lote de mensagens.',
    filters: 'Período e loja', from: 'De', to: 'Até', allStores: 'Todas as lojas', summary: 'Resumo do período',
    messagesIn: 'Mensagens recebidas', messagesOut: 'Mensagens enviadas', conversations: 'Conversas', orders: 'Pedidos', revenue: 'Faturamento',
    conversion: 'Conversão', handoffs: 'Atendimentos humanos', errors: 'Erros', modelCalls: 'Chamadas ao modelo', modelTokens: 'Tokens do modelo',
    inputTokens: 'Tokens de entrada', outputTokens: 'Tokens de saída', cacheRead: 'Tokens lidos do cache', cacheWrite: 'Tokens gravados no cache',
    fallbacks: 'Respostas sem o modelo (fallback)', cacheHits: 'Respostas do cache de respostas',
    sent: '{n} enviadas', conversionHint: 'pedidos ÷ conversas', revenueHint: 'pedidos enviados às lojas', tokensHint: 'entrada + saída; {r} lidos e {w} gravados no cache',
    callsHint: '{f} fallbacks · {h} do cache de respostas', errorsHint: 'mensagens que falharam',
    chartMessages: 'Mensagens e conversas por dia', chartOrders: 'Pedidos e faturamento por dia', chartConversion: 'Conversão por dia',
    chartHandoffs: 'Atendimentos humanos e erros por dia', chartModel: 'Uso do modelo de IA por dia',
    showTable: 'Ver os dados em tabela', dayCol: 'Dia', axisDay: 'Dia', axisCount: 'Quantidade', axisRevenue: 'Faturamento (R$)', axisPercent: 'Conversão (%)',
    axisTokens: 'Tokens', noData: 'Nenhuma atividade registrada neste período: os dias aparecem com zero.',
    chartSummary: '{title}, de {from} a {to}. {parts}.', seriesSummary: '{label}: total {total}, máximo {max} em {day}',
    seriesSummaryRatio: '{label}: {total} no período, máximo {max} em {day}', charts: 'Gráficos por dia',
  },
  'en-US': {
    title: 'Metrics', subtitle: 'Counters per day (São Paulo\'s day), updated after every batch of messages.',
    filters: 'Period and store', from: 'From', to: 'To', allStores: 'All stores', summary: 'Summary of the period',
    messagesIn: 'Messages received', messagesOut: 'Messages sent', conversations: 'Conversations', orders: 'Orders', revenue: 'Revenue',
    conversion: 'Conversion', handoffs: 'Handoffs to a person', errors: 'Errors', modelCalls: 'Model calls', modelTokens: 'Model tokens',
    inputTokens: 'Input tokens', outputTokens: 'Output tokens', cacheRead: 'Cache read tokens', cacheWrite: 'Cache write tokens',
    fallbacks: 'Answered without the model (fallbacks)', cacheHits: 'Answer cache hits',
    sent: '{n} sent', conversionHint: 'orders ÷ conversations', revenueHint: 'orders sent to the stores', tokensHint: 'input + output; {r} read from and {w} written to the cache',
    callsHint: '{f} fallbacks · {h} from the answer cache', errorsHint: 'messages that failed',
    chartMessages: 'Messages and conversations per day', chartOrders: 'Orders and revenue per day', chartConversion: 'Conversion per day',
    chartHandoffs: 'Handoffs and errors per day', chartModel: 'AI model usage per day',
    showTable: 'Show the data as a table', dayCol: 'Day', axisDay: 'Day', axisCount: 'Count', axisRevenue: 'Revenue (R$)', axisPercent: 'Conversion (%)',
    axisTokens: 'Tokens', noData: 'No activity recorded in this period: the days show as zero.',
    chartSummary: '{title}, {from} to {to}. {parts}.', seriesSummary: '{label}: total {total}, highest {max} on {day}',
    seriesSummaryRatio: '{label}: {total} over the period, highest {max} on {day}', charts: 'Charts per day',
  },
});

const KEYS = ['messagesIn', 'messagesOut', 'conversations', 'orders', 'revenueCents', 'handoffs', 'errors', 'modelCalls', 'modelInputTokens',
  'modelOutputTokens', 'modelCacheReadTokens', 'modelCacheWriteTokens', 'modelFallbacks', 'answerCacheHits'];

// Colours distinguishable for colour-blind readers, at least 3:1 on white.
const C = { green: '#0b6b4f', blue: '#1a56db', amber: '#a14f00', purple: '#6d28d9', red: '#b42318', teal: '#0e6e82' };

// isoDay is today in São Paulo, YYYY-MM-DD (the API's metrics day), shifted by delta days.
function spDay(delta = 0) {
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Sao_Paulo', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
  return addDays(today, delta);
}

function addDays(iso, delta) {
  const [y, m, d] = iso.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + delta)).toISOString().slice(0, 10);
}

// series builds one row per day from from to to (inclusive), summing the stores' counters;
// a day without counters is all zeros.
export function series(view) {
  const byDay = new Map();
  for (const d of view.days || []) {
    const row = byDay.get(d.day) || Object.fromEntries(KEYS.map((k) => [k, 0]));
    for (const k of KEYS) row[k] += d[k] || 0;
    byDay.set(d.day, row);
  }
  const out = [];
  for (let x = view.from, n = 0; x && x <= view.to && n < 93; x = addDays(x, 1), n++) {
    const row = { day: x, ...(byDay.get(x) || Object.fromEntries(KEYS.map((k) => [k, 0]))) };
    row.conversion = row.conversations > 0 ? row.orders / row.conversations : 0;
    row.tokens = row.modelInputTokens + row.modelOutputTokens;
    out.push(row);
  }
  return out;
}

const pct = (v) => number(v, { style: 'percent', maximumFractionDigits: 1 });
const int = (v) => number(v);
const compact = (v) => number(v, { notation: 'compact', maximumFractionDigits: 1 });
const reais = (cents) => number(cents / 100, { notation: 'compact', maximumFractionDigits: 1 });

// niceTop is a round upper bound of the axis for max, and its tick step.
function niceTop(max, integer) {
  if (!(max > 0)) return { top: integer ? 4 : 1, step: integer ? 1 : 0.25 };
  const raw = max / 4;
  const p = 10 ** Math.floor(Math.log10(raw));
  let step = [1, 2, 2.5, 5, 10].map((m) => m * p).find((s) => s >= raw);
  if (integer) step = Math.max(1, Math.ceil(step));
  return { top: Math.ceil(max / step - 1e-9) * step, step };
}

// Chart draws days as grouped bars (kind bar) and lines (kind line) on a left axis and an
// optional right one. series: [{ key, label, color, kind, axis, format, total? }].
function Chart({ id, title, days, series: ss, leftTitle, rightTitle, leftFormat, rightFormat, leftInteger = true, rightInteger = true }) {
  const W = 760;
  const H = 270;
  const hasRight = ss.some((s) => s.axis === 'right');
  const m = { l: 64, r: hasRight ? 68 : 16, t: 14, b: 52 };
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const n = days.length;
  const band = pw / Math.max(n, 1);
  const maxOf = (axis) => Math.max(0, ...ss.filter((s) => (s.axis || 'left') === axis).flatMap((s) => days.map((d) => d[s.key])));
  const left = niceTop(maxOf('left'), leftInteger);
  const right = niceTop(maxOf('right'), rightInteger);
  const y = (v, axis) => m.t + ph - (v / (axis === 'right' ? right.top : left.top)) * ph;
  const bars = ss.filter((s) => s.kind !== 'line');
  const lines = ss.filter((s) => s.kind === 'line');
  const groupW = band * 0.72;
  const barW = bars.length ? groupW / bars.length : 0;
  const cx = (i) => m.l + band * i + band / 2;
  const every = Math.max(1, Math.ceil(n / Math.max(1, Math.floor(pw / 56))));
  const ticks = (a) => Array.from({ length: Math.round(a.top / a.step) + 1 }, (_, i) => i * a.step);

  const summary = ss.map((s) => {
    let max = -1;
    let at = days[0]?.day;
    for (const d of days) if (d[s.key] > max) { max = d[s.key]; at = d.day; }
    const total = s.total !== undefined ? s.total : days.reduce((a, d) => a + d[s.key], 0);
    return t(s.total !== undefined ? 'seriesSummaryRatio' : 'seriesSummary', { label: s.label, total: s.format(total), max: s.format(Math.max(max, 0)), day: day(at) });
  }).join('; ');
  const label = t('chartSummary', { title, from: day(days[0]?.day), to: day(days[n - 1]?.day), parts: summary });

  return (
    <figure class="chart" aria-labelledby={`${id}-cap`}>
      <figcaption id={`${id}-cap`}><h3>{title}</h3></figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={label} data-chart={id} preserveAspectRatio="xMidYMid meet">
        <g class="grid">
          {ticks(left).map((v) => (
            <g key={v}>
              <line x1={m.l} x2={W - m.r} y1={y(v, 'left')} y2={y(v, 'left')} />
              <text class="tick" x={m.l - 6} y={y(v, 'left') + 4} text-anchor="end">{leftFormat(v)}</text>
            </g>
          ))}
          {hasRight && ticks(right).map((v) => (
            <text key={v} class="tick" x={W - m.r + 6} y={y(v, 'right') + 4} text-anchor="start">{rightFormat(v)}</text>
          ))}
        </g>
        <line class="axis" x1={m.l} x2={W - m.r} y1={m.t + ph} y2={m.t + ph} />
        <line class="axis" x1={m.l} x2={m.l} y1={m.t} y2={m.t + ph} />
        {hasRight && <line class="axis" x1={W - m.r} x2={W - m.r} y1={m.t} y2={m.t + ph} />}
        <text class="axis-title" transform={`translate(14 ${m.t + ph / 2}) rotate(-90)`} text-anchor="middle">{leftTitle}</text>
        {hasRight && <text class="axis-title" transform={`translate(${W - 10} ${m.t + ph / 2}) rotate(90)`} text-anchor="middle">{rightTitle}</text>}
        <text class="axis-title" x={m.l + pw / 2} y={H - 6} text-anchor="middle">{t('axisDay')}</text>
        {days.map((d, i) => (i % every === 0 ? <text key={d.day} class="tick" x={cx(i)} y={m.t + ph + 18} text-anchor="middle">{day(d.day)}</text> : null))}
        {days.map((d, i) => bars.map((s, j) => {
          const v = d[s.key];
          const top = y(v, s.axis || 'left');
          return v > 0 ? <rect key={`${d.day}-${s.key}`} x={cx(i) - groupW / 2 + j * barW} y={top} width={Math.max(barW - 1, 1)} height={m.t + ph - top} fill={s.color} /> : null;
        }))}
        {lines.map((s) => (
          <g key={s.key}>
            <polyline fill="none" stroke={s.color} stroke-width="2.5" stroke-dasharray={s.dash} points={days.map((d, i) => `${cx(i)},${y(d[s.key], s.axis || 'left')}`).join(' ')} />
            {days.map((d, i) => <circle key={d.day} cx={cx(i)} cy={y(d[s.key], s.axis || 'left')} r="3.5" fill={s.color} />)}
          </g>
        ))}
        {days.map((d, i) => (
          <rect key={`hit-${d.day}`} class="hit" x={m.l + band * i} y={m.t} width={band} height={ph}>
            <title>{`${day(d.day)} — ${ss.map((s) => `${s.label}: ${s.format(d[s.key])}`).join(', ')}`}</title>
          </rect>
        ))}
      </svg>
      <ul class="legend">
        {ss.map((s) => (
          <li key={s.key}>
            <span class={`swatch ${s.kind === 'line' ? 'line' : ''} ${s.dash ? 'dashed' : ''}`} style={{ '--c': s.color }} aria-hidden="true" />
            {s.label}
          </li>
        ))}
      </ul>
      <details class="chart-data">
        <summary>{t('showTable')}</summary>
        <Table caption={title} rows={days} rowKey={(d) => d.day}
          columns={[{ key: 'day', label: t('dayCol'), render: (d) => day(d.day) },
            ...ss.map((s) => ({ key: s.key, label: s.label, class: 'num', render: (d) => s.format(d[s.key]) }))]} />
      </details>
    </figure>
  );
}

function Tile({ label, value, hint, testid }) {
  return (
    <li class="tile" data-testid={testid}>
      <span class="tile-label">{label}</span>
      <span class="tile-value">{value}</span>
      {hint && <span class="tile-hint">{hint}</span>}
    </li>
  );
}

function MetricsPage({ params }) {
  const brand = params.brand;
  const [range, setRange] = useState({ from: spDay(-6), to: spDay(0) });
  const [store, setStore] = useState('');
  const stores = useLoad(() => api.get(brandPath(brand, 'stores')), [brand]);
  const metrics = useLoad(() => api.get(brandPath(brand, 'metrics'), { from: range.from, to: range.to, storeId: store }), [brand, range.from, range.to, store]);
  const setDate = (k) => (v) => { if (v) setRange({ ...range, [k]: v }); };

  const view = metrics.data;
  const days = view ? series(view) : [];
  const tot = view?.totals || {};
  const empty = view && (view.days || []).length === 0;
  const tokens = (tot.modelInputTokens || 0) + (tot.modelOutputTokens || 0);

  return (
    <Page title={t('title')} subtitle={t('subtitle')} actions={<Button onClick={() => metrics.reload()}>{t('refresh')}</Button>}>
      <Card title={t('filters')} id="metrics-filters">
        <div class="metric-filters">
          <TextField label={t('from')} name="from" type="date" value={range.from} onInput={setDate('from')} error={metrics.error} />
          <TextField label={t('to')} name="to" type="date" value={range.to} onInput={setDate('to')} error={metrics.error} />
          {stores.data && (
            <SelectField label={t('store')} name="storeId" value={store} onChange={setStore} error={metrics.error}
              options={[{ value: '', label: t('allStores') }, ...stores.data.stores.map((s) => ({ value: s.storeId, label: s.storeName || s.storeId }))]} />
          )}
        </div>
        {stores.error && <ErrorBanner error={stores.error} />}
      </Card>
      {metrics.loading ? <Loading /> : metrics.error ? <ErrorBanner error={metrics.error} /> : view && (
        <>
          <Card title={t('summary')} id="metrics-summary">
            {empty && <p class="note" role="note">{t('noData')}</p>}
            <ul class="tiles">
              <Tile testid="tile-messages" label={t('messagesIn')} value={int(tot.messagesIn)} hint={t('sent', { n: int(tot.messagesOut) })} />
              <Tile testid="tile-conversations" label={t('conversations')} value={int(tot.conversations)} />
              <Tile testid="tile-orders" label={t('orders')} value={int(tot.orders)} />
              <Tile testid="tile-revenue" label={t('revenue')} value={money(tot.revenueCents || 0)} hint={t('revenueHint')} />
              <Tile testid="tile-conversion" label={t('conversion')} value={pct(view.conversion || 0)} hint={t('conversionHint')} />
              <Tile testid="tile-handoffs" label={t('handoffs')} value={int(tot.handoffs)} />
              <Tile testid="tile-errors" label={t('errors')} value={int(tot.errors)} hint={t('errorsHint')} />
              <Tile testid="tile-model-calls" label={t('modelCalls')} value={int(tot.modelCalls)}
                hint={t('callsHint', { f: int(tot.modelFallbacks), h: int(tot.answerCacheHits) })} />
              <Tile testid="tile-model-tokens" label={t('modelTokens')} value={int(tokens)}
                hint={t('tokensHint', { r: int(tot.modelCacheReadTokens), w: int(tot.modelCacheWriteTokens) })} />
            </ul>
          </Card>
          <Card title={t('charts')} id="metrics-charts">
            <div class="charts">
              <Chart id="chart-messages" title={t('chartMessages')} days={days} leftTitle={t('axisCount')} leftFormat={compact}
                series={[
                  { key: 'messagesIn', label: t('messagesIn'), color: C.green, format: int },
                  { key: 'messagesOut', label: t('messagesOut'), color: C.blue, format: int },
                  { key: 'conversations', label: t('conversations'), color: C.amber, format: int },
                ]} />
              <Chart id="chart-orders" title={t('chartOrders')} days={days} leftTitle={t('axisCount')} leftFormat={compact}
                rightTitle={t('axisRevenue')} rightFormat={reais} rightInteger={false}
                series={[
                  { key: 'orders', label: t('orders'), color: C.green, format: int },
                  { key: 'revenueCents', label: t('revenue'), color: C.purple, kind: 'line', axis: 'right', format: (v) => money(v) },
                ]} />
              <Chart id="chart-conversion" title={t('chartConversion')} days={days} leftTitle={t('axisPercent')} leftFormat={(v) => number(v, { style: 'percent', maximumFractionDigits: 0 })}
                leftInteger={false}
                series={[{ key: 'conversion', label: t('conversion'), color: C.teal, kind: 'line', format: pct, total: view.conversion || 0 }]} />
              <Chart id="chart-handoffs" title={t('chartHandoffs')} days={days} leftTitle={t('axisCount')} leftFormat={compact}
                series={[
                  { key: 'handoffs', label: t('handoffs'), color: C.amber, format: int },
                  { key: 'errors', label: t('errors'), color: C.red, format: int },
                ]} />
              <Chart id="chart-model" title={t('chartModel')} days={days} leftTitle={t('axisCount')} leftFormat={compact}
                rightTitle={t('axisTokens')} rightFormat={compact}
                series={[
                  { key: 'modelCalls', label: t('modelCalls'), color: C.green, format: int },
                  { key: 'modelFallbacks', label: t('fallbacks'), color: C.red, format: int },
                  { key: 'answerCacheHits', label: t('cacheHits'), color: C.amber, format: int },
                  { key: 'modelInputTokens', label: t('inputTokens'), color: C.blue, kind: 'line', axis: 'right', format: int },
                  { key: 'modelOutputTokens', label: t('outputTokens'), color: C.purple, kind: 'line', axis: 'right', format: int, dash: '6 4' },
                  { key: 'modelCacheReadTokens', label: t('cacheRead'), color: C.teal, kind: 'line', axis: 'right', format: int, dash: '2 3' },
                  { key: 'modelCacheWriteTokens', label: t('cacheWrite'), color: '#4f5661', kind: 'line', axis: 'right', format: int, dash: '10 3 2 3' },
                ]} />
            </div>
          </Card>
        </>
      )}
    </Page>
  );
}

export const routes = [
  { path: '/b/:brand/metrics', page: MetricsPage },
];
