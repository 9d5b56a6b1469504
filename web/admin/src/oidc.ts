// Sign-in with the identity provider: OpenID Connect authorization code flow with PKCE
// (RFC 7636), as a public client (a browser app keeps no secret). The provider's token is
// the API's bearer token: API Gateway's JWT authorizer checks its signature, issuer and
// audience, and the handlers read `tenant_id` and `role` from its claims.
//
// The flow: `beginSignIn` keeps a one-time state, nonce and code verifier in sessionStorage
// and sends the browser to the provider; the provider sends it back to `<base>/callback`
// with a code; `completeSignIn` checks the state, trades the code and the verifier for
// tokens and checks the nonce.

export interface OidcConfig {
  /** The issuer, e.g. https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC (no trailing /). */
  issuer: string;
  /** The app client id (also the audience the API checks). */
  clientId: string;
  /** Scopes asked for; `openid` is always included. */
  scope?: string;
  /** The provider's name on the sign-in button. */
  name?: string;
  /** Which token the API takes: the ID token (audience = client id) by default. */
  token?: 'id_token' | 'access_token';
}

export interface Discovery {
  authorization_endpoint: string;
  token_endpoint: string;
  end_session_endpoint?: string;
}

/** A sign-in that did not complete, said so a person can act on it. */
export class SignInError extends Error {}

const PENDING_KEY = 'crm.oidc.pending';
const ID_TOKEN_KEY = 'crm.oidc.id_token';

export function base64url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** A fresh random value of `bytes` bytes, base64url (32 bytes → a 43-character verifier). */
export function randomToken(bytes = 32): string {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** The S256 code challenge of `verifier`. */
export async function codeChallenge(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

/** The claims of a JWT, unverified (the API verifies it; the app only reads nonce and exp). */
export function jwtClaims(token: string): Record<string, unknown> | null {
  const part = token.split('.')[1];
  if (!part) return null;
  try {
    const b64 = part.replace(/-/g, '+').replace(/_/g, '/');
    const text = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
    const bytes = Uint8Array.from(text, (c) => c.charCodeAt(0));
    const claims: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return claims && typeof claims === 'object' ? (claims as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Whether `token` has expired at `nowMs` (a token without a readable exp is left to the API). */
export function isExpired(token: string, nowMs: number = Date.now()): boolean {
  const exp = jwtClaims(token)?.exp;
  return typeof exp === 'number' && exp * 1000 <= nowMs;
}

export async function discover(issuer: string): Promise<Discovery> {
  const url = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  let doc: Partial<Discovery> | null = null;
  try {
    const r = await fetch(url, { headers: { accept: 'application/json' } });
    if (r.ok) doc = (await r.json()) as Partial<Discovery>;
  } catch {
    doc = null;
  }
  if (!doc?.authorization_endpoint || !doc.token_endpoint) {
    throw new SignInError('The sign-in service could not be reached. Please try again in a moment.');
  }
  return doc as Discovery;
}

interface Pending {
  state: string;
  nonce: string;
  verifier: string;
  returnTo: string;
}

/** The authorization request URL; keeps the one-time values for `completeSignIn`. */
export async function authorizationUrl(
  config: OidcConfig,
  discovery: Discovery,
  redirectUri: string,
  returnTo: string,
  storage: Storage = sessionStorage,
): Promise<string> {
  const pending: Pending = { state: randomToken(16), nonce: randomToken(16), verifier: randomToken(32), returnTo };
  storage.setItem(PENDING_KEY, JSON.stringify(pending));
  const scopes = new Set(['openid', ...(config.scope ?? 'openid email profile').split(/\s+/).filter(Boolean)]);
  const url = new URL(discovery.authorization_endpoint);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', config.clientId);
  url.searchParams.set('redirect_uri', redirectUri);
  url.searchParams.set('scope', [...scopes].join(' '));
  url.searchParams.set('state', pending.state);
  url.searchParams.set('nonce', pending.nonce);
  url.searchParams.set('code_challenge', await codeChallenge(pending.verifier));
  url.searchParams.set('code_challenge_method', 'S256');
  return url.toString();
}

/** Sends the browser to the provider. */
export async function beginSignIn(config: OidcConfig, redirectUri: string, returnTo: string): Promise<void> {
  const discovery = await discover(config.issuer);
  location.assign(await authorizationUrl(config, discovery, redirectUri, returnTo));
}

/**
 * Finishes the sign-in the provider sent back (`params` of `<base>/callback`): the bearer token
 * for the API and the app path to return to. Every failure is a `SignInError` that says what
 * to do; the one-time values are spent either way.
 */
export async function completeSignIn(
  config: OidcConfig,
  params: URLSearchParams,
  redirectUri: string,
  storage: Storage = sessionStorage,
  discovery?: Discovery,
): Promise<{ token: string; idToken: string | null; nonce: string; returnTo: string }> {
  const raw = storage.getItem(PENDING_KEY);
  storage.removeItem(PENDING_KEY);
  const providerError = params.get('error');
  if (providerError) {
    const why = params.get('error_description') || providerError.replace(/_/g, ' ');
    throw new SignInError(`The sign-in was not completed: ${why}.`);
  }
  let pending: Pending | null = null;
  try {
    pending = raw ? (JSON.parse(raw) as Pending) : null;
  } catch {
    pending = null;
  }
  const code = params.get('code');
  if (!pending || !code || params.get('state') !== pending.state) {
    throw new SignInError('This sign-in link was not started here or was already used. Please sign in again.');
  }
  const d = discovery ?? (await discover(config.issuer));
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code,
    redirect_uri: redirectUri,
    client_id: config.clientId,
    code_verifier: pending.verifier,
  });
  let tokens: Record<string, unknown> | null = null;
  try {
    const r = await fetch(d.token_endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body,
    });
    tokens = r.ok ? ((await r.json()) as Record<string, unknown>) : null;
  } catch {
    tokens = null;
  }
  const idToken = typeof tokens?.id_token === 'string' ? tokens.id_token : null;
  const token = tokens?.[config.token ?? 'id_token'];
  if (typeof token !== 'string' || !token) {
    throw new SignInError('The sign-in service did not accept the sign-in. Please sign in again.');
  }
  if (idToken && jwtClaims(idToken)?.nonce !== pending.nonce) {
    throw new SignInError('The sign-in answer was not for this request. Please sign in again.');
  }
  return { token, idToken, nonce: pending.nonce, returnTo: pending.returnTo || '/board' };
}

/** Keeps the ID token for the provider's sign-out (`id_token_hint`). */
export function rememberIdToken(idToken: string | null): void {
  if (idToken) localStorage.setItem(ID_TOKEN_KEY, idToken);
  else localStorage.removeItem(ID_TOKEN_KEY);
}

/**
 * Where to send the browser to end the provider's session too (RP-initiated logout), when the
 * provider publishes an end-session endpoint; null → signing out of the app is all there is.
 */
export async function signOutUrl(config: OidcConfig, postLogoutUri: string): Promise<string | null> {
  const idToken = localStorage.getItem(ID_TOKEN_KEY);
  rememberIdToken(null);
  let d: Discovery;
  try {
    d = await discover(config.issuer);
  } catch {
    return null;
  }
  if (!d.end_session_endpoint) return null;
  const url = new URL(d.end_session_endpoint);
  url.searchParams.set('client_id', config.clientId);
  url.searchParams.set('post_logout_redirect_uri', postLogoutUri);
  if (idToken) url.searchParams.set('id_token_hint', idToken);
  return url.toString();
}
