// Accounts end to end in a real browser (issue 15): crm-local as a business would run it on
// one machine (no demo data, no dev sign-in, no identity provider). The owner sets the
// business up, invites a staff member, who opens the link, chooses a password and sees only
// what staff may; the owner removes them and their next request is refused. Screenshots of
// setup and members go to web/screenshots/.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, launchChromium, waitFor } from './harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../../..');
const bin = process.env.CRM_LOCAL_BIN || join(repo, 'target/debug/crm-local');
const shots = process.env.CRM_SCREENSHOTS || join(repo, 'web/screenshots');
const OWNER = { email: 'niamh@harbourspa.ie', password: 'harbour lights at dusk' };
const STAFF = { email: 'ciara@harbourspa.ie', password: 'seals on the slipway' };

let server;
let dataDir;
let base;
let browser;

before(async () => {
  mkdirSync(shots, { recursive: true });
  dataDir = mkdtempSync(join(tmpdir(), 'crm-e2e-accounts-'));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const env = { ...process.env, PORT: String(port), CRM_DATA_DIR: dataDir, CRM_WEB_DIR: join(repo, 'web/admin/dist'), CRM_SEED: 'false', RUST_LOG: 'warn' };
  for (const k of ['CRM_DEV_SIGNIN', 'CRM_OIDC_ISSUER', 'CRM_OIDC_CLIENT_ID', 'CRM_JWT_SECRET']) delete env[k];
  server = spawn(bin, ['serve'], { cwd: repo, env, stdio: ['ignore', 'inherit', 'inherit'] });
  await waitFor(`${base}/openapi.json`, 60);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const nav = (page) => page.getByRole('navigation', { name: 'Main' });

test('setup, invite, staff sign-in with staff rights, removal refuses the next request', async () => {
  const config = await (await fetch(`${base}/admin/config.json`)).json();
  assert.equal(config.devSignIn, false, 'no dev sign-in on a production-like server');
  const ownerContext = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const owner = await ownerContext.newPage();
  owner.on('dialog', (d) => d.accept());

  // First run: the setup page, then the board.
  await owner.goto(`${base}/admin`);
  await owner.getByRole('heading', { name: 'Set up your business' }).waitFor();
  await owner.getByLabel('Business name').fill('Harbour Spa');
  await owner.getByLabel('Country (ISO code, for phone numbers)').fill('IE');
  await owner.getByLabel('Time zone').fill('Europe/Dublin');
  await owner.getByLabel('Currency (ISO code)').fill('EUR');
  await owner.getByLabel('Email', { exact: true }).fill(OWNER.email);
  await owner.getByLabel('Password (at least 12 characters)').fill(OWNER.password);
  await owner.screenshot({ path: join(shots, 'setup.png') });
  await owner.getByRole('button', { name: 'Create business' }).click();
  await owner.getByRole('heading', { name: 'Lead board' }).waitFor();
  await nav(owner).getByText('Harbour Spa').waitFor();
  await nav(owner).getByRole('link', { name: 'Settings' }).waitFor();

  // The owner invites a staff member and gets a link to hand over.
  await nav(owner).getByRole('link', { name: 'Members' }).click();
  await owner.getByRole('heading', { name: 'Members' }).waitFor();
  const invite = owner.getByRole('form', { name: 'Invite a member' });
  await invite.getByLabel('Email', { exact: true }).fill(STAFF.email);
  await invite.getByLabel('Role').selectOption('staff');
  await invite.getByRole('button', { name: 'Invite' }).click();
  const linkBox = owner.getByRole('textbox', { name: `Invite link for ${STAFF.email}`, exact: true });
  await linkBox.waitFor();
  await owner.getByText('Nothing can send email from this machine').waitFor();
  const link = await linkBox.inputValue();
  assert.ok(link.startsWith(`${base}/admin/invite#`), link);
  await owner.locator(`tr[data-member="${STAFF.email}"]`).getByText('invited').waitFor();
  await owner.screenshot({ path: join(shots, 'members.png') });

  // The staff member opens the link, is refused a password with their name in it, then joins.
  const staffContext = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const staff = await staffContext.newPage();
  await staff.goto(link);
  await staff.getByRole('heading', { name: 'Join Harbour Spa' }).waitFor();
  await staff.getByLabel('New password (at least 12 characters)').fill('ciara@harbourspa');
  await staff.getByRole('button', { name: 'Join and sign in' }).click();
  await staff.getByText('must not contain your email address').waitFor();
  await staff.getByLabel('New password (at least 12 characters)').fill(STAFF.password);
  await staff.getByRole('button', { name: 'Join and sign in' }).click();
  await staff.getByRole('heading', { name: 'Lead board' }).waitFor();
  assert.ok(!staff.url().includes('#'), 'the token leaves the address bar');

  // Staff see no Settings or Members, and the API refuses them too.
  await nav(staff).getByText('Signed in as staff').waitFor();
  assert.equal(await nav(staff).getByRole('link', { name: 'Settings' }).count(), 0);
  assert.equal(await nav(staff).getByRole('link', { name: 'Members' }).count(), 0);
  await staff.goto(`${base}/admin/settings`);
  await staff.getByText('Your role (staff) may not open Settings').waitFor();
  const token = await staff.evaluate(() => localStorage.getItem('crm.token'));
  const settings = await fetch(`${base}/settings`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(settings.status, 403);
  // The link works once.
  const again = await fetch(`${base}/auth/invites/${link.split('#')[1]}`);
  assert.equal(again.status, 410);

  // The owner removes them: the staff member's next request is refused and they are signed out.
  await owner.reload();
  await owner.getByRole('button', { name: `Remove ${STAFF.email}` }).click();
  await owner.locator(`tr[data-member="${STAFF.email}"]`).waitFor({ state: 'detached' });
  const refused = await fetch(`${base}/leads`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(refused.status, 401);
  await nav(staff).getByRole('link', { name: 'Leads' }).click();
  await staff.getByRole('heading', { name: 'Sign in' }).waitFor();

  // The owner signs out and back in with the password.
  await owner.getByRole('button', { name: 'Sign out', exact: true }).click();
  await owner.getByRole('heading', { name: 'Sign in' }).waitFor();
  await owner.getByLabel('Email', { exact: true }).fill(OWNER.email);
  await owner.getByLabel('Password', { exact: true }).fill(OWNER.password);
  await owner.getByRole('button', { name: 'Sign in' }).click();
  await owner.getByRole('heading', { name: 'Lead board' }).waitFor();
  // A reload keeps them in (the session cookie refreshes the token).
  await owner.evaluate(() => localStorage.removeItem('crm.token'));
  await owner.reload();
  await owner.getByRole('heading', { name: 'Lead board' }).waitFor();
  await staffContext.close();
  await ownerContext.close();
});
