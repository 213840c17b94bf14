// Shared components. Every control has a label; errors are tied to their control
// (aria-invalid, aria-describedby) and announced; focus is always visible (app.css).
import { createContext } from 'preact';
import { useContext, useEffect, useRef, useState } from 'preact/hooks';
import { tc } from './i18n.js';

// ---- session ----------------------------------------------------------------------------
// Session is { me: {sub, username, role, clientId}, can: {write, platform} }.
export const Session = createContext(null);
export function useSession() {
  return useContext(Session);
}

export function capabilities(me) {
  return {
    platform: me?.role === 'platform-admin',
    write: me?.role === 'platform-admin' || me?.role === 'brand-admin',
  };
}

// ---- page -------------------------------------------------------------------------------
export function Page({ title, subtitle, actions, children }) {
  useEffect(() => {
    document.title = `${title} · wabot`;
  }, [title]);
  return (
    <section class="page" aria-labelledby="page-title">
      <header class="page-head">
        <div>
          <h1 id="page-title" tabIndex={-1}>{title}</h1>
          {subtitle && <p class="muted">{subtitle}</p>}
        </div>
        {actions && <div class="page-actions">{actions}</div>}
      </header>
      {children}
    </section>
  );
}

export function Card({ title, children, actions, id }) {
  const headingId = id ? `${id}-title` : undefined;
  return (
    <section class="card" aria-labelledby={headingId} id={id}>
      {(title || actions) && (
        <header class="card-head">
          {title && <h2 id={headingId}>{title}</h2>}
          {actions && <div class="card-actions">{actions}</div>}
        </header>
      )}
      {children}
    </section>
  );
}

export function Loading() {
  return <p class="muted" role="status">{tc('loading')}</p>;
}

export function Empty({ children }) {
  return <p class="empty">{children || tc('empty')}</p>;
}

export function ReadOnlyNote() {
  const s = useSession();
  if (s?.can.write) return null;
  return <p class="note" role="note">{tc('readOnly')}</p>;
}

// ErrorBanner shows an API error: its title, detail and request id. With fields, it says
// the marked fields need fixing (each field shows its own message).
export function ErrorBanner({ error }) {
  const ref = useRef(null);
  useEffect(() => {
    if (error && ref.current) ref.current.focus();
  }, [error]);
  if (!error) return null;
  return (
    <div class="banner error" role="alert" tabIndex={-1} ref={ref}>
      <strong>{error.title || tc('fixErrors')}</strong>
      {error.detail && <span> — {error.detail}</span>}
      {error.hasFields?.() && <div>{tc('fixErrors')}</div>}
      {error.requestId && <div class="muted small">{tc('requestId')}: {error.requestId}</div>}
    </div>
  );
}

export function Success({ children }) {
  if (!children) return null;
  return <div class="banner ok" role="status">{children}</div>;
}

// ---- form fields ------------------------------------------------------------------------
let nextId = 0;
function useId(prefix) {
  const ref = useRef(null);
  if (ref.current === null) ref.current = `${prefix}-${++nextId}`;
  return ref.current;
}

// fieldMessage reads the message for a field path from an ApiError (or a plain string).
function fieldMessage(error, name) {
  if (!error) return undefined;
  if (typeof error === 'string') return error;
  return name ? error.fieldError?.(name) : undefined;
}

// Field wraps one control: <Field label="Nome" name="storeName" error={err}>{(props) => <input {...props}/>}</Field>
export function Field({ label, name, error, hint, children, class: cls }) {
  const id = useId('f');
  const msg = fieldMessage(error, name);
  const described = [hint && `${id}-hint`, msg && `${id}-err`].filter(Boolean).join(' ') || undefined;
  const props = { id, name, 'aria-invalid': msg ? 'true' : undefined, 'aria-describedby': described };
  return (
    <div class={`field ${msg ? 'has-error' : ''} ${cls || ''}`}>
      <label for={id}>{label}</label>
      {children(props)}
      {hint && <p class="hint" id={`${id}-hint`}>{hint}</p>}
      {msg && <p class="field-error" id={`${id}-err`} data-field={name}>{msg}</p>}
    </div>
  );
}

export function TextField({ label, name, value, onInput, error, hint, type = 'text', required, disabled, placeholder, autoComplete, inputMode, class: cls }) {
  return (
    <Field label={label} name={name} error={error} hint={hint} class={cls}>
      {(p) => (
        <input {...p} type={type} value={value ?? ''} required={required} disabled={disabled} placeholder={placeholder}
          autoComplete={autoComplete} inputMode={inputMode} onInput={(e) => onInput(e.currentTarget.value)} />
      )}
    </Field>
  );
}

export function TextArea({ label, name, value, onInput, error, hint, rows = 4, disabled, class: cls }) {
  return (
    <Field label={label} name={name} error={error} hint={hint} class={cls}>
      {(p) => <textarea {...p} rows={rows} value={value ?? ''} disabled={disabled} onInput={(e) => onInput(e.currentTarget.value)} />}
    </Field>
  );
}

// MoneyField edits integer cents as a decimal amount in reais ("7,90" or "7.90").
export function MoneyField({ label, name, cents, onCents, error, hint, disabled }) {
  const [text, setText] = useState(cents === undefined || cents === null ? '' : (cents / 100).toFixed(2));
  useEffect(() => {
    // Follow a value set from outside; never overwrite what the user is typing (NaN: not a
    // number yet, left for the form to report).
    if (Number.isNaN(cents) || parseMoney(text) === cents) return;
    setText(cents === undefined || cents === null ? '' : (cents / 100).toFixed(2));
  }, [cents]);
  return (
    <Field label={label} name={name} error={error} hint={hint}>
      {(p) => (
        <div class="money">
          <span aria-hidden="true">R$</span>
          <input {...p} inputMode="decimal" value={text} disabled={disabled}
            onInput={(e) => { const v = e.currentTarget.value; setText(v); onCents(parseMoney(v)); }} />
        </div>
      )}
    </Field>
  );
}

export function parseMoney(text) {
  const t = String(text ?? '').trim().replace(/\s/g, '');
  if (t === '') return undefined;
  const norm = t.includes(',') ? t.replace(/\./g, '').replace(',', '.') : t;
  const n = Number(norm);
  return Number.isFinite(n) ? Math.round(n * 100) : NaN;
}

export function SelectField({ label, name, value, onChange, options, error, hint, disabled }) {
  return (
    <Field label={label} name={name} error={error} hint={hint}>
      {(p) => (
        <select {...p} value={value ?? ''} disabled={disabled} onChange={(e) => onChange(e.currentTarget.value)}>
          {options.map((o) => <option value={o.value} key={o.value}>{o.label}</option>)}
        </select>
      )}
    </Field>
  );
}

// Switch is a labelled on/off checkbox (role switch).
export function Switch({ label, checked, onChange, disabled, name, error, hint }) {
  const id = useId('s');
  const msg = fieldMessage(error, name);
  return (
    <div class={`field switch ${msg ? 'has-error' : ''}`}>
      <input type="checkbox" role="switch" id={id} name={name} checked={!!checked} disabled={disabled}
        aria-invalid={msg ? 'true' : undefined} aria-describedby={msg ? `${id}-err` : hint ? `${id}-hint` : undefined}
        onChange={(e) => onChange(e.currentTarget.checked)} />
      <label for={id}>{label}</label>
      {hint && <p class="hint" id={`${id}-hint`}>{hint}</p>}
      {msg && <p class="field-error" id={`${id}-err`} data-field={name}>{msg}</p>}
    </div>
  );
}

// ---- buttons ----------------------------------------------------------------------------
export function Button({ kind = 'secondary', busy, children, ...rest }) {
  return (
    <button type="button" class={`btn ${kind}`} aria-busy={busy ? 'true' : undefined} disabled={busy || rest.disabled} {...rest}>
      {children}
    </button>
  );
}

// FormActions ends a form: the API's error, the success note, the submit button (label;
// "Saving…" while busy) and, beside it, the form's other buttons (children).
export function FormActions({ error, ok, busy, label, class: cls, children }) {
  const submit = <button type="submit" class="btn primary" disabled={busy}>{busy ? tc('saving') : label}</button>;
  return (
    <div class={`form-actions ${cls || ''}`}>
      <ErrorBanner error={error} />
      <Success>{ok}</Success>
      {children ? <div class="row">{submit}{children}</div> : submit}
    </div>
  );
}

// ConfirmButton asks on the spot ("Confirm" / "Cancel") before doing something that cannot
// be undone.
export function ConfirmButton({ children, question, onConfirm, kind = 'danger', busy, disabled }) {
  const [asking, setAsking] = useState(false);
  const confirmRef = useRef(null);
  useEffect(() => {
    if (asking && confirmRef.current) confirmRef.current.focus();
  }, [asking]);
  if (!asking) {
    return <Button kind={kind} busy={busy} disabled={disabled} onClick={() => setAsking(true)}>{children}</Button>;
  }
  return (
    <span class="confirm" role="group" aria-label={question}>
      <span>{question}</span>
      <button type="button" class={`btn ${kind}`} ref={confirmRef} onClick={() => { setAsking(false); onConfirm(); }}>{tc('confirm')}</button>
      <button type="button" class="btn secondary" onClick={() => setAsking(false)}>{tc('cancel')}</button>
    </span>
  );
}

// ---- tables -----------------------------------------------------------------------------
// Table: columns [{ key, label, render?(row), class? }], rows, caption (for screen readers).
export function Table({ caption, columns, rows, rowKey, empty }) {
  if (!rows || rows.length === 0) return <Empty>{empty}</Empty>;
  return (
    <div class="table-wrap">
      <table>
        <caption class="sr-only">{caption}</caption>
        <thead>
          <tr>{columns.map((c) => <th scope="col" key={c.key} class={c.class}>{c.label}</th>)}</tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={rowKey ? rowKey(r) : i}>
              {columns.map((c) => <td key={c.key} class={c.class}>{c.render ? c.render(r) : r[c.key]}</td>)}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function Badge({ tone = 'neutral', children }) {
  return <span class={`badge ${tone}`}>{children}</span>;
}

// StorePicker chooses one of the brand's stores (stores: [{storeId, storeName}]).
export function StorePicker({ label, stores, value, onChange, allowAll }) {
  const options = (allowAll ? [{ value: '', label: tc('all') }] : []).concat(
    (stores || []).map((s) => ({ value: s.storeId, label: s.storeName || s.storeId })),
  );
  return <SelectField label={label || tc('store')} value={value} onChange={onChange} options={options} />;
}
