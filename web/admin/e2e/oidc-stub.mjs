// A stand-in OpenID Connect provider on loopback for the sign-in test: discovery, an
// authorization page, the token endpoint and the end-session endpoint. It checks what a real
// provider checks of a public client using PKCE (client id, redirect URI, S256 challenge
// against the verifier, one use per code) and records what it saw for the test to assert on.
//
// Its ID tokens are RS256-signed with a key made at start and published at its JWKS, as a
// real provider's are: crm-local verifies them against it (issuer, audience, expiry, nonce)
// and trades them for a session of its own (`POST /auth/oidc`).

import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { createServer } from 'node:http';

const b64url = (buf) => Buffer.from(buf).toString('base64url');

/** An RS256 JWT of `claims` signed with `privateKey`, naming its key `kid`. */
export function signRs256(claims, privateKey, kid) {
  const head = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid }));
  const body = b64url(JSON.stringify(claims));
  const sig = sign('sha256', Buffer.from(`${head}.${body}`), privateKey).toString('base64url');
  return `${head}.${body}.${sig}`;
}

export function startOidcStub({ port, clientId, user }) {
  const issuer = `http://127.0.0.1:${port}`;
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = `stub-${randomBytes(4).toString('hex')}`;
  const jwks = { keys: [{ ...publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' }] };
  const seen = { authorize: [], token: [], logout: [] };
  const codes = new Map(); // code → { challenge, redirectUri, nonce }
  const cors = { 'access-control-allow-origin': '*', 'access-control-allow-headers': 'content-type, accept' };
  const send = (res, status, body, headers = {}) => {
    res.writeHead(status, { ...cors, 'content-type': 'application/json', ...headers });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };
  const readBody = (req) =>
    new Promise((ok) => {
      let text = '';
      req.on('data', (c) => (text += c));
      req.on('end', () => ok(text));
    });

  const server = createServer(async (req, res) => {
    const url = new URL(req.url, issuer);
    if (req.method === 'OPTIONS') return send(res, 204, '');
    if (url.pathname === '/.well-known/openid-configuration') {
      return send(res, 200, {
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        id_token_signing_alg_values_supported: ['RS256'],
        end_session_endpoint: `${issuer}/logout`,
        code_challenge_methods_supported: ['S256'],
      });
    }
    if (url.pathname === '/jwks') return send(res, 200, jwks);
    if (url.pathname === '/authorize') {
      const q = Object.fromEntries(url.searchParams);
      seen.authorize.push(q);
      const problems = [];
      if (q.response_type !== 'code') problems.push('response_type must be code');
      if (q.client_id !== clientId) problems.push('unknown client_id');
      if (q.code_challenge_method !== 'S256' || !/^[A-Za-z0-9_-]{43}$/.test(q.code_challenge ?? '')) problems.push('PKCE S256 challenge required');
      if (!q.state || !q.nonce) problems.push('state and nonce required');
      if (!(q.scope ?? '').split(' ').includes('openid')) problems.push('scope must include openid');
      if (problems.length) return send(res, 400, problems.join('; '), { 'content-type': 'text/plain' });
      const code = randomBytes(16).toString('hex');
      codes.set(code, { challenge: q.code_challenge, redirectUri: q.redirect_uri, nonce: q.nonce });
      const back = new URL(q.redirect_uri);
      back.searchParams.set('code', code);
      back.searchParams.set('state', q.state);
      const deny = new URL(q.redirect_uri);
      deny.searchParams.set('error', 'access_denied');
      deny.searchParams.set('error_description', 'You cancelled the sign-in');
      deny.searchParams.set('state', q.state);
      res.writeHead(200, { 'content-type': 'text/html' });
      return res.end(
        `<!doctype html><title>Test IdP</title><h1>Test IdP</h1><p>Sign in to Pipeline CRM as ${user.name}?</p>` +
          `<a href="${back.toString().replace(/&/g, '&amp;')}">Continue as ${user.name}</a> ` +
          `<a href="${deny.toString().replace(/&/g, '&amp;')}">Cancel</a>`,
      );
    }
    if (url.pathname === '/token' && req.method === 'POST') {
      const form = Object.fromEntries(new URLSearchParams(await readBody(req)));
      seen.token.push(form);
      const grant = codes.get(form.code);
      codes.delete(form.code);
      const verifierOk = grant && createHash('sha256').update(form.code_verifier ?? '').digest('base64url') === grant.challenge;
      if (form.grant_type !== 'authorization_code' || !grant || form.client_id !== clientId || form.redirect_uri !== grant.redirectUri || !verifierOk) {
        return send(res, 400, { error: 'invalid_grant' });
      }
      const now = Math.floor(Date.now() / 1000);
      const idToken = signRs256(
        { iss: issuer, aud: clientId, sub: user.sub, email: user.email, email_verified: true, name: user.name, nonce: grant.nonce, iat: now, exp: now + 3600 },
        privateKey,
        kid,
      );
      return send(res, 200, { id_token: idToken, access_token: randomBytes(16).toString('hex'), token_type: 'Bearer', expires_in: 3600 });
    }
    if (url.pathname === '/logout') {
      const q = Object.fromEntries(url.searchParams);
      seen.logout.push(q);
      res.writeHead(302, { location: q.post_logout_redirect_uri });
      return res.end();
    }
    send(res, 404, { error: 'not_found' });
  });
  return new Promise((ok) =>
    server.listen(port, '127.0.0.1', () => ok({ issuer, seen, close: () => new Promise((done) => server.close(done)) })),
  );
}
