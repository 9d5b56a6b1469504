// Loyalty, touches and the lead's link parameter end to end in a real browser: Debian's
// chromium driven by playwright-core against a fresh crm-local (its own port and data dir, demo
// tenant). A customer earns points through the signed booking webhook; staff redeem some on the
// profile and see the balance fall and the timeline say so, are refused more than available
// before anything is sent, spend once on a double click, and are told when someone else redeemed
// in between (nothing spent, the balance reloaded). A lead captured twice shows its first and
// last touch, as does the customer it becomes; the add and edit forms set the acquisition
// source; the owner sets the lead id parameter (a bad one refused at its field), the high-value
// spend and the visit milestones in Settings. axe finds no serious violation and the CSP none at
// all. Screenshots go to web/screenshots/.
//
//   CRM_LOCAL_BIN   the crm-local binary (default <repo>/target/debug/crm-local)
//   CHROMIUM        the browser (default /usr/bin/chromium)
//   CRM_SCREENSHOTS where screenshots go (default web/screenshots)

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  apiJson,
  base,
  booking,
  checkAccessibility,
  cspViolations,
  fact,
  fieldError,
  mobile,
  owner,
  shots,
  signedIn,
  startLocalApp,
  stopLocalApp,
  violations,
} from './local-app.mjs';

before(() => startLocalApp('loyalty'));
after(stopLocalApp);
/** The text of the `dd` after the `dt` named `label` in a `dl` of dt/dd pairs (the lead's facts). */
async function pairFact(dl, label) {
  return (await dl.locator('dt', { hasText: new RegExp(`^${label}$`) }).locator('xpath=following-sibling::dd[1]').innerText()).trim();
}

/** A customer with `phone` who paid `amounts` (minor units) for completed bookings: points earned. */
async function payingCustomer(name, phone, amounts) {
  const made = await apiJson('POST', '/customers', { name, phone, source: 'referral' });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  for (const [i, amount] of amounts.entries()) {
    const fact = { booking_id: `BK-LOYAL-${phone}-${i}`, start: new Date(Date.now() - (10 - i) * 86400_000).toISOString(), service: 'Facial', amount, customer: { name, phone } };
    const created = await booking({ type: 'BookingCreated', version: 1, ...fact });
    assert.equal(created.customer_id, made.body.id, 'the booking found the customer by phone');
    await booking({ type: 'BookingCompleted', version: 2, ...fact });
  }
  return (await apiJson('GET', `/customers/${made.body.id}`)).body.customer;
}

/** Captures a lead on the demo business's public form, as the landing page would. */
async function capture(body) {
  const r = await fetch(`${base}/public/demo/leads`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const answer = await r.json();
  assert.ok(r.status === 200 || r.status === 201, JSON.stringify(answer));
  return answer;
}

const WHEN = '\\d{1,2} [A-Z][a-z]{2} \\d{4}, \\d{2}:\\d{2}';

test('staff redeem points: the balance falls and the timeline says so; too many, a double click and a stale balance spend nothing more', async () => {
  const phone = mobile();
  let niamh = await payingCustomer('Niamh Loyal', phone, [30000, 30000]);
  assert.equal(niamh.points, 600, JSON.stringify(niamh));
  assert.equal(niamh.points_available, 600);
  assert.equal(niamh.tier, 'silver', 'tier_points 500 by default');
  const { context, page } = await signedIn('staff');
  await page.goto(`${base}/admin/customers/${niamh.id}`);
  await page.getByRole('heading', { name: 'Niamh Loyal', level: 1 }).waitFor();
  const journey = page.locator('section.journey');
  const journeyFacts = journey.locator('dl');
  await journey.locator('.points', { hasText: '600 earned, 0 redeemed, 600 available' }).waitFor();
  assert.equal(await fact(journeyFacts, 'Tier'), 'Silver');
  await journey.locator('li[data-milestone=tier_silver]', { hasText: /^Silver tier · / }).waitFor();

  // More than available: refused at the field before anything is sent.
  await journey.getByRole('button', { name: 'Redeem points' }).click();
  const form = journey.getByRole('form', { name: 'Redeem points' });
  await form.waitFor();
  assert.equal(await form.locator('.redeem-available').innerText(), '600 points available');
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('name')), 'points');
  await form.getByLabel('Points').fill('700');
  await form.getByLabel('Spent on').fill('Gift card');
  await form.getByRole('button', { name: 'Redeem', exact: true }).click();
  assert.equal(await fieldError(page, 'Points'), 'More than the 600 points available');
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('name')), 'points');
  await form.getByRole('alert').filter({ hasText: 'Please check the marked fields.' }).waitFor();
  await checkAccessibility(page, 'redeemTooMany');
  assert.equal((await apiJson('GET', `/customers/${niamh.id}`)).body.customer.points_redeemed, 0, 'nothing sent');

  // 100 on a facial: the balance falls at once, the timeline has the entry.
  await form.getByLabel('Points').fill('100');
  await form.getByLabel('Spent on').fill('Free facial');
  await form.getByRole('button', { name: 'Redeem', exact: true }).click();
  await page.getByRole('status').filter({ hasText: '100 points redeemed (Free facial); 500 left.' }).waitFor();
  await form.waitFor({ state: 'detached' });
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Redeem points', 'the focus goes back to the button');
  await journey.locator('.points', { hasText: '600 earned, 100 redeemed, 500 available' }).waitFor();
  await page.locator('.timeline li[data-type=points]', { hasText: '100 points redeemed: Free facial' }).waitFor();
  niamh = (await apiJson('GET', `/customers/${niamh.id}`)).body.customer;
  assert.deepEqual([niamh.points, niamh.points_redeemed, niamh.points_available], [600, 100, 500]);
  await page.screenshot({ path: join(shots, 'customer-redeemed.png'), fullPage: true });
  await checkAccessibility(page, 'redeemed');

  // A double click spends once (the button is busy, and If-Match holds the version shown).
  await journey.getByRole('button', { name: 'Redeem points' }).click();
  await form.getByLabel('Points').fill('10');
  await form.getByLabel('Spent on').fill('Pot of tea');
  await form.getByRole('button', { name: 'Redeem', exact: true }).dblclick();
  await page.getByRole('status').filter({ hasText: '10 points redeemed (Pot of tea); 490 left.' }).waitFor();
  await page.locator('.timeline li[data-type=points]', { hasText: 'Pot of tea' }).waitFor();
  niamh = (await apiJson('GET', `/customers/${niamh.id}`)).body.customer;
  assert.equal(niamh.points_redeemed, 110, 'spent once');
  const spent = (await apiJson('GET', `/customers/${niamh.id}/timeline?type=points`)).body.entries.map((e) => e.text);
  assert.deepEqual(spent, ['10 points redeemed: Pot of tea', '100 points redeemed: Free facial']);

  // Someone else redeems while the form is open: ours is refused (412), nothing spent, the
  // balance reloaded; then the guard knows the new balance.
  await journey.getByRole('button', { name: 'Redeem points' }).click();
  const theirs = await apiJson('POST', `/customers/${niamh.id}/points/redeem`, { points: 200, reason: 'Voucher at the desk' });
  assert.equal(theirs.status, 200, JSON.stringify(theirs.body));
  await form.getByLabel('Points').fill('300');
  await form.getByLabel('Spent on').fill('Massage');
  await form.getByRole('button', { name: 'Redeem', exact: true }).click();
  await form.getByRole('alert').filter({ hasText: 'so nothing was spent' }).waitFor();
  await form.locator('.redeem-available', { hasText: '290 points available' }).waitFor();
  assert.equal((await apiJson('GET', `/customers/${niamh.id}`)).body.customer.points_available, 290, 'only theirs was spent');
  await checkAccessibility(page, 'redeemStale');
  await form.getByRole('button', { name: 'Redeem', exact: true }).click();
  assert.equal(await fieldError(page, 'Points'), 'More than the 290 points available');
  await form.getByRole('button', { name: 'Cancel' }).click();
  await journey.locator('.points', { hasText: '600 earned, 310 redeemed, 290 available' }).waitFor();

  // The timeline's new filter: points only.
  await page.getByRole('group', { name: 'Show' }).getByLabel('points', { exact: true }).check();
  await page.waitForFunction(() => {
    const items = [...document.querySelectorAll('.timeline li')];
    return items.length === 3 && items.every((li) => li.getAttribute('data-type') === 'points');
  });
  await context.close();
});

test('a lead captured twice shows its first and last touch, and so does the customer it becomes', async () => {
  const phone = mobile();
  const first = await capture({ name: 'Aoife Twice', phone, source: 'meta_ad', utm_source: 'facebook', utm_medium: 'paid_social', utm_campaign: 'spring_glow', fbclid: 'FB-1' });
  const again = await capture({ name: 'Aoife Twice', phone, source: 'google_ad', utm_source: 'google', utm_medium: 'cpc', utm_campaign: 'brand', gclid: 'G-2' });
  assert.equal(again.lead_id, first.lead_id, 'the same lead');
  assert.equal(again.duplicate, true);
  const lead = (await apiJson('GET', `/leads/${first.lead_id}`)).body;
  assert.equal(lead.last_touch.gclid, 'G-2');
  const { context, page } = await signedIn('owner');
  await page.goto(`${base}/admin/leads/${first.lead_id}`);
  await page.getByRole('heading', { name: 'Aoife Twice', level: 1 }).waitFor();
  const facts = page.locator('dl.facts');
  assert.match(await pairFact(facts, 'First touch'), new RegExp(`^Meta ad · facebook / paid_social / spring_glow · ${WHEN}$`));
  assert.match(await pairFact(facts, 'Last touch'), new RegExp(`^Google ad · google / cpc / brand · ${WHEN}$`));
  await page.screenshot({ path: join(shots, 'lead-touches.png') });
  await checkAccessibility(page, 'leadTouches');

  // Made a customer: the journey shows the same two touches.
  await page.getByRole('button', { name: 'Make customer' }).click();
  await page.waitForURL(/\/admin\/customers\/[0-9A-Z]{26}$/);
  await page.getByRole('heading', { name: 'Aoife Twice', level: 1 }).waitFor();
  const journeyFacts = page.locator('section.journey dl');
  await journeyFacts.locator('.last-touch', { hasText: 'Google ad' }).waitFor();
  assert.match(await fact(journeyFacts, 'First touch'), new RegExp(`^Meta ad · facebook / paid_social / spring_glow · ${WHEN}$`));
  assert.match(await fact(journeyFacts, 'Last touch'), new RegExp(`^Google ad · google / cpc / brand · ${WHEN}$`));
  await checkAccessibility(page, 'customerTouches');
  await context.close();
});

test('the owner sets the acquisition source when adding a customer and edits it on the profile', async () => {
  const { context, page } = await signedIn('owner');
  await page.goto(`${base}/admin/customers/new`);
  await page.getByRole('heading', { name: 'Add a customer', level: 1 }).waitFor();
  await page.getByLabel('Name', { exact: true }).fill('Ciara Referred');
  await page.getByLabel('Phone', { exact: true }).fill(mobile());
  assert.equal(await page.getByLabel('How they first came').inputValue(), '', 'not given by default');
  await page.getByLabel('How they first came').selectOption('referral');
  await checkAccessibility(page, 'newCustomerSource');
  await page.getByRole('button', { name: 'Add customer' }).click();
  await page.waitForURL(/\/admin\/customers\/[0-9A-Z]{26}$/);
  const id = page.url().split('/').pop();
  assert.equal((await apiJson('GET', `/customers/${id}`)).body.customer.source, 'referral');
  const journeyFacts = page.locator('section.journey dl');
  await journeyFacts.locator('.first-touch', { hasText: /^Referral · / }).waitFor();
  const profile = page.locator('section[aria-labelledby=profile-title]');
  await profile.getByRole('button', { name: 'Edit profile' }).click();
  const source = profile.getByLabel('How they first came');
  assert.equal(await source.inputValue(), 'referral');
  await source.selectOption('instagram');
  await profile.getByRole('button', { name: 'Save profile' }).click();
  await page.getByRole('status').filter({ hasText: 'Profile saved.' }).waitFor();
  await journeyFacts.locator('.first-touch', { hasText: /^Instagram · / }).waitFor();
  assert.equal((await apiJson('GET', `/customers/${id}`)).body.customer.source, 'instagram');
  // Made without one through the API: manual.
  const bare = await apiJson('POST', '/customers', { name: 'No Source Given', phone: mobile() });
  assert.equal(bare.body.source, 'manual');
  await context.close();
});

test('the owner sets the lead id parameter (a bad one refused at its field), the high-value spend and the visit milestones', async () => {
  const { context, page } = await signedIn('owner');
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
  const param = page.getByLabel('Lead id parameter on that link');
  assert.equal(await param.inputValue(), 'lead_id');
  assert.match(await page.locator(`#${await param.getAttribute('aria-describedby')}`).innerText(), /opened with \?lead_id=<the lead's id> added/);
  assert.equal(await page.getByLabel('Lifetime spend that earns the high value milestone').inputValue(), '500');
  assert.equal(await page.getByLabel('Visits for the three visit milestones').inputValue(), '10, 25, 50');
  await param.fill('lead id!');
  await page.getByLabel('Visits for the three visit milestones').fill('5, 12');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.locator('#f-lead_id_param-msg', { hasText: /^Must be a query parameter name/ }).waitFor();
  assert.equal(await param.getAttribute('aria-invalid'), 'true');
  await page.locator('.field-error', { hasText: /expected an array of length 3|visit/ }).first().waitFor();
  await checkAccessibility(page, 'settingsRefused');
  assert.equal((await apiJson('GET', '/settings')).body.lead_id_param, 'lead_id', 'nothing saved');

  await param.fill('crm_lead');
  await page.getByLabel('Lifetime spend that earns the high value milestone').fill('750.50');
  await page.getByLabel('Visits for the three visit milestones').fill('5, 12, 30');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText('Saved.').waitFor();
  const stored = (await apiJson('GET', '/settings')).body;
  assert.equal(stored.lead_id_param, 'crm_lead');
  assert.equal(stored.thresholds.high_value_spend, 75050);
  assert.deepEqual(stored.thresholds.visit_milestones, [5, 12, 30]);
  await page.reload();
  await param.waitFor();
  assert.equal(await param.inputValue(), 'crm_lead');
  assert.equal(await page.getByLabel('Lifetime spend that earns the high value milestone').inputValue(), '750.5');
  assert.equal(await page.getByLabel('Visits for the three visit milestones').inputValue(), '5, 12, 30');
  // The capture's redirect names the lead in the new parameter; emptied, in none.
  const named = await capture({ name: 'Param Check', phone: mobile(), source: 'website' });
  assert.equal(new URL(named.redirect_url).searchParams.get('crm_lead'), named.lead_id);
  await param.fill('');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText('Saved.').waitFor();
  assert.equal((await apiJson('GET', '/settings')).body.lead_id_param, '');
  const bare = await capture({ name: 'Param None', phone: mobile(), source: 'website' });
  assert.ok(!bare.redirect_url.includes(bare.lead_id), bare.redirect_url);
  await checkAccessibility(page, 'settingsSaved');
  await context.close();
});

test('every screen passed axe (no serious or critical violation)', () => {
  const failing = Object.entries(violations).filter(([, v]) => v.length > 0);
  assert.deepEqual(failing, [], JSON.stringify(Object.fromEntries(failing), null, 2));
  assert.ok(Object.keys(violations).length >= 8, `screens checked: ${Object.keys(violations).join(', ')}`);
});

test('the loyalty screens ran under the Content-Security-Policy without a violation', () => {
  assert.deepEqual(cspViolations, []);
});
