// The admin API client: bearer token, JSON in and out, problem+json errors as readable text.

export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  errors?: { field: string; reason: string }[];
  allowed?: string[];
  current_version?: number;
  [k: string]: unknown;
}

/** A failed API call: the HTTP status and the problem the API answered. */
export class ApiError extends Error {
  constructor(
    public status: number,
    public problem: Problem,
    /** Where a redirect the browser followed ended (the API moved the resource), if it did. */
    public redirectedTo: string | null = null,
  ) {
    super(problemMessage(problem, status));
  }
  /** The resource changed since it was read (stale If-Match, or a conflict). */
  get stale(): boolean {
    return this.status === 412;
  }
}

const humanField = (f: string) => f.replace(/_/g, ' ').replace(/\./g, ' › ');

/** A problem+json document as one sentence a person can act on. */
export function problemMessage(p: Problem | null | undefined, status?: number): string {
  const code = p?.status ?? status ?? 0;
  if (p?.errors && p.errors.length > 0) {
    const parts = p.errors.map((e) => `${humanField(e.field)} ${e.reason}`);
    return `Please check: ${parts.join('; ')}.`;
  }
  if (code === 412) return 'Someone else changed this in the meantime. It has been reloaded; please try again.';
  if (code === 409) {
    const c = conflictMessage(p);
    if (c) return c;
  }
  if (code === 409 && p?.allowed) {
    const allowed = p.allowed.length ? p.allowed.map(humanField).join(', ') : 'none';
    return `${p.detail ?? 'Not allowed'}. Allowed: ${allowed}.`;
  }
  // A refused sign-in, a role rule or an identity nobody invited says why; a refused token
  // or role says it plainly.
  const said = p?.detail && !/bearer token|your role may not do this/.test(p.detail) ? p.detail : null;
  if (code === 401) return said ? sentence(said) : 'Your session has ended. Please sign in again.';
  if (code === 403) return said ? sentence(said) : 'Your role may not do this.';
  if (code === 404) return `${p?.detail ? capitalize(p.detail) : 'Not found'}.`;
  if (code >= 500 || code === 0) return 'The server could not answer. Please try again in a moment.';
  const text = p?.detail || p?.title || `Request failed (${code})`;
  return capitalize(text.endsWith('.') ? text : `${text}.`);
}

const day = (iso: unknown) =>
  typeof iso === 'string' && !Number.isNaN(Date.parse(iso))
    ? new Date(iso).toLocaleDateString('en-IE', { day: 'numeric', month: 'short', year: 'numeric' })
    : null;

/** The 409s the screens know by their `conflict` (or `review_requested_at`), in plain words. */
function conflictMessage(p: Problem | null | undefined): string | null {
  if (!p) return null;
  if (p.review_requested_at !== undefined) {
    const on = day(p.review_requested_at);
    return `A review was already requested${on ? ` on ${on}` : ''}; you can ask again 90 days after that.`;
  }
  switch (p.conflict) {
    case 'opted_out':
      return 'This customer opted out of texts (they replied STOP), so no text was sent.';
    case 'handled': {
      const on = day(p.handled_at);
      const by = typeof p.handled_by === 'string' ? ` by ${p.handled_by}` : '';
      return `This missed call was already handled${by}${on ? ` on ${on}` : ''}; write to the customer from their profile instead.`;
    }
    case 'sms_queued':
      return 'A text for this missed call was already sent (one per missed call).';
    case 'review_waiting':
      return 'A review request for this customer is already waiting to go out (after quiet hours); it was not queued twice.';
    default:
      return null;
  }
}

function sentence(s: string): string {
  return capitalize(s.endsWith('.') ? s : `${s}.`);
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

const TOKEN_KEY = 'crm.token';
/** Where the API is ("" = same origin); set once from the runtime configuration. */
export let apiBase: string = (import.meta.env.VITE_API_URL as string | undefined) ?? '';
export function setApiBase(url: string): void {
  apiBase = url;
}

export function getToken(): string | null {
  return localStorage.getItem(TOKEN_KEY);
}
export function setToken(t: string | null): void {
  if (t) localStorage.setItem(TOKEN_KEY, t);
  else localStorage.removeItem(TOKEN_KEY);
}

export interface Versioned<T> {
  data: T;
  etag: string | null;
  /** Where a redirect the browser followed ended (the API moved the resource), if it did. */
  redirectedTo?: string | null;
}

/** One fetch: its response and its body as JSON (null when empty or not JSON); a failure
 *  to reach the server is an ApiError with status 0. */
async function send(url: string, init: RequestInit): Promise<{ res: Response; json: unknown }> {
  let res: Response;
  try {
    res = await fetch(url, init);
  } catch {
    throw new ApiError(0, { title: 'Network error', detail: 'The server could not be reached' });
  }
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  return { res, json };
}

export async function request<T>(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Versioned<T>> {
  const h: Record<string, string> = { accept: 'application/json', ...headers };
  const token = getToken();
  if (token) h.authorization = `Bearer ${token}`;
  // A file (Blob) goes as it is, with the content type the caller gave; anything else as JSON.
  const raw = body instanceof Blob;
  if (body !== undefined && !raw) h['content-type'] = 'application/json';
  const { res, json } = await send(apiBase + path, {
    method,
    headers: h,
    body: body === undefined ? undefined : raw ? body : JSON.stringify(body),
  });
  const redirectedTo = res.redirected ? res.url : null;
  if (!res.ok) {
    // An access token that ended (expired, or its membership changed): one refresh from the
    // session, then the request again; refused again → signed out.
    if (res.status === 401 && token && refresher && !headers['x-crm-retry']) {
      const fresh = await refresher().catch(() => null);
      if (fresh) {
        setToken(fresh);
        return request<T>(method, path, body, { ...headers, 'x-crm-retry': '1' });
      }
    }
    if (res.status === 401) window.dispatchEvent(new Event('crm:signed-out'));
    throw new ApiError(res.status, (json as Problem) ?? { status: res.status }, redirectedTo);
  }
  return { data: json as T, etag: res.headers.get('etag'), redirectedTo };
}

/** How a 401 gets a new access token (crm-local's session refresh), if the app has one. */
let refresher: (() => Promise<string | null>) | null = null;
export function setRefresher(r: (() => Promise<string | null>) | null): void {
  refresher = r;
}

export const api = {
  get: <T>(path: string) => request<T>('GET', path).then((r) => r.data),
  getVersioned: <T>(path: string) => request<T>('GET', path),
  post: <T>(path: string, body?: unknown, headers?: Record<string, string>) =>
    request<T>('POST', path, body ?? {}, headers).then((r) => r.data),
  patch: <T>(path: string, body: unknown, ifMatch?: number | string) =>
    request<T>('PATCH', path, body, ifMatch !== undefined ? { 'if-match': `"${ifMatch}"` } : {}).then((r) => r.data),
  del: <T>(path: string) => request<T>('DELETE', path).then((r) => r.data),
  /** POSTs a file as the body, with its content type (and encoding) in `headers`. */
  upload: <T>(path: string, file: Blob, headers: Record<string, string>) => request<T>('POST', path, file, headers).then((r) => r.data),
};

/** Query string from the set values of `params`. */
export function qs(params: Record<string, string | number | boolean | undefined | null>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') u.set(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : '';
}

/** Local dev sign-in (crm-local only): a token signed with the local secret. */
export async function devSignIn(tenant: string, role: string): Promise<string> {
  const res = await fetch(`${apiBase}/_local/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ tenant, role }),
  });
  const j = await res.json().catch(() => null);
  if (!res.ok || !j?.token) throw new ApiError(res.status, j ?? { status: res.status });
  return j.token as string;
}

/** What crm-local answers a sign-in (setup, password, invite, identity provider, refresh). */
export interface SignedIn {
  access_token: string;
  expires_in: number;
  tenant_id: string;
  role: 'owner' | 'admin' | 'staff';
  email: string;
  tenants: { tenant_id: string; role: string }[];
}

/** POSTs to crm-local's `/auth/*` (same origin: the session cookie is scoped to it). */
async function auth<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const { res, json } = await send(`${apiBase}/auth${path}`, {
    method,
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new ApiError(res.status, (json as Problem) ?? { status: res.status });
  return json as T;
}

export const accounts = {
  status: () => auth<{ setup_needed: boolean }>('GET', '/status'),
  setup: (body: Record<string, string>) => auth<SignedIn>('POST', '/setup', body),
  signIn: (email: string, password: string) => auth<SignedIn>('POST', '/sign-in', { email, password }),
  /** An identity provider's ID token traded for a session here. */
  exchange: (idToken: string, nonce: string) => auth<SignedIn>('POST', '/oidc', { id_token: idToken, nonce }),
  refresh: () => auth<SignedIn>('POST', '/refresh', {}),
  signOut: (everywhere: boolean) => auth<null>('POST', '/sign-out', { everywhere }),
  invite: (token: string) =>
    auth<{ email: string; business_name: string; purpose: 'join' | 'reset'; has_account: boolean; expires: string }>(
      'GET',
      `/invites/${encodeURIComponent(token)}`,
    ),
  accept: (token: string, password: string) =>
    auth<SignedIn>('POST', `/invites/${encodeURIComponent(token)}`, { password }),
};
