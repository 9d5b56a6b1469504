// The app's runtime configuration: `config.json` beside index.html, so one build serves any
// deployment. crm-local answers it from its own settings; a cloud deployment writes it next
// to the files (scripts/deploy-web). Shape:
//   { "apiUrl": "https://api.example.com", "devSignIn": false, "localAccounts": false,
//     "oidc": { "issuer": "...", "clientId": "...", "scope": "openid email", "name": "Cognito" } }
import type { OidcConfig } from './oidc';

export interface AppConfig {
  /** Where the API is ("" = the same origin as the app). */
  apiUrl: string;
  /** crm-local's dev sign-in (`POST /_local/token`) is available. */
  devSignIn: boolean;
  /** The identity provider; null → no provider sign-in. */
  oidc: OidcConfig | null;
  /**
   * crm-local's own accounts (`/auth/*`): first-run setup, email and password, invite links,
   * sessions refreshed from an HttpOnly cookie. With an identity provider too, its ID token is
   * traded at `/auth/oidc` for a session here instead of being sent to the API as it is.
   */
  localAccounts: boolean;
}

/** The configuration from `json`, with anything malformed left out rather than trusted. */
export function parseConfig(json: unknown): AppConfig {
  const o = (json && typeof json === 'object' ? json : {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
  const oidc = (o.oidc && typeof o.oidc === 'object' ? o.oidc : null) as Record<string, unknown> | null;
  const issuer = str(oidc?.issuer).replace(/\/+$/, '');
  const clientId = str(oidc?.clientId);
  const token = str(oidc?.token);
  return {
    apiUrl: str(o.apiUrl).replace(/\/+$/, ''),
    devSignIn: o.devSignIn === true,
    localAccounts: o.localAccounts === true,
    oidc:
      /^https?:\/\//.test(issuer) && clientId
        ? {
            issuer,
            clientId,
            scope: str(oidc?.scope) || undefined,
            name: str(oidc?.name) || undefined,
            token: token === 'access_token' ? 'access_token' : 'id_token',
          }
        : null,
  };
}

/** Reads `config.json`; without one (e.g. `vite dev`) the API is the build's VITE_API_URL. */
export async function loadConfig(base: string): Promise<AppConfig> {
  try {
    const r = await fetch(`${base}/config.json`, { cache: 'no-store' });
    if (r.ok) return parseConfig(await r.json());
  } catch {
    /* fall through */
  }
  return parseConfig({ apiUrl: (import.meta.env.VITE_API_URL as string | undefined) ?? '', devSignIn: true });
}
