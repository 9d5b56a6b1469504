// Adding a customer (/customers/new) and editing a profile: the same fields, each with the
// API's 422 message beside it. A phone or email another customer has (409) links to them; an
// edit someone else's save overtook (412) says so and offers a reload instead of overwriting.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError } from './api';
import {
  Customer,
  CUSTOMER_SOURCES,
  EMPTY_PROFILE,
  FormField,
  formFromCustomer,
  isStale,
  words,
  newCustomerBody,
  ProfileForm,
  profileErrors,
  profilePatch,
  Taken,
  takenBy,
} from './customerForm';
import { Link, navigate } from './router';
import { CheckFields, ErrorMessage, Field, flash, useFocusFirstInvalid, useLoad } from './ui';

/** "This phone already belongs to Ada Byrne. Open Ada Byrne" */
export function TakenNotice({ taken }: { taken: Taken }) {
  const them = useLoad(() => api.get<{ customer: { name: string } }>(`/customers/${taken.existingId}`), [taken.existingId]);
  const name = them.data?.customer.name ?? null;
  return (
    <div class="error taken" role="alert">
      <span>
        This {taken.what} already belongs to {name ?? 'another customer'}, so nothing was saved.
      </span>
      <Link to={`/customers/${taken.existingId}`}>Open {name ?? 'that customer'}</Link>
    </div>
  );
}

/** What a submit that failed says above the form, and the message each field gets. */
function useFailure(error: unknown, form: ProfileForm) {
  const problem = error instanceof ApiError && error.status === 422 ? error.problem : null;
  const { byField, rest } = profileErrors(problem, form);
  const taken = takenBy(error);
  if (taken) byField[taken.field] = `This ${taken.what} already belongs to another customer`;
  let summary = null;
  if (problem) summary = <CheckFields rest={rest} />;
  else if (taken) summary = <TakenNotice taken={taken} />;
  else if (error && !isStale(error)) summary = <ErrorMessage error={error} />;
  return { byField, summary };
}

/** The profile's inputs; `idPrefix` keeps their ids apart from the rest of the page. */
export function ProfileFields({
  form,
  set,
  errors,
  creating,
  idPrefix,
}: {
  form: ProfileForm;
  set: (k: FormField, v: string | boolean) => void;
  errors: Partial<Record<FormField, string>>;
  creating: boolean;
  idPrefix: string;
}) {
  const id = (k: FormField) => `${idPrefix}-${k.replace(/_/g, '-')}`;
  const text = (k: FormField, label: string, extra: Record<string, unknown> = {}, hint?: string) => (
    <Field id={id(k)} label={label} error={errors[k]} hint={hint}>
      {(a) => <input {...a} name={k} type="text" value={form[k] as string} onInput={(e) => set(k, (e.target as HTMLInputElement).value)} {...extra} />}
    </Field>
  );
  return (
    <div class="profile-fields">
      {text('name', 'Name', { required: true, maxLength: 200, autoComplete: 'off' })}
      {text(
        'phones',
        creating ? 'Phone' : 'Phones',
        { inputMode: 'tel', autoComplete: 'off' },
        creating ? 'A phone or an email is needed. More than one? Separate them with commas.' : 'Separated by commas; the first is the primary.',
      )}
      {text('emails', creating ? 'Email' : 'Emails', { inputMode: 'email', autoComplete: 'off' }, creating ? undefined : 'Separated by commas; the first is the primary.')}
      {text('date_of_birth', 'Birthday', { type: 'date' })}
      {text('gender', 'Gender', { maxLength: 40 })}
      {text('company', 'Company', { maxLength: 200 })}
      {text('preferred_language', 'Preferred language', { maxLength: 20 }, 'e.g. en, ga, pl')}
      <Field
        id={id('source')}
        label="How they first came"
        error={errors.source}
        hint={creating ? 'Their first touch. Not given: manual.' : 'Their first touch (acquisition source).'}
      >
        {(a) => (
          <select {...a} name="source" value={form.source} onChange={(e) => set('source', (e.target as HTMLSelectElement).value)}>
            {/* A customer always has a source once saved; only an unsaved or older one has none. */}
            {(creating || form.source === '') && <option value="">{creating ? 'Not given (manual)' : 'Not known'}</option>}
            {CUSTOMER_SOURCES.map((s) => (
              <option key={s} value={s}>
                {words(s)}
              </option>
            ))}
          </select>
        )}
      </Field>
      {creating && text('tags', 'Tags', { autoComplete: 'off' }, 'Separated by commas, e.g. vip, walk-in')}
      {/* One line: the API keeps the address as one text (no line breaks). */}
      <div class="wide">{text('address', 'Address', { maxLength: 500, autoComplete: 'off' }, 'Street, town, county and postcode, separated by commas')}</div>
      <div class={`field wide${errors.marketing_consent ? ' invalid' : ''}`}>
        <label class="check">
          <input
            type="checkbox"
            name="marketing_consent"
            checked={form.marketing_consent}
            aria-invalid={errors.marketing_consent ? 'true' : undefined}
            onChange={(e) => set('marketing_consent', (e.target as HTMLInputElement).checked)}
          />
          Agreed to marketing messages
        </label>
        {errors.marketing_consent && <p class="field-error">{errors.marketing_consent}</p>}
      </div>
    </div>
  );
}

/** /customers/new: owners and admins add a customer by hand; the new profile opens. */
export function NewCustomer() {
  const [form, setForm] = useState<ProfileForm>(EMPTY_PROFILE);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  const { byField, summary } = useFailure(error, form);
  useFocusFirstInvalid(formRef, error);
  const set = (k: FormField, v: string | boolean) => setForm((f) => ({ ...f, [k]: v }));
  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      const c = await api.post<Customer>('/customers', newCustomerBody(form));
      flash(`Added ${c.name}.`);
      navigate(`/customers/${c.id}`);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="new-customer-title">
      <p>
        <Link to="/customers">← Customers</Link>
      </p>
      <h1 id="new-customer-title">Add a customer</h1>
      <form class="form panel profile-form" ref={formRef} noValidate onSubmit={submit} aria-labelledby="new-customer-title">
        {summary}
        <ProfileFields form={form} set={set} errors={byField} creating idPrefix="new-customer" />
        <div class="actions">
          <Link to="/customers" class="button secondary">
            Cancel
          </Link>
          <button type="submit" disabled={busy}>
            {busy ? 'Adding…' : 'Add customer'}
          </button>
        </div>
      </form>
    </section>
  );
}

/**
 * The profile's edit form. It sends only what changed, with If-Match the version read; when
 * someone else saved in between (412) it says so and offers a reload (the parent keys this
 * form by version, so the reloaded customer starts a fresh form).
 */
export function EditProfile({
  customer,
  onSaved,
  onCancel,
  onReload,
}: {
  customer: Customer;
  onSaved: (c: Customer | null) => void;
  onCancel: () => void;
  onReload: () => void;
}) {
  const [form, setForm] = useState<ProfileForm>(() => formFromCustomer(customer));
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  const { byField, summary } = useFailure(error, form);
  useFocusFirstInvalid(formRef, error);
  useEffect(() => {
    formRef.current?.querySelector<HTMLInputElement>('input[name=name]')?.focus();
  }, []);
  const set = (k: FormField, v: string | boolean) => setForm((f) => ({ ...f, [k]: v }));
  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    const patch = profilePatch(customer, form);
    if (Object.keys(patch).length === 0) return onSaved(null);
    setBusy(true);
    setError(null);
    try {
      onSaved(await api.patch<Customer>(`/customers/${customer.id}`, patch, customer.version));
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return (
    <form class="form profile-form" ref={formRef} noValidate onSubmit={submit} aria-labelledby="profile-title">
      {isStale(error) && (
        <div class="error stale-edit" role="alert">
          <span>
            {customer.name} was changed by someone else after you opened this form, so your changes were not saved. Reload to see theirs,
            then make your changes again.
          </span>
          <button type="button" class="link" onClick={onReload}>
            Reload
          </button>
        </div>
      )}
      {summary}
      <ProfileFields form={form} set={set} errors={byField} creating={false} idPrefix="edit-customer" />
      <div class="actions">
        <button type="button" class="secondary" disabled={busy} onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" disabled={busy || isStale(error)}>
          {busy ? 'Saving…' : 'Save profile'}
        </button>
      </div>
    </form>
  );
}
