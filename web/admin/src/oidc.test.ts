import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseConfig } from './config';
import { authorizationUrl, base64url, codeChallenge, completeSignIn, Discovery, isExpired, jwtClaims, OidcConfig, SignInError } from './oidc';

const config: OidcConfig = { issuer: 'https://id.example.com', clientId: 'spa', name: 'Example' };
const discovery: Discovery = { authorization_endpoint: 'https://id.example.com/authorize', token_endpoint: 'https://id.example.com/token' };
const redirect = 'https://admin.example.com/admin/callback';

const jwt = (claims: Record<string, unknown>) =>
  `${base64url(new TextEncoder().encode('{"alg":"none"}'))}.${base64url(new TextEncoder().encode(JSON.stringify(claims)))}.sig`;

beforeEach(() => {
  sessionStorage.clear();
});
afterEach(() => vi.unstubAllGlobals());

/** Starts a sign-in; returns the authorization URL's parameters. */
async function begin(): Promise<URLSearchParams> {
  return new URL(await authorizationUrl(config, discovery, redirect, '/customers?q=ann')).searchParams;
}

describe('PKCE', () => {
  it('derives the S256 challenge of RFC 7636 appendix B', async () => {
    expect(await codeChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });

  it('asks for a code with a fresh S256 challenge, state and nonce every time', async () => {
    const a = await begin();
    expect(a.get('response_type')).toBe('code');
    expect(a.get('client_id')).toBe('spa');
    expect(a.get('redirect_uri')).toBe(redirect);
    expect(a.get('code_challenge_method')).toBe('S256');
    expect(a.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.get('scope')?.split(' ')).toContain('openid');
    const b = await begin();
    expect(b.get('state')).not.toBe(a.get('state'));
    expect(b.get('code_challenge')).not.toBe(a.get('code_challenge'));
  });
});

describe('completing the sign-in', () => {
  it('trades the code and the verifier for the ID token and returns where sign-in began', async () => {
    const asked = await begin();
    const fetched: { url: string; body: URLSearchParams }[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string, init: RequestInit) => {
        fetched.push({ url, body: new URLSearchParams(init.body as URLSearchParams) });
        return new Response(JSON.stringify({ id_token: jwt({ nonce: asked.get('nonce'), sub: 'u1' }), access_token: 'at' }));
      }),
    );
    const done = await completeSignIn(config, new URLSearchParams({ code: 'c1', state: asked.get('state') ?? '' }), redirect, sessionStorage, discovery);
    expect(done.returnTo).toBe('/customers?q=ann');
    expect(jwtClaims(done.token)?.sub).toBe('u1');
    const sent = fetched[0];
    expect(sent.url).toBe(discovery.token_endpoint);
    expect(sent.body.get('grant_type')).toBe('authorization_code');
    expect(sent.body.get('code')).toBe('c1');
    expect(sent.body.get('redirect_uri')).toBe(redirect);
    // The verifier sent is the one the challenge was made from.
    expect(await codeChallenge(sent.body.get('code_verifier') ?? '')).toBe(asked.get('code_challenge'));
    // The one-time values are spent: the same answer again is refused.
    await expect(
      completeSignIn(config, new URLSearchParams({ code: 'c1', state: asked.get('state') ?? '' }), redirect, sessionStorage, discovery),
    ).rejects.toThrow('already used');
  });

  it('refuses an answer whose state is not the one sent, without calling the provider', async () => {
    await begin();
    const f = vi.fn();
    vi.stubGlobal('fetch', f);
    await expect(completeSignIn(config, new URLSearchParams({ code: 'c', state: 'forged' }), redirect, sessionStorage, discovery)).rejects.toBeInstanceOf(SignInError);
    expect(f).not.toHaveBeenCalled();
  });

  it("refuses an ID token minted for another request's nonce", async () => {
    const asked = await begin();
    vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify({ id_token: jwt({ nonce: 'other' }) }))));
    await expect(completeSignIn(config, new URLSearchParams({ code: 'c', state: asked.get('state') ?? '' }), redirect, sessionStorage, discovery)).rejects.toThrow(
      'not for this request',
    );
  });

  it("says the provider's own reason when the user cancels", async () => {
    await begin();
    await expect(
      completeSignIn(config, new URLSearchParams({ error: 'access_denied', error_description: 'User cancelled' }), redirect, sessionStorage, discovery),
    ).rejects.toThrow('The sign-in was not completed: User cancelled.');
  });

  it('explains a refused code exchange', async () => {
    const asked = await begin();
    vi.stubGlobal('fetch', vi.fn(async () => new Response('{"error":"invalid_grant"}', { status: 400 })));
    await expect(completeSignIn(config, new URLSearchParams({ code: 'c', state: asked.get('state') ?? '' }), redirect, sessionStorage, discovery)).rejects.toThrow(
      'did not accept',
    );
  });
});

describe('tokens and configuration', () => {
  it('knows an expired token from a live one', () => {
    const now = Date.UTC(2026, 11, 6, 12);
    expect(isExpired(jwt({ exp: now / 1000 - 1 }), now)).toBe(true);
    expect(isExpired(jwt({ exp: now / 1000 + 60 }), now)).toBe(false);
    expect(isExpired('not-a-jwt', now)).toBe(false);
  });

  it('takes an OIDC provider only with an http(s) issuer and a client id', () => {
    expect(parseConfig({ apiUrl: 'https://api.example.com/', oidc: { issuer: 'https://id.example.com/', clientId: 'spa' } })).toEqual({
      apiUrl: 'https://api.example.com',
      devSignIn: false,
      localAccounts: false,
      oidc: { issuer: 'https://id.example.com', clientId: 'spa', scope: undefined, name: undefined, token: 'id_token' },
    });
    expect(parseConfig({ oidc: { issuer: 'id.example.com', clientId: 'spa' } }).oidc).toBeNull();
    expect(parseConfig({ oidc: { issuer: 'https://id.example.com' } }).oidc).toBeNull();
    expect(parseConfig('nonsense')).toEqual({ apiUrl: '', devSignIn: false, localAccounts: false, oidc: null });
    expect(parseConfig({ localAccounts: true }).localAccounts).toBe(true);
  });
});
