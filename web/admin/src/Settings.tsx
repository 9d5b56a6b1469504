// The business's settings (owner only): everyday fields, hours, texts and their templates,
// reviews, missed calls, thresholds and the Meta pixel. Secrets are write-only: the access
// token is never shown nor prefilled. A 422 puts each message next to its field.
import { useState } from 'preact/hooks';
import type { ComponentChildren } from 'preact';
import { api, ApiError, apiBase } from './api';
import {
  formFromSettings,
  LANDING_FIELDS,
  LANDING_LABELS,
  NUMBER_THRESHOLDS,
  placeErrors,
  Settings,
  SettingsForm,
  settingsPatch,
  TEMPLATE_KINDS,
  TEMPLATE_LABELS,
  TEMPLATE_VARIABLES,
  THRESHOLD_HINTS,
  THRESHOLD_LABELS,
  DEFAULT_LEAD_ID_PARAM,
} from './settings';
import { ErrorMessage, Loading, useLoad } from './ui';
import { setCurrency } from './model';

/** Fields the form shows a message next to (a 422 naming another goes to the summary). */
const SHOWN = new Set([
  'business_name',
  'redirect_url',
  'lead_id_param',
  'services',
  'time_zone',
  'currency',
  'default_region',
  'stale_after_hours',
  'dedupe_window_hours',
  'quiet_hours',
  'business_hours',
  'review_delay_minutes',
  'review_url',
  'missed_call_sms_after_minutes',
  'thresholds',
  ...NUMBER_THRESHOLDS.map((k) => `thresholds.${k}`),
  'thresholds.vip_ltv',
  'thresholds.tier_points',
  'thresholds.spa_keyword',
  'thresholds.high_value_spend',
  'thresholds.visit_milestones',
  'templates',
  ...TEMPLATE_KINDS.map((k) => `templates.${k}`),
  'meta',
  'meta.pixel_id',
  'meta.access_token',
  'meta.test_event_code',
  'landing',
  ...LANDING_FIELDS.map((k) => `landing.${k}`),
  'capture_limits',
  'capture_limits.per_minute',
  'capture_limits.per_client_per_minute',
  'sms_countries',
  'sms_limits',
  'sms_limits.per_number_per_day',
  'sms_limits.per_day',
]);

const idOf = (field: string) => `f-${field.replace(/\./g, '-')}`;

function zones(): string[] {
  try {
    return (Intl as unknown as { supportedValuesOf?: (k: string) => string[] }).supportedValuesOf?.('timeZone') ?? [];
  } catch {
    return [];
  }
}

export function SettingsView() {
  const s = useLoad(() => api.get<Settings>('/settings'), []);
  const [saves, setSaves] = useState(0);
  /** Why the form was reloaded (someone else saved first), shown above it. */
  const [stale, setStale] = useState<unknown>(null);
  if (s.loading && !s.data) return <Loading what="Loading settings" />;
  if (!s.data) return <ErrorMessage error={s.error} retry={s.reload} />;
  return (
    <>
      {/* The reload after someone else's save failed: what shows may be out of date. */}
      {s.error && <ErrorMessage error={s.error} retry={s.reload} />}
      <SettingsEditor
        key={`${saves}-${s.data.version}`}
        settings={s.data}
        saved={saves > 0 && !stale}
        stale={stale}
        onSaved={(d) => {
          setCurrency(d.currency);
          setStale(null);
          s.setData(d);
          setSaves((n) => n + 1);
        }}
        onStale={(err) => {
          setStale(err);
          s.reload();
        }}
      />
    </>
  );
}

function SettingsEditor({
  settings,
  saved,
  stale,
  onSaved,
  onStale,
}: {
  settings: Settings;
  saved: boolean;
  stale: unknown;
  onSaved: (s: Settings) => void;
  onStale: (err: ApiError) => void;
}) {
  const [form, setForm] = useState<SettingsForm>(() => formFromSettings(settings));
  const [error, setError] = useState<unknown>(stale);
  const [notice, setNotice] = useState('');
  const [busy, setBusy] = useState(false);
  const problem = error instanceof ApiError && error.status === 422 ? error.problem : null;
  const { byField } = placeErrors(problem, (f) => SHOWN.has(f));
  const set = <K extends keyof SettingsForm>(k: K, v: SettingsForm[K]) => setForm((f) => ({ ...f, [k]: v }));
  const setIn = (group: 'thresholds' | 'templates' | 'landing', k: string, v: string) =>
    setForm((f) => ({ ...f, [group]: { ...f[group], [k]: v }, reset: group === 'templates' ? f.reset.filter((r) => r !== k) : f.reset }));

  /** A labelled input with its error message under it. */
  const field = (name: string, label: ComponentChildren, input: (a: { id: string; 'aria-invalid'?: 'true'; 'aria-describedby'?: string }) => ComponentChildren, hint?: string) => {
    const err = byField[name];
    const id = idOf(name);
    return (
      <div class={`field${err ? ' invalid' : ''}`}>
        <label for={id}>{label}</label>
        {input({ id, 'aria-invalid': err ? 'true' : undefined, 'aria-describedby': err || hint ? `${id}-msg` : undefined })}
        {(err || hint) && (
          <p id={`${id}-msg`} class={err ? 'field-error' : 'hint'}>
            {err ?? hint}
          </p>
        )}
      </div>
    );
  };
  const text = (name: keyof SettingsForm, label: string, type = 'text', extra: Record<string, unknown> = {}, hint?: string, errorKey: string = name) =>
    field(
      errorKey,
      label,
      (a) => <input {...a} name={name} type={type} value={form[name] as string} onInput={(e) => set(name, (e.target as HTMLInputElement).value as never)} {...extra} />,
      hint,
    );
  const spanErr = (name: string) => byField[name] && <p class="field-error">{byField[name]}</p>;

  const save = async (e: Event) => {
    e.preventDefault();
    const patch = settingsPatch(settings, form);
    setError(null);
    setNotice('');
    if (Object.keys(patch).length === 0) {
      setNotice('Nothing to save.');
      return;
    }
    setBusy(true);
    try {
      onSaved(await api.patch<Settings>('/settings', patch, settings.version));
    } catch (err) {
      // Saved by someone else since this form was loaded: say so and show theirs.
      setBusy(false);
      if (err instanceof ApiError && err.stale) {
        setError(err);
        onStale(err);
      } else setError(err);
    }
  };

  return (
    <section aria-labelledby="settings-title">
      <h1 id="settings-title">Settings</h1>
      <ErrorMessage error={error} />
      <p class="notice" role="status">
        {notice || (saved ? 'Saved.' : '')}
      </p>
      <form class="settings form" onSubmit={save} noValidate>
        <fieldset class="panel">
          <legend>Business</legend>
          {text('business_name', 'Business name', 'text', { required: true, maxLength: 100 })}
          {text('redirect_url', 'Booking page (where the landing page sends prospects)', 'url')}
          {text(
            'lead_id_param',
            'Lead id parameter on that link',
            'text',
            { maxLength: 40, autoComplete: 'off', spellcheck: false },
            `The booking page is opened with ?${form.lead_id_param.trim() || DEFAULT_LEAD_ID_PARAM}=<the lead's id> added, so your booking system can send it back with the booking and it is matched to the lead. Letters, digits, _ - . (at most 40); leave empty to add nothing.`,
          )}
          {text('services', 'Services (comma-separated)')}
          {field('time_zone', 'Time zone', (a) => (
            <>
              <input {...a} name="time_zone" list="zones" value={form.time_zone} onInput={(e) => set('time_zone', (e.target as HTMLInputElement).value)} />
              <datalist id="zones">
                {zones().map((z) => (
                  <option value={z} key={z} />
                ))}
              </datalist>
            </>
          ))}
          {text('currency', 'Currency (ISO code, e.g. EUR)', 'text', { maxLength: 3, autoCapitalize: 'characters' }, 'Money on every screen is shown in it.')}
          {text('default_region', 'Country of local phone numbers (e.g. IE)', 'text', { maxLength: 2, autoCapitalize: 'characters' })}
          {text('stale_after_hours', 'Hours until an open lead is stale', 'number', { min: 1, max: 720 })}
          {text('dedupe_window_hours', 'Hours a repeat enquiry counts as the same lead', 'number', { min: 1, max: 168 })}
          {text(
            'capture_per_minute',
            'Most enquiries the booking page takes per minute',
            'number',
            { min: 1, max: 1000000 },
            'Beyond it, and beyond the next limit from one device, the page asks people to try again in a minute: a guard against floods of fake leads.',
            'capture_limits.per_minute',
          )}
          {text('capture_per_client_per_minute', 'Most enquiries per minute from one device', 'number', { min: 1, max: 1000000 }, undefined, 'capture_limits.per_client_per_minute')}
        </fieldset>

        <fieldset class="panel">
          <legend>Landing page</legend>
          <p class="hint">
            What prospects see at{' '}
            <a href={`${apiBase}/p/${encodeURIComponent(settings.tenant_id)}/book`} target="_blank" rel="noopener">
              your booking page
            </a>{' '}
            besides the name and services. Empty fields are left off the page.
          </p>
          {spanErr('landing')}
          {LANDING_FIELDS.map((k) =>
            field(`landing.${k}`, LANDING_LABELS[k], (a) => (
              <input
                {...a}
                name={`landing.${k}`}
                type={k === 'logo_url' ? 'url' : k === 'headline' || k === 'address' ? 'text' : 'number'}
                step={k === 'rating' ? '0.1' : undefined}
                min={k === 'rating' || k === 'review_count' ? 0 : k === 'reply_within_minutes' ? 1 : undefined}
                max={k === 'rating' ? 5 : undefined}
                value={form.landing[k]}
                onInput={(e) => setIn('landing', k, (e.target as HTMLInputElement).value)}
              />
            )),
          )}
        </fieldset>

        <fieldset class="panel">
          <legend>Hours</legend>
          <div class="span" role="group" aria-labelledby="quiet-label">
            <span id="quiet-label">Quiet hours (no texts go out)</span>
            <label>
              From <input type="time" name="quiet_start" aria-label="Quiet hours from" value={form.quiet_start} onInput={(e) => set('quiet_start', (e.target as HTMLInputElement).value)} />
            </label>
            <label>
              to <input type="time" name="quiet_end" aria-label="Quiet hours to" value={form.quiet_end} onInput={(e) => set('quiet_end', (e.target as HTMLInputElement).value)} />
            </label>
            {spanErr('quiet_hours')}
          </div>
          <div class="span" role="group" aria-labelledby="business-label">
            <span id="business-label">Business hours</span>
            <label>
              From <input type="time" name="business_start" aria-label="Business hours from" value={form.business_start} onInput={(e) => set('business_start', (e.target as HTMLInputElement).value)} />
            </label>
            <label>
              to <input type="time" name="business_end" aria-label="Business hours to" value={form.business_end} onInput={(e) => set('business_end', (e.target as HTMLInputElement).value)} />
            </label>
            {spanErr('business_hours')}
          </div>
          <p class="hint">Times are in the business's time zone; a span may run past midnight.</p>
        </fieldset>

        <fieldset class="panel">
          <legend>Text templates</legend>
          <p class="hint">
            Variables: {TEMPLATE_VARIABLES.map((v) => `{${v}}`).join(', ')}.
          </p>
          {spanErr('templates')}
          {TEMPLATE_KINDS.map((k) => {
            const reset = form.reset.includes(k);
            const custom = settings.templates[k]?.custom && !reset;
            return field(
              `templates.${k}`,
              <>
                {TEMPLATE_LABELS[k]} <span class="badge">{custom ? 'custom' : 'default'}</span>
              </>,
              (a) => (
                <div class="template">
                  <textarea {...a} name={`templates.${k}`} rows={2} disabled={reset} value={reset ? 'The built-in text will be used.' : form.templates[k]} onInput={(e) => setIn('templates', k, (e.target as HTMLTextAreaElement).value)} />
                  {settings.templates[k]?.custom &&
                    (reset ? (
                      <button type="button" class="link" onClick={() => setForm((f) => ({ ...f, reset: f.reset.filter((r) => r !== k) }))}>
                        Keep my text
                      </button>
                    ) : (
                      <button type="button" class="link" onClick={() => setForm((f) => ({ ...f, reset: [...f.reset, k] }))}>
                        Reset {TEMPLATE_LABELS[k].toLowerCase()} to default
                      </button>
                    ))}
                </div>
              ),
            );
          })}
        </fieldset>

        <fieldset class="panel">
          <legend>Automatic texts</legend>
          <p class="hint">Sent only to people who agreed to texts; quiet hours and opt-outs apply.</p>
          <div class={`field${byField['auto_texts'] || byField['auto_texts.lead_follow_up'] ? ' invalid' : ''}`}>
            <label class="check">
              <input type="checkbox" name="auto_lead_follow_up" checked={form.auto_lead_follow_up} onChange={(e) => set('auto_lead_follow_up', (e.target as HTMLInputElement).checked)} />
              Text a new lead a follow-up after they leave their details
            </label>
          </div>
          <div class={`field${byField['auto_texts.milestone_greetings'] ? ' invalid' : ''}`}>
            <label class="check">
              <input type="checkbox" name="auto_milestone_greetings" checked={form.auto_milestone_greetings} onChange={(e) => set('auto_milestone_greetings', (e.target as HTMLInputElement).checked)} />
              Greet customers when they reach a milestone
            </label>
          </div>
        </fieldset>

        <fieldset class="panel">
          <legend>Reviews and missed calls</legend>
          {text('review_delay_minutes', 'Minutes after a visit to ask for a review', 'number', { min: 0, max: 10080 })}
          {text('review_url', 'Review page (e.g. your Google review link)', 'url', {}, 'Leave empty to use none.')}
          <div class={`field${byField.missed_call_sms_after_minutes ? ' invalid' : ''}`}>
            <label class="check">
              <input type="checkbox" name="missed_call_auto" checked={form.missed_call_auto} onChange={(e) => set('missed_call_auto', (e.target as HTMLInputElement).checked)} />
              Text missed callers automatically
            </label>
            {form.missed_call_auto && (
              <label class="stack" for={idOf('missed_call_sms_after_minutes')}>
                Minutes after the missed call
                <input
                  id={idOf('missed_call_sms_after_minutes')}
                  name="missed_call_sms_after_minutes"
                  type="number"
                  min={0}
                  max={1440}
                  value={form.missed_call_sms_after_minutes}
                  aria-invalid={byField.missed_call_sms_after_minutes ? 'true' : undefined}
                  onInput={(e) => set('missed_call_sms_after_minutes', (e.target as HTMLInputElement).value)}
                />
              </label>
            )}
            {spanErr('missed_call_sms_after_minutes')}
          </div>
          {text(
            'sms_countries',
            'Countries texts may go to (e.g. IE, GB)',
            'text',
            { autoCapitalize: 'characters' },
            'Empty: only your own country. Premium-rate numbers never get texts.',
          )}
          {text('sms_per_number_per_day', 'Most texts to one number per day', 'number', { min: 1, max: 100 }, undefined, 'sms_limits.per_number_per_day')}
          {text('sms_per_day', 'Most texts from the business per day', 'number', { min: 1, max: 100000 }, 'What a cap holds back shows on the customer with the reason.', 'sms_limits.per_day')}
        </fieldset>

        <fieldset class="panel">
          <legend>Customer thresholds</legend>
          {spanErr('thresholds')}
          {[...NUMBER_THRESHOLDS, 'vip_ltv', 'high_value_spend', 'tier_points', 'visit_milestones', 'spa_keyword'].map((k) =>
            field(
              `thresholds.${k}`,
              THRESHOLD_LABELS[k],
              (a) => (
                <input
                  {...a}
                  name={`thresholds.${k}`}
                  type={k === 'tier_points' || k === 'visit_milestones' || k === 'spa_keyword' ? 'text' : 'number'}
                  step={k === 'vip_ltv' || k === 'high_value_spend' ? '0.01' : undefined}
                  value={form.thresholds[k]}
                  onInput={(e) => setIn('thresholds', k, (e.target as HTMLInputElement).value)}
                />
              ),
              THRESHOLD_HINTS[k],
            ),
          )}
        </fieldset>

        <fieldset class="panel">
          <legend>Meta pixel</legend>
          <p class="muted">
            Webhook secret: {settings.webhook_secret_set ? 'set' : 'not set'} · Meta Pixel:{' '}
            {settings.meta ? `${settings.meta.pixel_id} (access token ${settings.meta.access_token_set ? 'set' : 'not set'})` : 'not configured'}
          </p>
          {spanErr('meta')}
          {text('pixel_id', 'Pixel id', 'text', { inputMode: 'numeric' }, 'Empty the pixel id (and the fields below) to turn the pixel off.', 'meta.pixel_id')}
          {field(
            'meta.access_token',
            'Conversions API access token',
            (a) => (
              <input
                {...a}
                name="access_token"
                type="password"
                autoComplete="off"
                value={form.access_token}
                placeholder={settings.meta?.access_token_set ? 'Set — leave empty to keep it' : 'Paste the token'}
                onInput={(e) => set('access_token', (e.target as HTMLInputElement).value)}
              />
            ),
            'Write-only: it is never shown again.',
          )}
          {text('test_event_code', 'Test event code (optional)', 'text', {}, undefined, 'meta.test_event_code')}
        </fieldset>
        <ErasePerson />
        <div class="actions sticky">
          <button type="button" class="secondary" onClick={() => (setForm(formFromSettings(settings)), setError(null), setNotice(''))}>
            Undo changes
          </button>
          <button type="submit" disabled={busy}>
            Save
          </button>
        </div>
      </form>
    </section>
  );
}

/** Erasing a person on request (GDPR): by phone or email, customer or only a lead. */
function ErasePerson() {
  const [phone, setPhone] = useState('');
  const [email, setEmail] = useState('');
  const [sure, setSure] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState('');
  const problem = error instanceof ApiError && error.status === 422 ? error.problem : null;
  const { byField, rest } = placeErrors(problem, (f) => f === 'phone' || f === 'email');
  const erase = async () => {
    setBusy(true);
    setError(null);
    setDone('');
    try {
      const body: Record<string, string> = {};
      if (phone.trim()) body.phone = phone.trim();
      if (email.trim()) body.email = email.trim();
      const r = await api.post<{ customers: number; leads: number; messages: number }>('/privacy/erase', body);
      setDone(`Erased ${r.customers} customer${r.customers === 1 ? '' : 's'}, ${r.leads} lead${r.leads === 1 ? '' : 's'} and ${r.messages} text${r.messages === 1 ? '' : 's'}. An opt-out (STOP) is kept, so they are not texted again.`);
      setPhone('');
      setEmail('');
      setSure(false);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <fieldset class="panel">
      <legend>Erase a person</legend>
      <p class="hint">When someone asks you to delete their data: everything held about them (leads, customer, bookings, notes, texts) is removed for good.</p>
      <div class={`field${byField.phone ? ' invalid' : ''}`}>
        <label for="erase-phone">Their phone</label>
        <input id="erase-phone" name="erase_phone" type="tel" value={phone} onInput={(e) => setPhone((e.target as HTMLInputElement).value)} aria-invalid={byField.phone ? 'true' : undefined} />
        {byField.phone && <p class="field-error">{byField.phone}</p>}
      </div>
      <div class={`field${byField.email ? ' invalid' : ''}`}>
        <label for="erase-email">or their email</label>
        <input id="erase-email" name="erase_email" type="email" value={email} onInput={(e) => setEmail((e.target as HTMLInputElement).value)} aria-invalid={byField.email ? 'true' : undefined} />
        {byField.email && <p class="field-error">{byField.email}</p>}
      </div>
      <label class="check">
        <input type="checkbox" checked={sure} onChange={(e) => setSure((e.target as HTMLInputElement).checked)} />
        I understand this cannot be undone
      </label>
      {error && !problem ? <ErrorMessage error={error} /> : rest.length > 0 && <p class="field-error">{rest.map((e) => `${e.field}: ${e.reason}`).join(' ')}</p>}
      {done && (
        <p class="notice" role="status">
          {done}
        </p>
      )}
      <button type="button" class="danger" disabled={busy || !sure || (!phone.trim() && !email.trim())} onClick={erase}>
        Erase this person
      </button>
    </fieldset>
  );
}
