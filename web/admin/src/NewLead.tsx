// /leads/new: a lead taken by hand (a walk-in, a call). Each 422 message sits by its field; a
// phone captured in the last 24 hours (409) shows that lead, with a link, instead of a second.
import { useRef, useState } from 'preact/hooks';
import { api, ApiError } from './api';
import { currencySymbol, dateTime, Lead } from './model';
import { duplicateLeadId, EMPTY_LEAD, LEAD_SOURCES, LeadField, LeadForm, leadErrors, newLeadBody } from './newLead';
import { Link, navigate } from './router';
import { CheckFields, ErrorMessage, Field, StatusBadge, useFocusFirstInvalid, useLoad } from './ui';

/** The lead a 409 named: its name, status and when it came in, and a link to it. */
function ExistingLead({ id }: { id: string }) {
  const lead = useLoad(() => api.get<Lead>(`/leads/${id}`), [id]).data;
  return (
    <div class="panel existing-lead" role="alert">
      <p>A lead with this phone came in during the last 24 hours, so no second one was made:</p>
      <p>
        <Link to={`/leads/${id}`}>{lead ? `Open ${lead.name}` : 'Open that lead'}</Link>
        {lead && (
          <>
            {' '}
            <StatusBadge status={lead.status} /> <span class="muted">· {lead.phone_raw || lead.phone} · came in {dateTime(lead.created_at)}</span>
          </>
        )}
      </p>
    </div>
  );
}

export function NewLead() {
  const [form, setForm] = useState<LeadForm>(EMPTY_LEAD);
  const [error, setError] = useState<unknown>(null);
  const [local, setLocal] = useState<Partial<Record<LeadField, string>>>({});
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  const problem = error instanceof ApiError && error.status === 422 ? error.problem : null;
  const { byField, rest } = leadErrors(problem);
  Object.assign(byField, local);
  const existing = duplicateLeadId(error);
  if (existing) byField.phone = 'Already came in during the last 24 hours';
  useFocusFirstInvalid(formRef, error ?? (Object.keys(local).length ? local : null));
  const set = (k: LeadField, v: string) => setForm((f) => ({ ...f, [k]: v }));
  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    const made = newLeadBody(form);
    setError(null);
    if ('errors' in made) return setLocal(made.errors);
    setLocal({});
    setBusy(true);
    try {
      const lead = await api.post<Lead>('/leads', made.body);
      navigate(`/leads/${lead.id}`);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  const text = (k: LeadField, label: string, extra: Record<string, unknown> = {}, hint?: string) => (
    <Field id={`new-lead-${k.replace(/_/g, '-')}`} label={label} error={byField[k]} hint={hint}>
      {(a) => <input {...a} name={k} type="text" value={form[k]} onInput={(e) => set(k, (e.target as HTMLInputElement).value)} {...extra} />}
    </Field>
  );
  return (
    <section aria-labelledby="new-lead-title">
      <p>
        <Link to="/leads">← Leads</Link>
      </p>
      <h1 id="new-lead-title">New lead</h1>
      <form class="form panel profile-form" ref={formRef} noValidate onSubmit={submit} aria-labelledby="new-lead-title">
        {problem && <CheckFields rest={rest} />}
        {existing && <ExistingLead id={existing} />}
        {error && !problem && !existing && <ErrorMessage error={error} />}
        <div class="profile-fields">
          {text('name', 'Name', { required: true, maxLength: 200, autoComplete: 'off' })}
          {text('phone', 'Phone', { required: true, inputMode: 'tel', autoComplete: 'off' })}
          {text('email', 'Email', { type: 'email', autoComplete: 'off' })}
          <Field id="new-lead-source" label="Source" error={byField.source}>
            {(a) => (
              <select {...a} name="source" value={form.source} onChange={(e) => set('source', (e.target as HTMLSelectElement).value)}>
                {LEAD_SOURCES.map((s) => (
                  <option key={s} value={s}>
                    {s.replace(/_/g, ' ')}
                  </option>
                ))}
              </select>
            )}
          </Field>
          {text('service', 'Service', { maxLength: 200 }, 'What they asked about, e.g. Facial')}
          {text('expected_value', `Expected value (${currencySymbol()})`, { inputMode: 'decimal' })}
          <div class="wide">
            <Field id="new-lead-message" label="Note" error={byField.message} hint="Anything they said, kept with the lead">
              {(a) => <textarea {...a} name="message" rows={3} maxLength={2000} value={form.message} onInput={(e) => set('message', (e.target as HTMLTextAreaElement).value)} />}
            </Field>
          </div>
        </div>
        <div class="actions">
          <Link to="/leads" class="button secondary">
            Cancel
          </Link>
          <button type="submit" disabled={busy}>
            {busy ? 'Adding…' : 'Add lead'}
          </button>
        </div>
      </form>
    </section>
  );
}
