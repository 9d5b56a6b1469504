// What the customer-screen browser tests (profile, loyalty) share: a fresh crm-local on its own
// port and data dir (demo tenant, the dev sign-in), an owner's API token, the demo business's
// signed booking webhook, a signed-in page, and the axe and CSP checks. Its state is exported as
// live bindings: `base`, `owner` and `browser` are set once `startLocalApp` has run.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHmac, randomInt } from 'node:crypto';
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, launchChromium, waitFor } from './harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../../..');
const bin = process.env.CRM_LOCAL_BIN || join(repo, 'target/debug/crm-local');
export const shots = process.env.CRM_SCREENSHOTS || join(repo, 'web/screenshots');
const AXE = readFileSync(join(here, '../node_modules/axe-core/axe.min.js'), 'utf8');
const JWT_SECRET = 'e2e-local-secret-0123456789abcdef';
const WEBHOOK_SECRET = 'demo-webhook-secret';

let server;
let dataDir;
export let base;
export let browser;
export let owner;
export const cspViolations = [];
/** Each screen's serious and critical accessibility violations (there must be none). */
export const violations = {};

export async function apiJson(method, path, body, headers = {}) {
  const r = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${owner}`, 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, headers: r.headers, body: text ? JSON.parse(text) : null };
}

/** Posts `body` to the demo tenant's booking webhook, signed with its secret. */
export async function booking(body) {
  const text = JSON.stringify(body);
  const t = Math.floor(Date.now() / 1000);
  const sig = createHmac('sha256', WEBHOOK_SECRET).update(`${t}.${text}`).digest('hex');
  const r = await fetch(`${base}/hooks/demo/bookings`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-crm-signature': `t=${t},v1=${sig}` },
    body: text,
  });
  const answer = await r.json();
  assert.equal(r.status, 200, JSON.stringify(answer));
  return answer;
}

/** An Irish mobile nobody else in this run has. */
export const mobile = () => `087${String(randomInt(0, 10_000_000)).padStart(7, '0')}`;
export const e164 = (national) => `+353${national.slice(1)}`;

/** Starts crm-local (data in a fresh `crm-e2e-<name>-` directory) and the browser. */
export async function startLocalApp(name) {
  mkdirSync(shots, { recursive: true });
  dataDir = mkdtempSync(join(tmpdir(), `crm-e2e-${name}-`));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    PORT: String(port),
    CRM_DATA_DIR: dataDir,
    CRM_WEB_DIR: join(repo, 'web/admin/dist'),
    CRM_DEV_SIGNIN: 'true',
    CRM_JWT_SECRET: JWT_SECRET,
    RUST_LOG: 'warn',
  };
  for (const k of ['CRM_OIDC_ISSUER', 'CRM_OIDC_CLIENT_ID', 'CRM_SEED']) delete env[k];
  server = spawn(bin, ['serve'], { cwd: repo, env, stdio: ['ignore', 'inherit', 'inherit'] });
  await waitFor(`${base}/openapi.json`, 60);
  const t = await fetch(`${base}/_local/token`, { method: 'POST', body: JSON.stringify({ tenant: 'demo', role: 'owner' }) });
  owner = (await t.json()).token;
  browser = await launchChromium();
}

/** Stops the browser and crm-local and removes the data directory. */
export async function stopLocalApp() {
  await browser?.close();
  server?.kill('SIGTERM');
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}

/** A signed-in admin app page (the dev sign-in, as `role` of the demo business). */
export async function signedIn(role = 'owner') {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  page.on('console', (m) => {
    if (/Content.Security.Policy/i.test(m.text())) cspViolations.push(m.text());
  });
  await page.goto(`${base}/admin/`);
  const form = page.locator('form', { has: page.getByRole('heading', { name: 'Local sign-in' }) });
  await form.getByLabel('Role').selectOption(role);
  await form.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('heading', { name: 'Lead board' }).waitFor();
  await page.locator('nav .role', { hasText: `Signed in as ${role}` }).waitFor();
  return { context, page };
}

/** Records the serious and critical WCAG 2 A/AA violations axe finds on `page` as `name`. */
export async function checkAccessibility(page, name) {
  await page.evaluate(AXE);
  violations[name] = await page.evaluate(async () => {
    const result = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'] });
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
  });
}

/** The message shown for the input labelled `label` (its aria-describedby), when it is marked invalid. */
export async function fieldError(page, label) {
  const input = page.getByLabel(label, { exact: true });
  if ((await input.getAttribute('aria-invalid')) !== 'true') return null;
  return (await page.locator(`#${await input.getAttribute('aria-describedby')}`).innerText()).trim();
}

/** The text of the `dd` after the `dt` named `label` in `dl`. */
export async function fact(dl, label) {
  return (await dl.locator('div', { has: dl.page().locator('dt', { hasText: new RegExp(`^${label}$`) }) }).locator('dd').innerText()).trim();
}
