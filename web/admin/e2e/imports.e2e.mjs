// Importing a client list end to end in a real browser (issue 19): Debian's chromium driven by
// playwright-core against a fresh crm-local (its own port and data dir, demo tenant seeded,
// its queue pollers running the imports worker as in the cloud). The owner opens the wizard
// from Customers, uploads 5,000 generated clients, checks the suggested mapping, previews,
// starts, reloads mid-run and sees the progress go on, downloads the refused rows and finds
// an imported client. A refused file, a large file sent gzip-compressed, and staff (who may
// not import) are checked too. Screenshots go to web/screenshots/.
//
//   CRM_LOCAL_BIN   the crm-local binary (default <repo>/target/debug/crm-local)
//   CHROMIUM        the browser (default /usr/bin/chromium)
//   CRM_SCREENSHOTS where screenshots go (default web/screenshots)

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, launchChromium, waitFor } from './harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../../..');
const bin = process.env.CRM_LOCAL_BIN || join(repo, 'target/debug/crm-local');
const shots = process.env.CRM_SCREENSHOTS || join(repo, 'web/screenshots');
const AXE = readFileSync(join(here, '../node_modules/axe-core/axe.min.js'), 'utf8');
const JWT_SECRET = 'e2e-local-secret-0123456789abcdef';
/** The seeded demo customer's phone (local/src/seed.rs): a row with it updates them. */
const DEMO_CUSTOMER_PHONE = '087 200 3001';
/** How long the 5,000 rows may take (a debug build on a busy machine: 250 rows a checkpoint). */
const IMPORT_SECONDS = 900;

let server;
let dataDir;
let base;
let browser;
let owner;
const cspViolations = [];

async function apiJson(method, path, body) {
  const r = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${owner}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}

before(async () => {
  mkdirSync(shots, { recursive: true });
  dataDir = mkdtempSync(join(tmpdir(), 'crm-e2e-imports-'));
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
});

after(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** A signed-in admin app page (the dev sign-in, as `role` of the demo business). */
async function signedIn(role = 'owner') {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, acceptDownloads: true });
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

const FIRST = ['Aoife', 'Ciara', 'Niamh', 'Saoirse', 'Róisín', 'Siobhán', 'Seán', 'Conor', 'Cian', 'Darragh', 'Eoin', 'Pádraig'];
const LAST = ['Murphy', 'Kelly', 'Byrne', 'Ryan', "O'Brien", 'Walsh', 'Doyle', 'McCarthy', 'Gallagher', 'Doherty'];
/** An Irish mobile, unique per index: 087 130 0000, 087 130 0001, … */
const mobile = (i) => {
  const d = String(300000 + i);
  return `087 1${d.slice(0, 2)} ${d.slice(2)}`;
};
const BAD_PHONES = ['12345', 'n/a', '087 12', '+353 87'];
const csvCell = (s) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/**
 * `count` clients as a CSV (header: Full Name, Mobile, Email, Favourite colour) and what
 * importing it does: every 97th row (from the 14th) has a phone that is no phone (refused);
 * the 18th row repeats the 4th's phone and the 2,502nd the 2,501st's email (in-file
 * duplicates: skipped); the 6th has the seeded demo customer's phone (updated); the 10th is
 * Orla Importwell, to look for afterwards.
 */
function clientList(count) {
  const lines = ['Full Name,Mobile,Email,Favourite colour'];
  const expected = { total: count, created: 0, updated: 0, skipped: 0, refused: 0, refusedRows: [] };
  for (let i = 0; i < count; i++) {
    let name = `${FIRST[i % FIRST.length]} ${LAST[Math.floor(i / FIRST.length) % LAST.length]}`;
    let phone = mobile(i);
    let email = i % 10 === 0 ? `client${i}@example.ie` : '';
    let outcome = 'created';
    if (i === 9) name = 'Orla Importwell';
    if (i % 97 === 13) {
      phone = BAD_PHONES[Math.floor(i / 97) % BAD_PHONES.length];
      outcome = 'refused';
      expected.refusedRows.push(i + 2);
    } else if (i === 17) {
      phone = mobile(3);
      outcome = 'skipped';
    } else if (i === 2501) {
      email = 'client2500@example.ie';
      outcome = 'skipped';
    } else if (i === 5) {
      phone = DEMO_CUSTOMER_PHONE;
      outcome = 'updated';
    }
    expected[outcome] += 1;
    lines.push([name, phone, email, ['teal', 'amber', ''][i % 3]].map(csvCell).join(','));
  }
  return { csv: `${lines.join('\r\n')}\r\n`, expected };
}

test('staff see no way to import, and the import screen says why', async () => {
  const { context, page } = await signedIn('staff');
  await page.getByRole('link', { name: 'Customers' }).click();
  await page.getByRole('heading', { name: 'Customers' }).waitFor();
  await page.locator('.state[role=status]').first().waitFor({ state: 'detached' }).catch(() => {});
  assert.equal(await page.getByRole('link', { name: 'Import clients' }).count(), 0);
  await page.goto(`${base}/admin/imports`);
  await page.getByRole('alert').filter({ hasText: 'Your role (staff) may not open Import clients' }).waitFor();
  await context.close();
});

test('a dropped file the API refuses is explained; a large CSV goes gzip-compressed', async () => {
  const { context, page } = await signedIn('owner');
  await page.goto(`${base}/admin/imports`);
  await page.getByRole('heading', { name: 'Import clients', level: 1 }).waitFor();
  // Dropped on the drop zone: a header and no rows.
  const dropped = await page.evaluateHandle(() => {
    const dt = new DataTransfer();
    dt.items.add(new File(['Name,Phone\r\n'], 'empty.csv', { type: 'text/csv' }));
    return dt;
  });
  await page.locator('.dropzone').dispatchEvent('drop', { dataTransfer: dropped });
  await page.getByText('Chosen: empty.csv').waitFor();
  await page.getByRole('button', { name: 'Upload' }).click();
  await page.getByRole('alert').filter({ hasText: 'This file cannot be imported: the file has a header row but no rows.' }).waitFor();
  // A file no importer reads is refused before it is sent.
  await page.getByLabel('Client list file').setInputFiles({ name: 'clients.xls', mimeType: 'application/vnd.ms-excel', buffer: Buffer.from('x') });
  await page.getByRole('alert').filter({ hasText: 'A .xls file cannot be read here' }).waitFor();
  assert.deepEqual(await accessibilityViolations(page), [], 'the upload step with its error passes axe');

  // Over 1 MB: compressed in the browser, sent with Content-Encoding: gzip, read whole.
  const { csv } = clientList(30_000);
  const bytes = Buffer.byteLength(csv);
  assert.ok(bytes > 1024 * 1024, `${bytes} bytes`);
  await page.getByLabel('Client list file').setInputFiles({ name: 'big-list.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  const sent = page.waitForRequest((r) => r.method() === 'POST' && r.url().includes('/imports?'));
  const answered = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().includes('/imports?'));
  await page.getByRole('button', { name: 'Upload' }).click();
  const request = await sent;
  assert.equal(request.headers()['content-encoding'], 'gzip');
  assert.equal(request.headers()['content-type'], 'text/csv');
  assert.ok(new URL(request.url()).searchParams.get('file_name') === 'big-list.csv');
  const response = await answered;
  assert.equal(response.status(), 201, await response.text());
  const created = await response.json();
  assert.equal(created.counts.total, 30_000);
  assert.equal(created.bytes, bytes, 'the server read the whole file, decompressed');
  await page.waitForURL(`**/admin/imports/${created.id}`);
  await page.getByText('big-list.csv').waitFor();
  await page.getByText('30,000 rows', { exact: false }).first().waitFor();
  await context.close();
});

test('5,000 clients: suggested mapping, preview, start, reload mid-run, done with counts, refused rows, the customer', async () => {
  const { csv, expected } = clientList(5000);
  const seeded = await apiJson('GET', `/customers?q=${DEMO_CUSTOMER_PHONE.replace(/\D/g, '').slice(1)}`);
  assert.equal(seeded.body.customers.length, 1, `the seeded customer with ${DEMO_CUSTOMER_PHONE}: ${JSON.stringify(seeded.body)}`);

  const { context, page } = await signedIn('owner');
  page.on('dialog', (d) => d.dismiss());
  await page.getByRole('link', { name: 'Customers' }).click();
  await page.getByRole('heading', { name: 'Customers' }).waitFor();
  await page.getByRole('link', { name: 'Import clients' }).click();
  await page.waitForURL('**/admin/imports');
  await page.getByRole('heading', { name: 'Choose your client list' }).waitFor();
  await page.getByLabel('Client list file').setInputFiles({ name: 'salon-clients.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.getByText('Chosen: salon-clients.csv').waitFor();
  await page.getByRole('button', { name: 'Upload' }).click();
  await page.waitForURL(/\/admin\/imports\/[0-9A-Z]{26}$/);
  const id = page.url().split('/').pop();

  // Step 2: the suggested mapping, a column nobody maps left out.
  await page.getByRole('heading', { name: 'Match your columns' }).waitFor();
  await page.getByText('5,000 rows', { exact: false }).first().waitFor();
  const field = (column) => page.getByLabel(`Field for column ${column}`, { exact: true });
  assert.equal(await field('Full Name').inputValue(), 'name');
  assert.equal(await field('Mobile').inputValue(), 'phone');
  assert.equal(await field('Email').inputValue(), 'email');
  assert.equal(await field('Favourite colour').inputValue(), '');
  assert.equal(await page.getByRole('listitem').filter({ hasText: 'Match columns' }).getAttribute('aria-current'), 'step');
  // Without a phone or an email column the API says what is missing, above the table.
  await field('Mobile').selectOption('');
  await field('Email').selectOption('');
  await page.getByRole('button', { name: 'Save and preview' }).click();
  await page.getByRole('alert').filter({ hasText: 'Phone: no column is mapped to the phone or the email' }).waitFor();
  // The same field twice is said at both columns before anything is sent.
  await field('Mobile').selectOption('phone');
  await field('Email').selectOption('phone');
  await page.getByRole('button', { name: 'Save and preview' }).click();
  await page.getByRole('alert').filter({ hasText: 'Phone is chosen for more than one column' }).waitFor();
  assert.equal(await field('Email').getAttribute('aria-invalid'), 'true');
  await field('Email').selectOption('email');
  await page.getByLabel('Tags for every imported client (optional)').fill('Imported E2E, spring list');
  assert.equal(await page.getByLabel(/^Update them/).isChecked(), true, 'existing clients are updated by default');
  await page.screenshot({ path: join(shots, 'import-mapping.png'), fullPage: true });
  const atMapping = await accessibilityViolations(page);

  // Step 3: the preview of the first 20 rows.
  await page.getByRole('button', { name: 'Save and preview' }).click();
  await page.getByRole('heading', { name: 'Preview' }).waitFor();
  const saved = (await apiJson('GET', `/imports/${id}`)).body;
  assert.deepEqual(saved.mapping, ['name', 'phone', 'email', null]);
  assert.deepEqual(saved.tags, ['imported e2e', 'spring list']);
  const row = (n) => page.locator(`table.preview tr[data-row="${n}"]`);
  assert.equal(await page.locator('table.preview tbody tr').count(), 20);
  assert.equal(await row(2).getAttribute('data-outcome'), 'create');
  assert.match(await row(2).innerText(), /Aoife Murphy\s+\+353871300000\s+client0@example\.ie\s+new customer/);
  assert.match(await row(7).innerText(), /\+353872003001\s+—\s+updates a customer/);
  assert.match(await row(11).innerText(), /Orla Importwell/);
  assert.equal(await row(15).getAttribute('data-outcome'), 'refuse');
  assert.match(await row(15).innerText(), /refused\s+Phone: is not a valid number/);
  assert.equal(await row(19).getAttribute('data-outcome'), 'skip');
  assert.match(await row(19).innerText(), /skipped/);
  await page.getByText('What the first 20 rows would do: 17 new, 1 updated, 1 skipped, 1 refused.', { exact: false }).waitFor();
  await page.screenshot({ path: join(shots, 'import-preview.png'), fullPage: true });
  const atPreview = await accessibilityViolations(page);

  // Step 4: start; the progress bar moves; a reload finds the import where it is.
  await page.getByRole('button', { name: 'Start import (5,000 rows)' }).click();
  const bar = page.getByRole('progressbar', { name: 'Import progress' });
  await bar.waitFor();
  await page.getByRole('button', { name: 'Cancel import' }).waitFor();
  const percent = async () => Number(await bar.getAttribute('aria-valuenow'));
  await eventually(async () => (await percent()) > 0, 180, 'the first checkpoint');
  const before = await percent();
  assert.ok(before < 100, `the import is still running at ${before}%`);
  await page.screenshot({ path: join(shots, 'import-progress.png'), fullPage: true });
  const atProgress = await accessibilityViolations(page);
  await page.reload();
  await bar.waitFor();
  await page.getByRole('heading', { name: 'Importing' }).waitFor();
  assert.ok((await percent()) >= before, 'after the reload the bar is where it was, or further');
  assert.ok(page.url().endsWith(`/admin/imports/${id}`));
  await eventually(async () => (await percent()) > before, 180, 'the progress to go on after the reload');

  // Done: the summary and its counts, as generated.
  await page.getByRole('heading', { name: 'Import done' }).waitFor({ timeout: IMPORT_SECONDS * 1000 });
  assert.equal(await percent(), 100);
  assert.equal(await page.getByRole('button', { name: 'Cancel import' }).count(), 0);
  const shown = async (k) => Number((await page.locator(`[data-count="${k}"] .kpi-value`).innerText()).replace(/,/g, ''));
  assert.deepEqual(
    { done: await shown('done'), created: await shown('created'), updated: await shown('updated'), skipped: await shown('skipped'), refused: await shown('refused') },
    { done: 5000, created: expected.created, updated: expected.updated, skipped: expected.skipped, refused: expected.refused },
  );
  assert.deepEqual(expected, { ...expected, created: 4945, updated: 1, skipped: 2, refused: 52 }, 'the list as designed');
  const done = (await apiJson('GET', `/imports/${id}`)).body;
  assert.deepEqual(done.counts, { total: 5000, done: 5000, created: 4945, updated: 1, skipped: 2, refused: 52 });
  await page.getByText(`All 5,000 rows were read: 4,945 new customers, 1 updated, 2 skipped, 52 refused.`).waitFor();
  await page.screenshot({ path: join(shots, 'import-done.png'), fullPage: true });
  const atDone = await accessibilityViolations(page);

  // The refused rows, downloaded with the token.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download refused rows (52)' }).click()]);
  assert.equal(download.suggestedFilename(), 'salon-clients-refused-rows.csv');
  const lines = readFileSync(await download.path(), 'utf8').trimEnd().split(/\r?\n/);
  assert.equal(lines[0], 'row,reasons,Full Name,Mobile,Email,Favourite colour');
  assert.equal(lines.length, 1 + 52);
  assert.match(lines[1], /^15,phone: is not a valid number,/);
  assert.deepEqual(
    lines.slice(1).map((l) => Number(l.split(',')[0])),
    expected.refusedRows,
  );

  // An imported client, found from Customers, tagged.
  await page.getByRole('link', { name: 'See imported customers' }).click();
  await page.getByRole('heading', { name: 'Customers' }).waitFor();
  await page.getByLabel('Search').fill('Importwell');
  await page.getByRole('link', { name: 'Orla Importwell' }).click();
  await page.getByRole('heading', { name: 'Orla Importwell' }).waitFor();
  await page.getByText('+353871300009', { exact: false }).waitFor();
  await page.getByRole('list', { name: 'Tags' }).getByText('imported e2e').waitFor();
  const updated = (await apiJson('GET', `/customers/${seeded.body.customers[0].id}`)).body;
  assert.ok(updated.customer.tags.includes('spring list'), `the existing customer got the tags: ${JSON.stringify(updated.customer.tags)}`);

  // Coming back later to /imports offers the last import; it opens at its summary.
  await page.goto(`${base}/admin/imports`);
  await page.getByText('Your last import: salon-clients.csv (done, 5,000 rows).').waitFor();
  await page.getByRole('link', { name: 'Open it' }).click();
  await page.getByRole('heading', { name: 'Import done' }).waitFor();

  const failing = Object.entries({ mapping: atMapping, preview: atPreview, progress: atProgress, done: atDone }).filter(([, v]) => v.length > 0);
  assert.deepEqual(failing, [], JSON.stringify(Object.fromEntries(failing), null, 2));
  await context.close();
});

test('the import screens ran under the Content-Security-Policy without a violation', () => {
  assert.deepEqual(cspViolations, []);
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
