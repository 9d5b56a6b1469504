// End-to-end in a real browser: Debian's chromium driven by playwright-core against a fresh
// crm-local (its own port and data dir, demo tenant seeded). The landing page on a phone with
// JavaScript on and off, the lead board, a booking from the signed webhook, the customer's
// profile, missed calls from the signed call webhook, tasks, settings, texts and review
// requests. Screenshots go to web/screenshots/.
//
//   CRM_LOCAL_BIN   the crm-local binary (default <repo>/target/debug/crm-local)
//   CHROMIUM        the browser (default /usr/bin/chromium)
//   CRM_SCREENSHOTS where screenshots go (default web/screenshots)

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, launchChromium, waitFor } from './harness.mjs';
import { startOidcStub } from './oidc-stub.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../../..');
const bin = process.env.CRM_LOCAL_BIN || join(repo, 'target/debug/crm-local');
// scripts/test writes them under target/ to keep the tree clean; `npm run e2e` refreshes the
// committed ones the README shows.
const shots = process.env.CRM_SCREENSHOTS || join(repo, 'web/screenshots');
const WEBHOOK_SECRET = 'demo-webhook-secret';
const PIXEL_ID = '123456789012345';
const ACCESS_TOKEN = 'EAAB-e2e-never-in-the-page';
/** The landing page's budget over the wire (issue 6). */
const MAX_LANDING_BYTES = 30 * 1024;
/** axe-core, run in the page to find accessibility violations (WCAG 2 A and AA rules). */
const AXE = readFileSync(join(here, '../node_modules/axe-core/axe.min.js'), 'utf8');
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

let server;
let dataDir;
let base;
let browser;
let owner;
let idp;
/** The browser's reports of anything the admin app's CSP blocked (there must be none). */
const cspViolations = [];
/** The same for the landing page (its own, stricter policy). */
const landingCspViolations = [];
const JWT_SECRET = 'e2e-local-secret-0123456789abcdef';
const OIDC_CLIENT = 'crm-admin-e2e';
/** Who signs in at the identity provider: an owner of the demo business (invited in `before`). */
const OLIVE = 'olive@demo-day-spa.example';

async function apiJson(method, path, body, headers = {}) {
  const r = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${owner}`, 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}

/** Posts `body` (JSON text) to a webhook, signed with the demo tenant's secret. */
function signedHook(path, body) {
  const t = Math.floor(Date.now() / 1000);
  const sig = createHmac('sha256', WEBHOOK_SECRET).update(`${t}.${body}`).digest('hex');
  return fetch(base + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-crm-signature': `t=${t},v1=${sig}` },
    body,
  });
}

before(async () => {
  mkdirSync(shots, { recursive: true });
  dataDir = mkdtempSync(join(tmpdir(), 'crm-e2e-'));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  idp = await startOidcStub({
    port: await freePort(),
    clientId: OIDC_CLIENT,
    user: { sub: 'idp|olive', email: OLIVE, name: 'Olive Owner' },
  });
  server = spawn(bin, ['serve'], {
    cwd: repo,
    env: {
      ...process.env,
      PORT: String(port),
      CRM_DATA_DIR: dataDir,
      CRM_WEB_DIR: join(repo, 'web/admin/dist'),
      CRM_DEV_SIGNIN: 'true',
      CRM_JWT_SECRET: JWT_SECRET,
      CRM_OIDC_ISSUER: idp.issuer,
      CRM_OIDC_CLIENT_ID: OIDC_CLIENT,
      CRM_OIDC_NAME: 'Test IdP',
      RUST_LOG: 'warn',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  await waitFor(`${base}/openapi.json`, 60);
  const t = await fetch(`${base}/_local/token`, { method: 'POST', body: JSON.stringify({ tenant: 'demo', role: 'owner' }) });
  owner = (await t.json()).token;
  const invited = await apiJson('POST', '/members', { email: OLIVE, role: 'owner' });
  assert.equal(invited.status, 201, JSON.stringify(invited.body));
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
  await idp?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** A phone-sized page whose way out (the booking site, Meta's pixel) is answered locally. */
async function phonePage({ javaScriptEnabled }) {
  const context = await browser.newContext({ ...PHONE, javaScriptEnabled });
  const pixelCalls = [];
  await context.exposeBinding('__pixel', (_source, args) => pixelCalls.push(args));
  await context.route('https://booking.example.com/**', (route) =>
    route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>Booking</title><h1>Booking page</h1>' }),
  );
  // Stands in for fbevents.js: hands every queued and later fbq call to the test.
  await context.route('https://connect.facebook.net/**', (route) =>
    route.fulfill({
      status: 200,
      contentType: 'text/javascript',
      body: 'fbq.callMethod=function(){window.__pixel(Array.prototype.slice.call(arguments))};fbq.queue.forEach(function(a){fbq.callMethod.apply(null,a)});fbq.queue=[];',
    }),
  );
  const page = await context.newPage();
  page.on('console', (m) => {
    if (/Content.Security.Policy/i.test(m.text())) landingCspViolations.push(m.text());
  });
  return { context, page, pixelCalls };
}

let jsLead;
let noJsLead;
let gbLead;

test('the landing page stays under 30 KB and never carries the Meta access token', async () => {
  const patch = await apiJson('PATCH', '/settings', { meta: { pixel_id: PIXEL_ID, access_token: ACCESS_TOKEN } });
  assert.equal(patch.status, 200, JSON.stringify(patch.body));
  const r = await fetch(`${base}/p/demo/book?utm_source=facebook&utm_medium=paid&utm_campaign=spring&utm_content=ad-7&fbclid=IwAR-e2e-click`, {
    headers: { 'accept-encoding': 'identity' },
  });
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/html/);
  assert.match(r.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/, 'no site may frame the page');
  assert.doesNotMatch(r.headers.get('content-security-policy') ?? '', /unsafe-inline/);
  const bytes = Buffer.from(await r.arrayBuffer());
  console.log(`landing page: ${bytes.length} bytes served (limit ${MAX_LANDING_BYTES})`);
  assert.ok(bytes.length <= MAX_LANDING_BYTES, `landing page is ${bytes.length} bytes, over ${MAX_LANDING_BYTES}`);
  const html = bytes.toString('utf8');
  assert.ok(!html.includes(ACCESS_TOKEN), 'the access token must never reach the page');
  assert.ok(html.includes(`data-pixel="${PIXEL_ID}"`));
  const missing = await fetch(`${base}/p/no-such-spa/book`);
  assert.equal(missing.status, 404);
  assert.match(await missing.text(), /does not exist/);
});

test('with JavaScript on a phone: inline validation, then the lead, the Pixel Lead with its id, the booking page', async () => {
  const { context, page, pixelCalls } = await phonePage({ javaScriptEnabled: true });
  await page.goto(`${base}/p/demo/book?utm_source=facebook&utm_campaign=spring&fbclid=IwAR-e2e-click`);
  await page.getByRole('button', { name: 'Request a callback' }).click();
  await assert.doesNotReject(page.locator('#name-err', { hasText: 'Please enter your name' }).waitFor());
  assert.equal(await page.locator('#phone').getAttribute('aria-invalid'), 'true');
  await page.screenshot({ path: join(shots, 'landing-validation.png'), fullPage: true });
  await page.getByLabel('Your name').fill('Jess Script');
  await page.getByLabel('Mobile number').fill('087 555 0101');
  await page.getByLabel('What would you like?').selectOption('Facial');
  await page.getByLabel(/Text me offers/).check();
  await page.screenshot({ path: join(shots, 'landing-mobile.png'), fullPage: true });
  const answer = page.waitForResponse((r) => r.url().endsWith('/public/demo/leads'));
  await page.getByRole('button', { name: 'Request a callback' }).click();
  const captured = await (await answer).json();
  await page.waitForURL('https://booking.example.com/**');
  jsLead = captured.lead_id;
  assert.ok(jsLead, JSON.stringify(captured));
  const lead = pixelCalls.find((c) => c[0] === 'track' && c[1] === 'Lead');
  assert.ok(lead, `no Pixel Lead among ${JSON.stringify(pixelCalls)}`);
  assert.deepEqual(lead[3], { eventID: jsLead }, 'the Pixel event id is the lead id');
  assert.ok(pixelCalls.some((c) => c[0] === 'init' && c[1] === PIXEL_ID));
  const stored = await apiJson('GET', `/leads/${jsLead}`);
  assert.equal(stored.body.phone, '+353875550101');
  assert.equal(stored.body.service, 'Facial');
  assert.equal(stored.body.source, 'meta_ad');
  assert.equal(stored.body.touch.utm_campaign, 'spring');
  assert.equal(stored.body.touch.fbclid, 'IwAR-e2e-click');
  assert.equal(stored.body.consent.sms_marketing, true);
  await context.close();
});

test('with JavaScript, a number from another country gets its dialling code', async () => {
  const { context, page } = await phonePage({ javaScriptEnabled: true });
  await page.goto(`${base}/p/demo/book`);
  await page.getByLabel('Your name').fill('Gwen Abroad');
  await page.getByLabel('Country code').selectOption('GB');
  await page.getByLabel('Mobile number').fill('07911 123456');
  const answer = page.waitForResponse((r) => r.url().endsWith('/public/demo/leads'));
  await page.getByRole('button', { name: 'Request a callback' }).click();
  const { lead_id } = await (await answer).json();
  await page.waitForURL('https://booking.example.com/**');
  assert.equal((await apiJson('GET', `/leads/${lead_id}`)).body.phone, '+447911123456');
  gbLead = lead_id;
  await context.close();
});

test('with JavaScript off on a phone: the form posts and the 303 lands on the booking page', async () => {
  const { context, page } = await phonePage({ javaScriptEnabled: false });
  await page.goto(`${base}/p/demo/book?utm_source=google&utm_medium=cpc&gclid=Cj0-e2e`);
  await page.getByLabel('Your name').fill('Nora Noscript');
  await page.getByLabel('Mobile number').fill('087 555 0202');
  await page.screenshot({ path: join(shots, 'landing-no-js.png'), fullPage: true });
  // The form posts form-encoded; the answer is a 303 to the booking page, which the browser
  // follows (a redirect's target is not routed, so it is seen as a request, not loaded).
  const posted = page.waitForResponse((r) => r.url().endsWith('/public/demo/leads'));
  const followed = page.waitForRequest((r) => r.url().startsWith('https://booking.example.com/'));
  await page.getByRole('button', { name: 'Request a callback' }).click();
  const answer = await posted;
  assert.equal(answer.status(), 303);
  assert.equal(answer.request().headers()['content-type'], 'application/x-www-form-urlencoded');
  await followed;
  const found = await apiJson('GET', '/leads?q=Noscript');
  assert.equal(found.body.items.length, 1, JSON.stringify(found.body));
  noJsLead = found.body.items[0].id;
  // The booking page, naming the lead (settings.lead_id_param, by default lead_id) so the
  // booking system can send it back.
  assert.equal(answer.headers()['location'], `https://booking.example.com/demo-day-spa?lead_id=${noJsLead}`);
  const stored = await apiJson('GET', `/leads/${noJsLead}`);
  assert.equal(stored.body.source, 'google_ad');
  assert.equal(stored.body.touch.gclid, 'Cj0-e2e');
  await context.close();
});

let admin;

test('the board: find the new lead, drag it to contacted, mark another lost with a reason', async () => {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  admin = await context.newPage();
  admin.on('console', (m) => {
    if (/Content.Security.Policy/i.test(m.text())) cspViolations.push(m.text());
  });
  const doc = await admin.goto(`${base}/admin/`);
  assert.match(doc.headers()['content-security-policy'] ?? '', /script-src 'self'/, 'the app is served under its CSP');
  // The dev sign-in's own button: once the sign-in status arrives, the email and password
  // form (this server has members) offers a "Sign in" button too.
  await admin
    .locator('form', { has: admin.getByRole('heading', { name: 'Local sign-in' }) })
    .getByRole('button', { name: 'Sign in', exact: true })
    .click();
  await admin.getByRole('heading', { name: 'Lead board' }).waitFor();
  await admin.locator('nav .brand', { hasText: 'Demo Day Spa' }).waitFor();
  const column = (s) => admin.locator(`.column[data-status="${s}"]`);
  const card = (id) => admin.locator(`.card[data-lead="${id}"]`);
  await column('new').locator(`[data-lead="${jsLead}"]`).waitFor();
  assert.match(await column('new').locator('.col-head').innerText(), /New\s+6\s+€/);
  assert.ok((await admin.locator('.badge.stale').count()) > 0, 'the seeded stale lead shows its badge');
  await admin.screenshot({ path: join(shots, 'board.png') });

  await card(jsLead).dragTo(column('contacted'));
  await column('contacted').locator(`[data-lead="${jsLead}"]`).waitFor();
  await admin.getByText('Jess Script moved to Contacted.').waitFor();
  assert.equal((await apiJson('GET', `/leads/${jsLead}`)).body.status, 'contacted');

  await card(noJsLead).dragTo(column('lost'));
  const dialog = admin.getByRole('dialog');
  await dialog.waitFor();
  await dialog.getByRole('button', { name: 'Mark lost' }).click();
  await dialog.getByText('A lost lead needs a reason.').waitFor();
  await dialog.getByLabel('Reason').fill('Booked elsewhere');
  await admin.screenshot({ path: join(shots, 'board-lost-reason.png') });
  await dialog.getByRole('button', { name: 'Mark lost' }).click();
  await column('lost').locator(`[data-lead="${noJsLead}"]`).waitFor();
  const lost = (await apiJson('GET', `/leads/${noJsLead}`)).body;
  assert.equal(lost.status, 'lost');
  assert.equal(lost.lost_reason, 'Booked elsewhere');

  // The list filters: only lost leads, Nora among them.
  await admin.goto(`${base}/admin/leads?status=lost`);
  await admin.getByRole('link', { name: 'Nora Noscript' }).waitFor();
  assert.equal(await admin.getByRole('link', { name: 'Jess Script' }).count(), 0);
});

test('sign-in with the identity provider: PKCE code flow back to the page asked for, one use, sign-out', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(`${base}/admin/leads?status=lost`);
  // The sign-in screen once the app knows what it offers (provider, password, dev sign-in).
  await page.getByRole('button', { name: 'Sign in with Test IdP' }).waitFor();
  await page.getByRole('heading', { name: 'Sign in with your email' }).waitFor();
  await page.screenshot({ path: join(shots, 'sign-in.png') });
  await page.getByRole('button', { name: 'Sign in with Test IdP' }).click();
  await page.getByRole('heading', { name: 'Test IdP' }).waitFor();
  const asked = idp.seen.authorize.at(-1);
  assert.equal(asked.redirect_uri, `${base}/admin/callback`);
  assert.equal(asked.code_challenge_method, 'S256');
  assert.ok(asked.scope.split(' ').includes('openid'), asked.scope);
  await page.getByRole('link', { name: 'Continue as Olive Owner' }).click();
  // Back in the app, on the page sign-in started from, with the provider's token.
  await page.waitForURL(`${base}/admin/leads?status=lost`);
  await page.getByRole('link', { name: 'Nora Noscript' }).waitFor();
  const traded = idp.seen.token.at(-1);
  assert.equal(traded.grant_type, 'authorization_code');
  assert.equal(traded.client_id, OIDC_CLIENT);
  assert.ok(/^[A-Za-z0-9_-]{43}$/.test(traded.code_verifier), 'a 32-byte verifier');
  // The provider's ID token was verified by crm-local and traded for its own, for Olive's
  // membership of the demo business.
  const stored = await page.evaluate(() => localStorage.getItem('crm.token'));
  const claims = JSON.parse(Buffer.from(stored.split('.')[1], 'base64url'));
  assert.equal(claims.tenant_id, 'demo');
  assert.equal(claims.role, 'owner');
  assert.ok(claims.sub.endsWith('|idp|olive'), claims.sub);
  assert.ok(claims.mid, 'the token names the membership');

  // The same answer a second time (a reload, a copied link) is refused and explained.
  const callback = new URL(`${base}/admin/callback`);
  callback.searchParams.set('code', 'spent');
  callback.searchParams.set('state', asked.state);
  await page.goto(callback.toString());
  await page.getByText('This sign-in link was not started here or was already used. Please sign in again.').waitFor();

  // Cancelling at the provider says so.
  await page.getByRole('button', { name: 'Sign in with Test IdP' }).click();
  await page.getByRole('link', { name: 'Cancel' }).click();
  await page.getByText('The sign-in was not completed: You cancelled the sign-in.').waitFor();

  // Signed in again, signing out ends the provider's session too, with the ID token as hint.
  await page.getByRole('button', { name: 'Sign in with Test IdP' }).click();
  await page.getByRole('link', { name: 'Continue as Olive Owner' }).click();
  await page.getByRole('heading', { name: 'Lead board' }).waitFor();
  const idToken = await page.evaluate(() => localStorage.getItem('crm.oidc.id_token'));
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await page.getByRole('button', { name: 'Sign in with Test IdP' }).waitFor();
  const out = idp.seen.logout.at(-1);
  assert.equal(out.id_token_hint, idToken);
  assert.equal(out.post_logout_redirect_uri, `${base}/admin/`);
  assert.equal(await page.evaluate(() => localStorage.getItem('crm.token')), null);
  await context.close();
});

test('a stale edit of a lead is refused, explained and reloaded', async () => {
  await admin.goto(`${base}/admin/leads/${jsLead}`);
  await admin.getByRole('heading', { name: 'Jess Script' }).waitFor();
  await admin.getByRole('button', { name: 'Edit' }).click();
  // Someone else moves the lead meanwhile.
  const moved = await apiJson('POST', `/leads/${jsLead}/status`, { status: 'follow_up' });
  assert.equal(moved.status, 200, JSON.stringify(moved.body));
  await admin.getByLabel('Assignee').fill('sam');
  await admin.getByRole('button', { name: 'Save' }).click();
  await admin.getByRole('alert').filter({ hasText: 'changed this in the meantime' }).waitFor();
  await admin.locator('.badge.s-follow_up').waitFor();
  await admin.screenshot({ path: join(shots, 'lead-stale-edit.png') });
});

test('a lead is made a customer from its page, and then links to the profile', async () => {
  await admin.goto(`${base}/admin/leads/${gbLead}`);
  await admin.getByRole('heading', { name: 'Gwen Abroad' }).waitFor();
  await admin.getByRole('button', { name: 'Make customer' }).click();
  await admin.waitForURL(/\/admin\/customers\/[0-9A-Z]{26}$/);
  await admin.getByRole('heading', { name: 'Gwen Abroad' }).waitFor();
  const lead = (await apiJson('GET', `/leads/${gbLead}`)).body;
  assert.ok(admin.url().endsWith(`/customers/${lead.customer_id}`), 'the profile of the customer the lead now links to');
  await admin.goto(`${base}/admin/leads/${gbLead}`);
  await admin.getByRole('link', { name: 'Open profile' }).waitFor();
  assert.equal(await admin.getByRole('button', { name: 'Make customer' }).count(), 0, 'made once');
});

test('a signed booking makes a customer: tag, note, timeline filter, CSV export', async () => {
  const body = JSON.stringify({
    type: 'BookingCreated',
    booking_id: 'BK-E2E-1',
    version: 1,
    start: new Date(Date.now() + 3 * 86400_000).toISOString(),
    service: 'Facial',
    customer: { name: 'Jess Script', phone: '087 555 0101' },
  });
  const hook = await signedHook('/hooks/demo/bookings', body);
  const applied = await hook.json();
  assert.equal(hook.status, 200, JSON.stringify(applied));
  assert.equal(applied.lead_status, 'booked');
  const customerId = applied.customer_id;

  await admin.goto(`${base}/admin/customers`);
  await admin.getByRole('heading', { name: 'Customers' }).waitFor();
  await admin.getByLabel('Search').pressSequentially('Jess', { delay: 40 });
  await admin.getByRole('link', { name: 'Jess Script' }).waitFor();
  // The search settles into the URL (so Back finds it).
  await admin.waitForURL(/\/admin\/customers\?(.*&)?q=Jess$/);
  await admin.screenshot({ path: join(shots, 'customers.png') });
  await admin.getByRole('link', { name: 'Jess Script' }).click();
  await admin.waitForURL(`**/admin/customers/${customerId}`);
  await admin.getByRole('heading', { name: 'Jess Script' }).waitFor();
  // Back from the profile finds the search as it was (it lives in the URL).
  await admin.goBack();
  await admin.waitForURL(/\/admin\/customers\?(.*&)?q=Jess$/);
  assert.equal(await admin.getByLabel('Search').inputValue(), 'Jess');
  await admin.getByRole('link', { name: 'Jess Script' }).click();
  await admin.getByRole('heading', { name: 'Jess Script' }).waitFor();

  await admin.getByLabel('New tag').fill('prefers-mornings');
  await admin.getByRole('button', { name: 'Add tag' }).click();
  await admin.getByRole('list', { name: 'Tags' }).getByText('prefers-mornings').waitFor();
  await admin.getByLabel('New note').fill('Asked for a morning slot');
  await admin.getByRole('button', { name: 'Add note' }).click();
  await admin.locator('.timeline li[data-type="note"]').first().waitFor();

  await admin.getByRole('checkbox', { name: 'tag', exact: true }).check();
  await admin.locator('.timeline li').first().waitFor();
  await admin.waitForFunction(() => [...document.querySelectorAll('.timeline li')].every((li) => li.dataset.type === 'tag'));
  assert.ok((await admin.locator('.timeline li[data-type="tag"]').count()) >= 1);
  await admin.getByRole('checkbox', { name: 'tag', exact: true }).uncheck();
  await admin.locator('.timeline li[data-type="booking"]').first().waitFor();
  await admin.screenshot({ path: join(shots, 'customer-profile.png'), fullPage: true });

  const [download] = await Promise.all([admin.waitForEvent('download'), admin.getByRole('button', { name: 'Export CSV' }).click()]);
  const csv = readFileSync(await download.path(), 'utf8');
  assert.match(csv, /prefers-mornings/);
  assert.match(csv, /Asked for a morning slot/);
  assert.match(download.suggestedFilename(), /jess-script-timeline\.csv/);

  // The customers list exports what its filters select, as one file.
  await admin.goto(`${base}/admin/customers?tag=prefers-mornings`);
  await admin.getByRole('link', { name: 'Jess Script' }).waitFor();
  const [listDownload] = await Promise.all([admin.waitForEvent('download'), admin.getByRole('button', { name: 'Export CSV' }).click()]);
  assert.equal(listDownload.suggestedFilename(), 'customers.csv');
  const lines = readFileSync(await listDownload.path(), 'utf8').trimEnd().split('\n');
  assert.match(lines[0], /^id,name,phone,email,/);
  assert.equal(lines.length, 2, lines.join('\n'));
  assert.match(lines[1], new RegExp(`^${customerId},Jess Script,\\+353875550101,`));
  assert.match(lines[1], /prefers-mornings/);
});

test('analytics, messages and settings read their API', async () => {
  await admin.getByRole('link', { name: 'Analytics' }).click();
  await admin.getByRole('heading', { name: 'Analytics' }).waitFor();
  const leads = await admin.locator('.kpi', { hasText: /^\d+Leads$/ }).innerText();
  assert.match(leads, /^15\s*Leads$/, 'twelve seeded leads and three from the landing page');
  // Conversion by source shows what the API counts: Meta ads' wins out of their leads.
  const a = (await apiJson('GET', '/leads/analytics')).body;
  const metaLeads = a.by_source.meta_ad;
  const metaWon = a.won_by_source.meta_ad ?? 0;
  const row = admin.getByRole('table', { name: 'Conversion by source' }).getByRole('row', { name: /meta ad/i });
  assert.match(await row.innerText(), new RegExp(`\\(${metaWon}/${metaLeads}\\)`));
  // The monthly trend: twelve months, this month's column carrying this month's leads.
  const chart = admin.getByRole('img', { name: /Leads and wins per month/ });
  await chart.waitFor();
  assert.equal(await chart.locator('g[data-month]').count(), 12);
  const thisMonth = a.trend.at(-1);
  assert.match(await chart.locator(`g[data-month="${thisMonth.month}"] title`).textContent(), new RegExp(`${thisMonth.leads} leads, ${thisMonth.won} won`));
  await admin.screenshot({ path: join(shots, 'analytics.png') });
  await admin.getByRole('link', { name: 'Messages' }).click();
  await admin.getByRole('heading', { name: 'Messages' }).waitFor();
  await admin.locator('.state, table').first().waitFor();
  await admin.getByRole('link', { name: 'Settings' }).click();
  await admin.getByLabel('Business name').waitFor();
  assert.equal(await admin.getByLabel('Business name').inputValue(), 'Demo Day Spa');
  await admin.getByText(`Meta Pixel: ${PIXEL_ID} (access token set)`).waitFor();
  assert.equal(await admin.getByText(ACCESS_TOKEN).count(), 0, 'the token is never shown');
  await admin.getByLabel('Time zone').fill('Mars/Olympus_Mons');
  await admin.getByRole('button', { name: 'Save' }).click();
  await admin.getByRole('alert').filter({ hasText: /Please check: time zone/ }).waitFor();
  await admin.getByLabel('Time zone').fill('Europe/Dublin');
  await admin.getByLabel(/Hours until an open lead is stale/).fill('36');
  await admin.getByRole('button', { name: 'Save' }).click();
  await admin.getByText('Saved.').waitFor();
  assert.equal((await apiJson('GET', '/settings')).body.stale_after_hours, 36);
  assert.equal(await admin.getByLabel('Conversions API access token').inputValue(), '', 'the token is never prefilled');
});

let seanCustomer;

test('missed calls: a signed missed call is texted back and marked handled; a stale action is explained', async () => {
  const call = await signedHook('/hooks/demo/calls', JSON.stringify({ call_id: 'CA-E2E-1', from: '087 555 0199', status: 'missed', name: 'Sean Kelly' }));
  const recorded = await call.json();
  assert.equal(call.status, 201, JSON.stringify(recorded));
  seanCustomer = recorded.customer_id;
  const other = await signedHook('/hooks/demo/calls', JSON.stringify({ call_id: 'CA-E2E-2', from: '087 555 0198', status: 'voicemail', name: 'Aoife Byrne' }));
  const aoife = (await other.json()).missed_call;

  await admin.getByRole('link', { name: 'Missed calls' }).click();
  await admin.getByRole('heading', { name: 'Missed calls' }).waitFor();
  const table = admin.getByRole('table', { name: 'Missed calls' });
  await table.getByRole('link', { name: 'Sean Kelly' }).waitFor();
  assert.equal(await table.getByRole('link', { name: 'Sean Kelly' }).getAttribute('href'), `/admin/customers/${seanCustomer}`);
  await admin.getByRole('button', { name: 'Send text to Sean Kelly' }).click();
  await admin.getByLabel('Text to Sean Kelly').fill('Sorry we missed you, Sean! Call us back or book online.');
  await admin.screenshot({ path: join(shots, 'missed-calls.png') });
  await admin.getByRole('button', { name: 'Send', exact: true }).click();
  await admin.getByText('Text to Sean Kelly queued.').waitFor();
  await admin.locator('tr', { hasText: 'Sean Kelly' }).getByText('text sent').waitFor();
  const open = (await apiJson('GET', '/missed-calls')).body.missed_calls;
  assert.ok(open.find((m) => m.name === 'Sean Kelly').sms_message_id, JSON.stringify(open));

  // Someone else handles Aoife's call while this screen still offers to text her.
  await admin.getByRole('button', { name: 'Send text to Aoife Byrne' }).click();
  assert.equal((await apiJson('POST', `/missed-calls/${aoife.id}/handled`)).status, 200);
  await admin.getByRole('button', { name: 'Send', exact: true }).click();
  await admin.getByRole('alert').filter({ hasText: 'This missed call was already handled by' }).waitFor();
  await admin.getByRole('link', { name: 'Aoife Byrne' }).waitFor({ state: 'detached' });

  await admin.getByRole('button', { name: 'Mark Sean Kelly handled' }).click();
  await admin.getByText('Sean Kelly marked handled.').waitFor();
  await admin.getByText('No missed calls waiting.', { exact: false }).waitFor();
  assert.equal((await apiJson('GET', '/missed-calls')).body.missed_calls.length, 0);
  await admin.getByRole('button', { name: 'Handled' }).click();
  await table.getByRole('link', { name: 'Sean Kelly' }).waitFor();
  await table.getByRole('link', { name: 'Aoife Byrne' }).waitFor();
});

test("tasks: a captured lead's contact task shows on Tasks and its lead, and is completed", async () => {
  const captured = await fetch(`${base}/public/demo/leads`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Tina Task', phone: '087 555 0303', service: 'Massage' }),
  });
  const { lead_id } = await captured.json();
  assert.equal(captured.status, 201, lead_id);
  await admin.getByRole('link', { name: 'Tasks' }).click();
  await admin.getByRole('heading', { name: 'Tasks' }).waitFor();
  const tina = admin.locator(`tr[data-task="${lead_id}.contact"]`);
  await tina.getByRole('link', { name: 'Tina Task' }).waitFor();
  assert.match(await tina.innerText(), /Contact lead/);
  await admin.screenshot({ path: join(shots, 'tasks.png') });

  await tina.getByRole('link', { name: 'Tina Task' }).click();
  await admin.getByRole('heading', { name: 'Tina Task' }).waitFor();
  await admin.getByRole('table', { name: 'Tasks of this lead' }).getByText('Contact lead').waitFor();
  await admin.goBack();
  await admin.getByRole('heading', { name: 'Tasks' }).waitFor();
  await admin.getByRole('button', { name: 'Complete: Contact lead (Tina Task)' }).click();
  await admin.getByText('Done: Contact lead (Tina Task).').waitFor();
  await admin.locator(`tr[data-task="${lead_id}.contact"]`).waitFor({ state: 'detached' });
  const lead = (await apiJson('GET', `/leads/${lead_id}`)).body;
  assert.equal(lead.tasks[0].status, 'done', JSON.stringify(lead.tasks));
  await admin.getByLabel('Status').selectOption('done');
  await admin.getByRole('button', { name: 'Complete: Contact lead (Tina Task)' }).waitFor({ state: 'detached' });
  await admin.locator(`tr[data-task="${lead_id}.contact"]`).getByText('done').first().waitFor();
});

test('settings: quiet hours and a template are kept; a bad template is refused next to its field', async () => {
  await admin.getByRole('link', { name: 'Settings' }).click();
  await admin.getByLabel('Quiet hours from').fill('21:30');
  await admin.getByLabel('Quiet hours to').fill('08:00');
  const review = admin.getByLabel(/^Review request/);
  await review.fill('Thanks for coming in, {first_name}! A quick review? {review_url}');
  await admin.getByRole('button', { name: 'Save' }).click();
  await admin.getByText('Saved.').waitFor();
  await admin.reload();
  await admin.getByLabel('Quiet hours from').waitFor();
  assert.equal(await admin.getByLabel('Quiet hours from').inputValue(), '21:30');
  assert.equal(await admin.getByLabel('Quiet hours to').inputValue(), '08:00');
  assert.equal(await admin.getByLabel(/^Review request/).inputValue(), 'Thanks for coming in, {first_name}! A quick review? {review_url}');
  const stored = (await apiJson('GET', '/settings')).body;
  assert.deepEqual(stored.quiet_hours, { start: '21:30', end: '08:00' });
  assert.equal(stored.templates.review_request.custom, true);

  // The landing page's content: a rating over 5 is named at its field, then the page shows the
  // new headline and reply time.
  await admin.getByLabel(/^Review rating/).fill('7');
  await admin.getByRole('button', { name: 'Save' }).click();
  await admin.locator('#f-landing-rating-msg', { hasText: 'Must be a number from 0 to 5' }).waitFor();
  await admin.getByLabel(/^Review rating/).fill('4.9');
  await admin.getByLabel(/^Headline/).fill('Spring at Demo Day Spa');
  await admin.getByLabel(/We reply within/).fill('10');
  await admin.getByRole('button', { name: 'Save' }).click();
  await admin.getByText('Saved.').waitFor();
  assert.equal(await admin.getByLabel(/^Review rating/).inputValue(), '4.9', 'the saved rating as typed');
  const landing = await (await fetch(`${base}/p/demo/book`)).text();
  assert.ok(landing.includes('<h1>Spring at Demo Day Spa</h1>'), 'the new headline is on the page');
  assert.ok(landing.includes('Rated 4.9 out of 5'));
  assert.ok(landing.includes('We reply within 10 minutes'));

  // Someone else saves while this form is open: saving over them is refused, said, and the
  // form shows what they saved.
  await admin.getByLabel('Hours until an open lead is stale').fill('30');
  assert.equal((await apiJson('PATCH', '/settings', { stale_after_hours: 40 })).status, 200);
  await admin.getByRole('button', { name: 'Save' }).click();
  await admin.getByRole('alert').filter({ hasText: 'Someone else changed this in the meantime' }).waitFor();
  await eventually(async () => (await admin.getByLabel('Hours until an open lead is stale').inputValue()) === '40', 10, 'the reloaded settings');
  assert.equal((await apiJson('GET', '/settings')).body.stale_after_hours, 40, 'theirs was kept');

  const followUp = admin.getByLabel(/^Follow-up/);
  await followUp.fill('Hi {firstname}');
  await admin.getByRole('button', { name: 'Save' }).click();
  await admin.locator('#f-templates-follow_up-msg', { hasText: 'Unknown variable {firstname}' }).waitFor();
  assert.equal(await followUp.getAttribute('aria-invalid'), 'true');
  await admin.getByRole('alert').filter({ hasText: 'Please check: templates › follow up' }).waitFor();
  assert.equal((await apiJson('GET', '/settings')).body.templates.follow_up.custom, false, 'the bad template was not saved');
  // The currency: money on every screen follows it.
  await admin.getByRole('button', { name: 'Undo changes' }).click();
  await admin.getByLabel(/^Currency/).fill('GBP');
  await admin.getByRole('button', { name: 'Save' }).click();
  await admin.getByText('Saved.').waitFor();
  await admin.getByRole('link', { name: 'Board' }).click();
  assert.match(await admin.locator('.column[data-status="new"] .col-head').innerText(), /£/);
  assert.equal((await apiJson('PATCH', '/settings', { currency: 'EUR' })).status, 200);
  await admin.getByRole('link', { name: 'Settings' }).click();
  await admin.getByLabel(/^Follow-up/).fill('Hi {firstname}');
  await admin.getByRole('button', { name: 'Save' }).click();
  await admin.locator('#f-templates-follow_up-msg', { hasText: 'Unknown variable {firstname}' }).waitFor();
  // The whole form in one picture, with the Save bar at its foot (it sticks to the viewport's).
  const height = await admin.evaluate(() => document.documentElement.scrollHeight);
  await admin.setViewportSize({ width: 1440, height });
  await admin.screenshot({ path: join(shots, 'settings.png') });
  await admin.setViewportSize({ width: 1440, height: 900 });
  await admin.getByRole('button', { name: 'Undo changes' }).click();
});

test('privacy: the owner erases a person who is only a lead, from Settings', async () => {
  const created = await apiJson('POST', '/leads', { name: 'Eimear Erasable', phone: '+353865550123', email: 'eimear@erase.example' });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  await admin.getByRole('link', { name: 'Settings' }).click();
  await admin.getByLabel('Their phone').fill('086 555 0123');
  const erase = admin.getByRole('button', { name: 'Erase this person' });
  assert.equal(await erase.isDisabled(), true, 'not before the owner confirms');
  await admin.getByLabel('I understand this cannot be undone').check();
  await erase.click();
  await admin.getByText(/Erased 0 customers, 1 lead and 0 texts/).waitFor();
  const found = await apiJson('GET', '/leads?q=865550123');
  assert.deepEqual(found.body.items, [], JSON.stringify(found.body));
  assert.equal((await apiJson('GET', `/leads/${created.body.id}`)).status, 404);
});

/** Polls `check` (an async predicate) until it holds, for up to `seconds`. */
async function eventually(check, seconds, what) {
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

test('a customer profile: send a text and see it under Messages; a review once; an opted-out number refused', async () => {
  // No quiet hours (equal ends), so texts go out now whatever the time of the run.
  assert.equal((await apiJson('PATCH', '/settings', { quiet_hours: { start: '00:00', end: '00:00' } })).status, 200);
  await admin.goto(`${base}/admin/customers/${seanCustomer}`);
  await admin.getByRole('heading', { name: 'Sean Kelly' }).waitFor();
  const texts = admin.getByRole('list', { name: 'Texts' });
  await texts.getByText('Sorry we missed you, Sean!', { exact: false }).waitFor();
  await admin.getByLabel('Send a text').fill('Your table is ready on Friday at 10:00.');
  await admin.getByRole('button', { name: 'Send text' }).click();
  await admin.getByText('Text queued.').waitFor();
  await texts.getByText('Your table is ready on Friday at 10:00.').waitFor();
  assert.equal(await admin.getByLabel('Send a text').inputValue(), '');
  await admin.getByRole('button', { name: 'Request review' }).click();
  await admin.getByText('Review request queued.').waitFor();
  await texts.getByText(/Thanks for coming in, Sean!/).waitFor();
  const reviewSent = async () =>
    (await apiJson('GET', '/messages?status=sent&limit=100')).body.items.some((m) => m.kind === 'review_request' && m.customer_id === seanCustomer);
  await eventually(reviewSent, 20, 'the review request to be sent');
  await admin.reload();
  await texts.getByText(/Thanks for coming in, Sean!/).waitFor();
  await admin.screenshot({ path: join(shots, 'customer-texts.png'), fullPage: true });
  await admin.getByRole('button', { name: 'Request review' }).click();
  const today = new Date().toLocaleDateString('en-IE', { day: 'numeric', month: 'short', year: 'numeric' });
  await admin.getByRole('alert').filter({ hasText: `A review was already requested on ${today}` }).waitFor();

  // Sean replies STOP: a text to him is refused, and the screen says why.
  const stop = await signedHook('/hooks/demo/sms-inbound', JSON.stringify({ From: '087 555 0199', Body: 'STOP' }));
  assert.equal(stop.status, 200, await stop.text());
  await admin.getByLabel('Send a text').fill('One more thing…');
  await admin.getByRole('button', { name: 'Send text' }).click();
  await admin.getByRole('alert').filter({ hasText: 'This customer opted out of texts' }).waitFor();
  assert.equal(await admin.getByLabel('Send a text').inputValue(), 'One more thing…', 'the text is kept to send another way');
});

/** The serious and critical WCAG 2 A/AA violations axe finds on `page` as it is now. */
async function accessibilityViolations(page) {
  await page.evaluate(AXE);
  return page.evaluate(async () => {
    const result = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'] });
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
  });
}

test('the landing page and every admin screen pass axe (WCAG 2.1 A and AA, serious and critical)', async () => {
  const found = {};
  const { context, page } = await phonePage({ javaScriptEnabled: true });
  await page.goto(`${base}/p/demo/book`);
  found.landing = await accessibilityViolations(page);
  await page.getByRole('button', { name: 'Request a callback' }).click();
  await page.locator('#name-err', { hasText: 'Please enter your name' }).waitFor();
  found['landing with errors'] = await accessibilityViolations(page);
  await context.close();
  const screens = {
    board: ['/board', 'Lead board'],
    leads: ['/leads', 'Leads'],
    lead: [`/leads/${jsLead}`, 'Jess Script'],
    customers: ['/customers', 'Customers'],
    profile: [`/customers/${seanCustomer}`, null],
    'missed calls': ['/missed-calls', 'Missed calls'],
    messages: ['/messages', 'Messages'],
    tasks: ['/tasks', 'Tasks'],
    analytics: ['/analytics', 'Analytics'],
    settings: ['/settings', 'Settings'],
  };
  for (const [name, [path, heading]] of Object.entries(screens)) {
    await admin.goto(`${base}/admin${path}`);
    await (heading ? admin.getByRole('heading', { name: heading, exact: true }) : admin.locator('h1')).first().waitFor();
    await admin.locator('.state[role=status]').first().waitFor({ state: 'detached', timeout: 10_000 }).catch(() => {});
    found[name] = await accessibilityViolations(admin);
  }
  const failing = Object.entries(found).filter(([, v]) => v.length > 0);
  assert.deepEqual(failing, [], JSON.stringify(Object.fromEntries(failing), null, 2));
});

test('the landing page ran under its Content-Security-Policy without a violation (with the Pixel, with and without JavaScript)', () => {
  assert.deepEqual(landingCspViolations, []);
});

test('the admin app ran under its Content-Security-Policy without a violation', () => {
  assert.deepEqual(cspViolations, []);
});
