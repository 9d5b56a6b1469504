// The admin app: sign-in, navigation and the screens.
import { useEffect, useState } from 'preact/hooks';
import { accounts, devSignIn, getToken, setApiBase, setRefresher, setToken, SignedIn } from './api';
import { CreateBusiness, InviteAccept, needsBusiness, PasswordSignIn, SetupForm } from './Accounts';
import { MembersView } from './Members';
import { AppConfig, loadConfig } from './config';
import { setCurrency } from './model';
import { api } from './api';
import { beginSignIn, completeSignIn, isExpired, rememberIdToken, signOutUrl } from './oidc';
import { AnalyticsView } from './Analytics';
import { Board } from './Board';
import { CustomerList, CustomerProfile } from './Customers';
import { NewCustomer } from './CustomerForm';
import { DuplicatesView } from './Duplicates';
import { ImportUpload, ImportView } from './Imports';
import { LeadList, LeadView } from './Leads';
import { NewLead } from './NewLead';
import { MessagesView } from './Messages';
import { MissedCallsView } from './MissedCalls';
import { TasksView } from './Tasks';
import { SettingsView } from './Settings';
import { BASE, currentPath, Link, navigate, usePath } from './router';
import { atLeast } from './roles';
import { ErrorMessage, Loading } from './ui';

/** The URL the provider sends the browser back to (registered with the provider). */
const callbackUri = () => `${location.origin}${BASE}/callback`;

function SignIn({ config, onSignedIn, notice }: { config: AppConfig; onSignedIn: () => void; notice?: string }) {
  const [tenant, setTenant] = useState('demo');
  const [role, setRole] = useState('owner');
  const [token, setPasted] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const oidc = config.oidc;
  const [setupNeeded, setSetupNeeded] = useState<boolean | null>(null);
  useEffect(() => {
    if (config.localAccounts) accounts.status().then((s) => setSetupNeeded(s.setup_needed), () => setSetupNeeded(false));
  }, []);
  const local = (s: SignedIn) => {
    setToken(s.access_token);
    onSignedIn();
  };
  return (
    <main class="signin">
      <h1>Pipeline CRM</h1>
      {notice && (
        <p class="error" role="alert">
          {notice}
        </p>
      )}
      {config.localAccounts && setupNeeded === true && <SetupForm onSignedIn={local} />}
      {config.localAccounts && setupNeeded === false && <PasswordSignIn onSignedIn={local} />}
      {oidc && (
        <div class="panel form">
          <h2>Sign in</h2>
          <ErrorMessage error={error} />
          <button
            type="button"
            disabled={busy}
            onClick={async () => {
              setBusy(true);
              setError(null);
              try {
                await beginSignIn(oidc, callbackUri(), currentPath().startsWith('/callback') ? '/board' : currentPath());
              } catch (err) {
                setError(err);
                setBusy(false);
              }
            }}
          >
            Sign in with {oidc.name ?? 'your account'}
          </button>
        </div>
      )}
      {config.devSignIn && (
        <form
          class="panel form"
          onSubmit={async (e) => {
            e.preventDefault();
            setBusy(true);
            setError(null);
            try {
              setToken(await devSignIn(tenant.trim(), role));
              onSignedIn();
            } catch (err) {
              setError(err);
            } finally {
              setBusy(false);
            }
          }}
        >
          <h2>Local sign-in</h2>
          <p class="muted">crm-local signs a token for you. In the cloud, sign in with your identity provider.</p>
          <label>
            Business (tenant)
            <input name="tenant" value={tenant} required onInput={(e) => setTenant((e.target as HTMLInputElement).value)} />
          </label>
          <label>
            Role
            <select name="role" value={role} onChange={(e) => setRole((e.target as HTMLSelectElement).value)}>
              <option value="owner">Owner</option>
              <option value="admin">Admin</option>
              <option value="staff">Staff</option>
            </select>
          </label>
          {!oidc && <ErrorMessage error={error} />}
          <button type="submit" disabled={busy}>
            Sign in
          </button>
        </form>
      )}
      {!oidc && !config.devSignIn && !config.localAccounts && (
        <form
          class="panel form"
          onSubmit={(e) => {
            e.preventDefault();
            if (token.trim()) {
              setToken(token.trim());
              onSignedIn();
            }
          }}
        >
          <h2>Sign in with a token</h2>
          <p class="muted">No identity provider is configured for this app (config.json has no oidc).</p>
          <label>
            Bearer token
            <input name="token" type="password" autoComplete="off" value={token} onInput={(e) => setPasted((e.target as HTMLInputElement).value)} />
          </label>
          <button type="submit" class="secondary">
            Use token
          </button>
        </form>
      )}
    </main>
  );
}

/** `<base>/callback`: trades the provider's code for the token, then goes where sign-in began. */
function Callback({ config, onSignedIn }: { config: AppConfig; onSignedIn: () => void }) {
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const oidc = config.oidc;
    if (!oidc) {
      setError('No identity provider is configured for this app.');
      return;
    }
    const params = new URLSearchParams(location.search);
    completeSignIn(oidc, params, callbackUri())
      .then(async ({ token, idToken, nonce, returnTo }) => {
        // On crm-local the provider's ID token buys a session here; in the cloud the API
        // takes the provider's token as it is.
        if (config.localAccounts) {
          if (!idToken) throw new Error('The sign-in service sent no ID token. Please sign in again.');
          setToken((await accounts.exchange(idToken, nonce)).access_token);
        } else {
          setToken(token);
        }
        rememberIdToken(idToken);
        navigate(returnTo, true);
        onSignedIn();
      })
      .catch((err: unknown) => setError(err instanceof Error ? err.message : 'The sign-in was not completed.'));
  }, []);
  if (error) {
    // Signed in another way from here: leave /callback for the board.
    const away = () => {
      navigate('/board', true);
      onSignedIn();
    };
    return <SignIn config={config} onSignedIn={away} notice={error} />;
  }
  return <Loading what="Signing you in" />;
}

/** The screens, each with the least role that may open it (as the API's route table says). */
const NAV: [string, string, string][] = [
  ['/board', 'Board', 'staff'],
  ['/leads', 'Leads', 'staff'],
  ['/customers', 'Customers', 'staff'],
  ['/missed-calls', 'Missed calls', 'staff'],
  ['/messages', 'Messages', 'staff'],
  ['/tasks', 'Tasks', 'staff'],
  ['/analytics', 'Analytics', 'staff'],
  ['/members', 'Members', 'admin'],
  ['/settings', 'Settings', 'owner'],
];

/** Screens opened from another (not in the nav): their path (one or two segments), title,
 *  least role, and the nav entry they belong under. */
const SUBSCREENS: [string, string, string, string][] = [
  ['/imports', 'Import clients', 'admin', '/customers'],
  ['/duplicates', 'Possible duplicates', 'admin', '/customers'],
  ['/customers/new', 'Add a customer', 'admin', '/customers'],
  ['/leads/new', 'New lead', 'admin', '/leads'],
];

/** The title and least role of the screen at `top` (`/customers`), or at `two` when that
 *  is a subscreen (`/customers/new`), and the nav entry to mark. */
function screenOf(top: string, two: string): { label: string; least: string; nav: string } {
  const sub = SUBSCREENS.find(([p]) => p === two) ?? SUBSCREENS.find(([p]) => p === top);
  if (sub) return { label: sub[1], least: sub[2], nav: sub[3] };
  const entry = NAV.find(([p]) => p === top);
  return { label: entry?.[1] ?? 'Board', least: entry?.[2] ?? 'staff', nav: top };
}

/** Whether `role` may open a screen that needs `least`. */
export const mayOpen = atLeast;

function Screen({ path, role }: { path: string; role: string }) {
  const [pathname, search] = path.split('?');
  const query = new URLSearchParams(search ?? '');
  const parts = pathname.split('/').filter(Boolean);
  // Keyed by id: another lead or customer starts from a clean form, never the last one's.
  if (parts[0] === 'leads' && parts[1] === 'new') return <NewLead />;
  if (parts[0] === 'leads' && parts[1]) return <LeadView key={parts[1]} id={parts[1]} />;
  if (parts[0] === 'leads') return <LeadList query={query} role={role} />;
  if (parts[0] === 'customers' && parts[1] === 'new') return <NewCustomer />;
  if (parts[0] === 'customers' && parts[1]) return <CustomerProfile key={parts[1]} id={parts[1]} mergedFrom={query.get('merged')} role={role} />;
  if (parts[0] === 'customers') return <CustomerList query={query} role={role} />;
  if (parts[0] === 'imports' && parts[1]) return <ImportView key={parts[1]} id={parts[1]} />;
  if (parts[0] === 'imports') return <ImportUpload />;
  if (parts[0] === 'duplicates') return <DuplicatesView />;
  if (parts[0] === 'analytics') return <AnalyticsView />;
  if (parts[0] === 'messages') return <MessagesView />;
  if (parts[0] === 'settings') return <SettingsView />;
  if (parts[0] === 'members') return <MembersView role={role} />;
  if (parts[0] === 'missed-calls') return <MissedCallsView />;
  if (parts[0] === 'tasks') return <TasksView query={query} />;
  return <Board />;
}

/** A stored token that is still usable (an expired one is dropped: sign in again). */
function liveToken(): string | null {
  const t = getToken();
  if (t && isExpired(t)) {
    setToken(null);
    return null;
  }
  return t;
}

export function App() {
  const [config, setConfig] = useState<AppConfig | null>(null);
  useEffect(() => {
    loadConfig(BASE).then((c) => {
      setApiBase(c.apiUrl);
      setConfig(c);
    });
  }, []);
  if (!config) return <Loading what="Loading" />;
  return <Shell config={config} />;
}

/** GET /business: what every screen shows of the business. */
interface Business {
  business_name: string;
  currency: string;
  role: string;
}

function Shell({ config }: { config: AppConfig }) {
  const [signedIn, setSignedIn] = useState(() => !!liveToken());
  // With crm-local's accounts, a session cookie may still stand behind an ended token.
  const [resuming, setResuming] = useState(() => config.localAccounts && !liveToken());
  useEffect(() => {
    if (!config.localAccounts) return;
    setRefresher(() => accounts.refresh().then((s) => s.access_token));
    if (!resuming) return;
    accounts.refresh().then(
      (s) => {
        setToken(s.access_token);
        setSignedIn(true);
        setResuming(false);
      },
      () => setResuming(false),
    );
  }, []);
  const [business, setBusiness] = useState<Business | null>(null);
  const path = usePath();
  // Money shows in the business's currency once known (screens render again then).
  const newcomer = signedIn && needsBusiness(getToken());
  useEffect(() => {
    if (!signedIn || newcomer) return;
    api.get<Business>('/business').then(
      (b) => {
        setCurrency(b.currency);
        setBusiness(b);
      },
      () => setBusiness(null),
    );
  }, [signedIn]);
  useEffect(() => {
    const out = () => {
      setToken(null);
      setSignedIn(false);
    };
    window.addEventListener('crm:signed-out', out);
    return () => window.removeEventListener('crm:signed-out', out);
  }, []);
  if (path.startsWith('/callback')) return <Callback config={config} onSignedIn={() => setSignedIn(true)} />;
  if (path.startsWith('/invite') && config.localAccounts)
    return (
      <InviteAccept
        onSignedIn={(s) => {
          setToken(s.access_token);
          navigate('/board', true);
          setSignedIn(true);
        }}
      />
    );
  if (resuming) return <Loading what="Signing you in" />;
  if (!signedIn) return <SignIn config={config} onSignedIn={() => setSignedIn(true)} />;
  if (newcomer)
    return (
      <CreateBusiness
        onCreated={() => {
          // The provider signs them in again at once (its session stands): the new token names
          // the business they now own.
          setToken(null);
          if (config.oidc) void beginSignIn(config.oidc, callbackUri(), '/board');
          else setSignedIn(false);
        }}
      />
    );
  const segments = path.split('?')[0].split('/').filter(Boolean);
  const top = `/${segments[0] ?? 'board'}`;
  const screen = screenOf(top, segments[1] ? `${top}/${segments[1]}` : top);
  const label = screen.label;
  const role = business?.role ?? 'staff';
  const title = `${label} · ${business?.business_name ?? 'Pipeline CRM'}`;
  if (document.title !== title) document.title = title;
  const signOut = async (everywhere = false) => {
    setToken(null);
    if (config.localAccounts) await accounts.signOut(everywhere).catch(() => null);
    const away = config.oidc ? await signOutUrl(config.oidc, `${location.origin}${BASE}/`) : null;
    if (away) {
      location.assign(away);
      return;
    }
    setSignedIn(false);
    navigate('/board');
  };
  return (
    <div class="layout">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <nav aria-label="Main">
        <strong class="brand">{business?.business_name ?? 'Pipeline CRM'}</strong>
        {business && <span class="muted role">Signed in as {business.role}</span>}
        <ul>
          {NAV.filter(([, , least]) => business && mayOpen(role, least)).map(([p, label]) => (
            <li key={p}>
              <Link to={p} aria-current={screen.nav === p ? 'page' : undefined}>
                {label}
              </Link>
            </li>
          ))}
        </ul>
        <button type="button" class="link signout" onClick={() => signOut()}>
          Sign out
        </button>
        {config.localAccounts && (
          <button type="button" class="link signout" onClick={() => signOut(true)}>
            Sign out everywhere
          </button>
        )}
      </nav>
      <main id="main">
        {business && !mayOpen(role, screen.least) ? (
          <p class="error" role="alert">
            Your role ({role}) may not open {label}. Ask an owner of the business if you need it.
          </p>
        ) : (
          <Screen path={path} role={role} />
        )}
      </main>
    </div>
  );
}
