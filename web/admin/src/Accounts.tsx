// crm-local's own accounts: the first-run setup of a business and its owner, email and
// password sign-in, and the page an invite link opens (choose a password, join, signed in).
// The access token lives in localStorage for 15 minutes; the session behind it is an
// HttpOnly cookie the app never sees, traded for a new token when the old one ends.
import { useEffect, useState } from 'preact/hooks';
import { accounts, api, SignedIn } from './api';
import { jwtClaims } from './oidc';
import { ErrorMessage, Loading } from './ui';

/** The time zone this browser is in (a sensible default for a business set up from it). */
const browserZone = () => {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'Europe/Dublin';
  } catch {
    return 'Europe/Dublin';
  }
};

const value = (e: Event) => (e.target as HTMLInputElement).value;

/** A new business as its owner describes it (`NewBusiness` on the server). */
interface Business {
  business_name: string;
  country: string;
  time_zone: string;
  currency: string;
}

const newBusiness = (): Business => ({ business_name: '', country: 'IE', time_zone: browserZone(), currency: 'EUR' });

/** The business as `POST /auth/setup` and `POST /tenants` take it: codes upper-cased. */
const businessBody = (b: Business) => ({ ...b, country: b.country.trim().toUpperCase(), currency: b.currency.trim().toUpperCase() });

/** The business's fields, in the setup form and the create-your-business form alike. */
function BusinessFields({ f, set }: { f: Business; set: (k: keyof Business) => (e: Event) => void }) {
  return (
    <>
      <label>
        Business name
        <input name="business_name" required maxLength={100} value={f.business_name} onInput={set('business_name')} />
      </label>
      <label>
        Country (ISO code, for phone numbers)
        <input name="country" required maxLength={2} value={f.country} onInput={set('country')} />
      </label>
      <label>
        Time zone
        <input name="time_zone" required value={f.time_zone} onInput={set('time_zone')} />
      </label>
      <label>
        Currency (ISO code)
        <input name="currency" required maxLength={3} value={f.currency} onInput={set('currency')} />
      </label>
    </>
  );
}

export function SetupForm({ onSignedIn }: { onSignedIn: (s: SignedIn) => void }) {
  const [f, setF] = useState({ ...newBusiness(), email: '', password: '' });
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const set = (k: keyof typeof f) => (e: Event) => setF({ ...f, [k]: value(e) });
  return (
    <form
      class="panel form"
      aria-labelledby="setup-title"
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        setError(null);
        try {
          onSignedIn(await accounts.setup({ ...f, ...businessBody(f) }));
        } catch (err) {
          setError(err);
        } finally {
          setBusy(false);
        }
      }}
    >
      <h2 id="setup-title">Set up your business</h2>
      <p class="muted">This server has no business yet. Describe yours and choose the owner's sign-in; you invite your staff next.</p>
      <fieldset>
        <legend>Business</legend>
        <BusinessFields f={f} set={set} />
      </fieldset>
      <fieldset>
        <legend>Owner</legend>
        <label>
          Email
          <input name="email" type="email" autoComplete="username" required value={f.email} onInput={set('email')} />
        </label>
        <label>
          Password (at least 12 characters)
          <input name="password" type="password" autoComplete="new-password" required minLength={12} value={f.password} onInput={set('password')} />
        </label>
      </fieldset>
      <ErrorMessage error={error} />
      <button type="submit" disabled={busy}>
        Create business
      </button>
    </form>
  );
}

export function PasswordSignIn({ onSignedIn }: { onSignedIn: (s: SignedIn) => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  return (
    <form
      class="panel form"
      aria-labelledby="password-title"
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        setError(null);
        try {
          onSignedIn(await accounts.signIn(email.trim(), password));
        } catch (err) {
          setError(err);
        } finally {
          setBusy(false);
        }
      }}
    >
      <h2 id="password-title">Sign in with your email</h2>
      <label>
        Email
        <input name="email" type="email" autoComplete="username" required value={email} onInput={(e) => setEmail(value(e))} />
      </label>
      <label>
        Password
        <input name="password" type="password" autoComplete="current-password" required value={password} onInput={(e) => setPassword(value(e))} />
      </label>
      <ErrorMessage error={error} />
      <button type="submit" disabled={busy}>
        Sign in
      </button>
      <p class="muted">Forgot your password? Ask an owner of your business for a reset link.</p>
    </form>
  );
}

/** `/invite#<token>`: what the link is for, then a password and in. */
export function InviteAccept({ onSignedIn }: { onSignedIn: (s: SignedIn) => void }) {
  const token = location.hash.replace(/^#/, '');
  const [invite, setInvite] = useState<Awaited<ReturnType<typeof accounts.invite>> | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (!token) {
      setError(new Error('This invite link is incomplete: copy the whole link.'));
      return;
    }
    accounts.invite(token).then(setInvite, setError);
  }, [token]);
  if (!invite && !error) return <Loading what="Opening your invite" />;
  return (
    <main class="signin">
      <h1>Pipeline CRM</h1>
      {!invite && <ErrorMessage error={error} />}
      {invite && (
        <form
          class="panel form"
          aria-labelledby="invite-title"
          onSubmit={async (e) => {
            e.preventDefault();
            setBusy(true);
            setError(null);
            try {
              const signedIn = await accounts.accept(token, password);
              history.replaceState(null, '', location.pathname);
              onSignedIn(signedIn);
            } catch (err) {
              setError(err);
            } finally {
              setBusy(false);
            }
          }}
        >
          <h2 id="invite-title">{invite.purpose === 'reset' ? 'Choose a new password' : `Join ${invite.business_name}`}</h2>
          <p>
            For <strong>{invite.email}</strong>.{' '}
            {invite.has_account && invite.purpose === 'join' && 'You already have a password here: enter a new one, it replaces it.'}
          </p>
          <label>
            New password (at least 12 characters)
            <input name="password" type="password" autoComplete="new-password" required minLength={12} value={password} onInput={(e) => setPassword(value(e))} />
          </label>
          <ErrorMessage error={error} />
          <button type="submit" disabled={busy}>
            {invite.purpose === 'reset' ? 'Set password and sign in' : 'Join and sign in'}
          </button>
        </form>
      )}
    </main>
  );
}

/** Whether `token` names a person who belongs to no business yet (a new sign-up). */
export function needsBusiness(token: string | null): boolean {
  const claims = token ? jwtClaims(token) : null;
  return !!claims && typeof claims.sub === 'string' && !claims.tenant_id;
}

/**
 * A person signed up at the identity provider with no business yet: they describe theirs,
 * `POST /tenants` makes them its owner, and `onCreated` signs in again so the new token names
 * the business.
 */
export function CreateBusiness({ onCreated }: { onCreated: () => void }) {
  const [f, setF] = useState(newBusiness());
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const set = (k: keyof typeof f) => (e: Event) => setF({ ...f, [k]: value(e) });
  return (
    <main class="signin">
      <h1>Pipeline CRM</h1>
      <form
        class="panel form"
        aria-labelledby="create-title"
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          setError(null);
          try {
            await api.post('/tenants', businessBody(f));
            onCreated();
          } catch (err) {
            setError(err);
            setBusy(false);
          }
        }}
      >
        <h2 id="create-title">Create your business</h2>
        <p class="muted">You are signed in but not a member of any business yet. Create yours (you become its owner), or ask an owner to invite you.</p>
        <BusinessFields f={f} set={set} />
        <ErrorMessage error={error} />
        <button type="submit" disabled={busy}>
          Create business
        </button>
      </form>
    </main>
  );
}
