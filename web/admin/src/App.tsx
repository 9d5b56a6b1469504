// The admin app: sign-in, navigation and the screens.
import { useEffect, useState } from 'preact/hooks';
import { devSignIn, getToken, setToken } from './api';
import { AnalyticsView } from './Analytics';
import { Board } from './Board';
import { CustomerList, CustomerProfile } from './Customers';
import { LeadList, LeadView } from './Leads';
import { MessagesView } from './Messages';
import { MissedCallsView } from './MissedCalls';
import { TasksView } from './Tasks';
import { SettingsView } from './Settings';
import { Link, navigate, usePath } from './router';
import { ErrorMessage } from './ui';

function SignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const [tenant, setTenant] = useState('demo');
  const [role, setRole] = useState('owner');
  const [token, setPasted] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  return (
    <main class="signin">
      <h1>Pipeline CRM</h1>
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
        <ErrorMessage error={error} />
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
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
        <h2>Or use a token</h2>
        <label>
          Bearer token (from your identity provider)
          <input name="token" value={token} onInput={(e) => setPasted((e.target as HTMLInputElement).value)} />
        </label>
        <button type="submit" class="secondary">
          Use token
        </button>
      </form>
    </main>
  );
}

const NAV: [string, string][] = [
  ['/board', 'Board'],
  ['/leads', 'Leads'],
  ['/customers', 'Customers'],
  ['/missed-calls', 'Missed calls'],
  ['/messages', 'Messages'],
  ['/tasks', 'Tasks'],
  ['/analytics', 'Analytics'],
  ['/settings', 'Settings'],
];

function Screen({ path }: { path: string }) {
  const [pathname, search] = path.split('?');
  const query = new URLSearchParams(search ?? '');
  const parts = pathname.split('/').filter(Boolean);
  if (parts[0] === 'leads' && parts[1]) return <LeadView id={parts[1]} />;
  if (parts[0] === 'leads') return <LeadList query={query} />;
  if (parts[0] === 'customers' && parts[1]) return <CustomerProfile id={parts[1]} />;
  if (parts[0] === 'customers') return <CustomerList query={query} />;
  if (parts[0] === 'analytics') return <AnalyticsView />;
  if (parts[0] === 'messages') return <MessagesView />;
  if (parts[0] === 'settings') return <SettingsView />;
  if (parts[0] === 'missed-calls') return <MissedCallsView />;
  if (parts[0] === 'tasks') return <TasksView query={query} />;
  return <Board />;
}

export function App() {
  const [signedIn, setSignedIn] = useState(!!getToken());
  const path = usePath();
  useEffect(() => {
    const out = () => {
      setToken(null);
      setSignedIn(false);
    };
    window.addEventListener('crm:signed-out', out);
    return () => window.removeEventListener('crm:signed-out', out);
  }, []);
  if (!signedIn) return <SignIn onSignedIn={() => setSignedIn(true)} />;
  const top = `/${path.split('?')[0].split('/').filter(Boolean)[0] ?? 'board'}`;
  return (
    <div class="layout">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <nav aria-label="Main">
        <strong class="brand">Pipeline CRM</strong>
        <ul>
          {NAV.map(([p, label]) => (
            <li key={p}>
              <Link to={p} aria-current={top === p ? 'page' : undefined}>
                {label}
              </Link>
            </li>
          ))}
        </ul>
        <button
          type="button"
          class="link signout"
          onClick={() => {
            setToken(null);
            setSignedIn(false);
            navigate('/board');
          }}
        >
          Sign out
        </button>
      </nav>
      <main id="main">
        <Screen path={path} />
      </main>
    </div>
  );
}
