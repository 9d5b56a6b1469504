// Redeeming a customer's points, on their profile (any staff role): how many, on what. More
// than available is refused before sending; the API's refusals are shown where they belong.
// The version the profile shows goes as If-Match, so a second click or someone else's redeem
// in between cannot spend the points twice.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from './api';
import { Customer, pointBalance } from './customerForm';
import { EMPTY_REDEEM, MAX_REDEEM, REASON_MAX, RedeemField, RedeemForm, redeemCheck, redeemedNotice, redeemFailure } from './loyalty';
import { CheckFields, Field } from './ui';

export function RedeemPoints({
  customer: c,
  onRedeemed,
  onStale,
}: {
  customer: Pick<Customer, 'id' | 'version' | 'points'> & Partial<Pick<Customer, 'points_available'>>;
  /** The customer as the API answered (its new version and balances) and what to say. */
  onRedeemed: (c: Customer, notice: string) => void;
  /** The profile is out of date: reload it. */
  onStale: () => void;
}) {
  const [open, setOpen] = useState(false);
  const [form, setForm] = useState<RedeemForm>(EMPTY_REDEEM);
  const [checked, setChecked] = useState<Partial<Record<RedeemField, string>>>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const openRef = useRef<HTMLButtonElement>(null);
  const formRef = useRef<HTMLFormElement>(null);
  const { available } = pointBalance(c);
  const failure = redeemFailure(error);
  const errors = { ...checked, ...failure?.byField };
  // Opened: the focus goes to the points; closed again: back to the button that opened it.
  const wasOpen = useRef(false);
  useEffect(() => {
    if (open) formRef.current?.querySelector<HTMLInputElement>('input[name=points]')?.focus();
    else if (wasOpen.current) openRef.current?.focus();
    wasOpen.current = open;
  }, [open]);
  useEffect(() => {
    if (errors.points || errors.reason) formRef.current?.querySelector<HTMLElement>('[aria-invalid=true]')?.focus();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [checked, error]);
  const close = () => {
    setOpen(false);
    setForm(EMPTY_REDEEM);
    setChecked({});
    setError(null);
  };
  const set = (k: RedeemField, v: string) => setForm((f) => ({ ...f, [k]: v }));
  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    const { body, errors: refused } = redeemCheck(form, available);
    setError(null);
    setChecked(refused);
    if (!body) return;
    setBusy(true);
    try {
      const saved = await api.post<Customer>(`/customers/${c.id}/points/redeem`, body, { 'if-match': `"${c.version}"` });
      close();
      onRedeemed(saved, redeemedNotice(body, pointBalance(saved).available));
    } catch (err) {
      setError(err);
      const f = redeemFailure(err);
      // The balance shown is out of date: the profile reloads (with its new version).
      if (f?.stale || f?.available !== undefined) onStale();
    } finally {
      setBusy(false);
    }
  };
  if (available === undefined) return null;
  if (!open) {
    return (
      <div class="redeem">
        <button type="button" class="secondary" ref={openRef} disabled={available === 0} aria-describedby={available === 0 ? 'redeem-none' : undefined} onClick={() => setOpen(true)}>
          Redeem points
        </button>
        {available === 0 && (
          <p class="hint" id="redeem-none">
            No points to redeem yet.
          </p>
        )}
      </div>
    );
  }
  return (
    <form class="form redeem-form" ref={formRef} noValidate onSubmit={submit} aria-labelledby="redeem-title">
      <h3 id="redeem-title">Redeem points</h3>
      <p class="redeem-available" id="redeem-available">
        <strong>{available.toLocaleString('en-IE')}</strong> point{available === 1 ? '' : 's'} available
      </p>
      {failure?.summary ? (
        <div class="error" role="alert">
          <span>{failure.summary}</span>
        </div>
      ) : (
        (errors.points || errors.reason) && <CheckFields />
      )}
      <Field id="redeem-points" label="Points" error={errors.points} hint={`Up to ${Math.min(available, MAX_REDEEM).toLocaleString('en-IE')}.`}>
        {(a) => (
          <input
            {...a}
            name="points"
            type="number"
            inputMode="numeric"
            min={1}
            max={Math.min(available, MAX_REDEEM)}
            step={1}
            value={form.points}
            onInput={(e) => set('points', (e.target as HTMLInputElement).value)}
          />
        )}
      </Field>
      <Field id="redeem-reason" label="Spent on" error={errors.reason} hint="Shows on the timeline, e.g. Free facial.">
        {(a) => <input {...a} name="reason" type="text" maxLength={REASON_MAX} autoComplete="off" value={form.reason} onInput={(e) => set('reason', (e.target as HTMLInputElement).value)} />}
      </Field>
      <div class="actions">
        <button type="button" class="secondary" disabled={busy} onClick={close}>
          Cancel
        </button>
        <button type="submit" disabled={busy}>
          {busy ? 'Redeeming…' : 'Redeem'}
        </button>
      </div>
    </form>
  );
}
