// The customer screens of issue 20 (item 6) end to end in a real browser: Debian's chromium
// driven by playwright-core against a fresh crm-local (its own port and data dir, demo tenant).
// An owner takes a lead by hand (a second with the same phone shows the first), the lead's
// booking makes them a customer whose profile shows the first-touch source, stage, tier and
// milestones with their dates; adds a customer (422s beside their fields, a taken phone linking
// to its customer), edits every profile field (someone else's save in between is refused, not
// overwritten, and reloaded), edits and deletes a note, searches the timeline and deletes the
// customer with their name typed. Staff see none of the owner's and admin's buttons but edit
// and delete notes. axe finds no serious violation and the CSP none at all. Screenshots go to
// web/screenshots/.
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
  e164,
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

before(() => startLocalApp('profile'));
after(stopLocalApp);
/** The note in `list` with `text`, found by its id (an open editor holds its text in a textarea). */
async function noteItem(list, text) {
  const id = await list.locator('li[data-note]', { hasText: text }).getAttribute('data-note');
  return list.locator(`li[data-note="${id}"]`);
}

/** A customer's notes as the API's timeline has them. */
async function apiNotes(id) {
  const t = await apiJson('GET', `/customers/${id}/timeline?type=note`);
  assert.equal(t.status, 200);
  return t.body.entries.map((e) => e.text);
}

test('staff see no add, edit or delete of customers nor a new lead, and may not open the form', async () => {
  const made = await apiJson('POST', '/customers', { name: 'Staff View', phone: mobile() });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  const { context, page } = await signedIn('staff');
  await page.getByRole('link', { name: 'Customers', exact: true }).click();
  await page.getByRole('heading', { name: 'Customers', level: 1 }).waitFor();
  await page.getByRole('link', { name: 'Staff View' }).waitFor();
  assert.equal(await page.getByRole('link', { name: 'Add customer' }).count(), 0);
  await page.getByRole('link', { name: 'Staff View' }).click();
  await page.getByRole('heading', { name: 'Staff View', level: 1 }).waitFor();
  await page.getByRole('heading', { name: 'Journey' }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Edit profile' }).count(), 0);
  assert.equal(await page.getByRole('heading', { name: 'Delete customer' }).count(), 0);
  await page.getByRole('link', { name: 'Leads', exact: true }).click();
  await page.getByRole('heading', { name: 'Leads', level: 1 }).waitFor();
  assert.equal(await page.getByRole('link', { name: 'New lead' }).count(), 0, 'POST /leads asks for an admin');
  await page.goto(`${base}/admin/customers/new`);
  await page.getByRole('alert').filter({ hasText: 'Your role (staff) may not open Add a customer' }).waitFor();
  await page.goto(`${base}/admin/leads/new`);
  await page.getByRole('alert').filter({ hasText: 'Your role (staff) may not open New lead' }).waitFor();
  await context.close();
});

test('an owner: a new lead (and its twin refused), a customer added, every field edited, a stale edit refused, notes, timeline search, the journey, a delete', async () => {
  const { context, page } = await signedIn('owner');

  // ---- 4. A new lead, from Leads.
  const leadPhone = mobile();
  await page.getByRole('link', { name: 'Leads', exact: true }).click();
  await page.getByRole('heading', { name: 'Leads', level: 1 }).waitFor();
  await page.getByRole('link', { name: 'New lead' }).click();
  await page.waitForURL('**/admin/leads/new');
  await page.getByRole('heading', { name: 'New lead', level: 1 }).waitFor();
  assert.equal(await page.locator('nav a[aria-current=page]').innerText(), 'Leads');
  assert.match(await page.title(), /^New lead · /);
  await page.getByLabel('Name').fill('Orla Walsh');
  await page.getByLabel('Phone').fill(leadPhone);
  await page.getByLabel('Email').fill('orla.walsh@example.ie');
  await page.getByLabel('Source').selectOption('walk_in');
  await page.getByLabel('Service').fill('Facial');
  await page.getByLabel('Expected value (€)').fill('45.50');
  await page.getByLabel('Note').fill('Walked in, wants a Friday slot');
  await page.getByRole('button', { name: 'Add lead' }).click();
  await page.waitForURL(/\/admin\/leads\/[0-9A-Z]{26}$/);
  await page.getByRole('heading', { name: 'Orla Walsh', level: 1 }).waitFor();
  const leadId = page.url().split('/').pop();
  const lead = (await apiJson('GET', `/leads/${leadId}`)).body;
  assert.deepEqual(
    { phone: lead.phone, email: lead.email, source: lead.source, service: lead.service, expected_value: lead.expected_value, message: lead.message, status: lead.status },
    { phone: e164(leadPhone), email: 'orla.walsh@example.ie', source: 'walk_in', service: 'Facial', expected_value: 4550, message: 'Walked in, wants a Friday slot', status: 'new' },
  );
  // The same phone again within 24 hours: the first lead is shown, with a link, not a second.
  await page.goto(`${base}/admin/leads/new`);
  await page.getByLabel('Name').fill('Orla W.');
  await page.getByLabel('Phone').fill(leadPhone);
  await page.getByRole('button', { name: 'Add lead' }).click();
  const twin = page.locator('.existing-lead');
  await twin.getByRole('link', { name: 'Open Orla Walsh' }).waitFor();
  assert.match(await twin.innerText(), /A lead with this phone came in during the last 24 hours, so no second one was made:/);
  assert.match(await twin.innerText(), /new · /i);
  assert.equal(await fieldError(page, 'Phone'), 'Already came in during the last 24 hours');
  await page.screenshot({ path: join(shots, 'lead-new-duplicate.png') });
  await checkAccessibility(page, 'newLeadTwin');
  await twin.getByRole('link', { name: 'Open Orla Walsh' }).click();
  await page.waitForURL(`**/admin/leads/${leadId}`);
  await page.getByRole('heading', { name: 'Orla Walsh', level: 1 }).waitFor();
  const leads = (await apiJson('GET', `/leads?q=${encodeURIComponent(leadPhone)}`)).body.items;
  assert.deepEqual(leads.map((l) => [l.name, l.phone]), [['Orla Walsh', e164(leadPhone)]], 'one lead with her phone, not two');

  // Her booking, done: she becomes a customer from the lead, with her first milestones.
  const start = new Date(Date.now() - 2 * 86400_000).toISOString();
  const fact1 = { booking_id: `BK-PROFILE-${leadPhone}`, start, service: 'Facial', amount: 12000, customer: { name: 'Orla Walsh', phone: leadPhone } };
  const created = await booking({ type: 'BookingCreated', version: 1, ...fact1 });
  await booking({ type: 'BookingCompleted', version: 2, ...fact1 });
  const orlaId = created.customer_id;

  // ---- 7. Her profile: first touch, stage, tier, milestones with their dates.
  await page.goto(`${base}/admin/customers/${orlaId}`);
  await page.getByRole('heading', { name: 'Orla Walsh', level: 1 }).waitFor();
  const orla = (await apiJson('GET', `/customers/${orlaId}`)).body.customer;
  const journey = page.locator('section.journey');
  await journey.getByRole('heading', { name: 'Journey' }).waitFor();
  const journeyFacts = journey.locator('dl');
  assert.equal(orla.source, 'walk_in');
  // First touch: her lead's source and when it came in (no campaign: typed in by hand); no other touch.
  assert.match(await fact(journeyFacts, 'First touch'), /^Walk in · \d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}$/);
  assert.equal(await fact(journeyFacts, 'Last touch'), 'Same as the first');
  assert.match(await fact(journeyFacts, 'Stage'), new RegExp(`^${orla.stage} · since \\d{1,2} [A-Z][a-z]{2} \\d{4}$`, 'i'));
  assert.equal((await fact(journeyFacts, 'Tier')).toLowerCase(), orla.tier);
  assert.ok(orla.milestones.includes('first_booking') && orla.milestones.includes('first_completed'), JSON.stringify(orla.milestones));
  const milestones = journey.getByRole('list', { name: 'Milestones' });
  await milestones.locator('li[data-milestone=first_completed]', { hasText: /·/ }).waitFor();
  const shown = await milestones.locator('li').allInnerTexts();
  assert.equal(shown.length, orla.milestones.length);
  for (const m of shown) assert.match(m, /^[A-Z][\w ]+ · \d{1,2} [A-Z][a-z]{2} \d{4}$/);
  assert.ok(shown.some((m) => m.startsWith('First booking · ')) && shown.some((m) => m.startsWith('First completed visit · ')));
  // Tier history and point balances show when the API sends them, and nothing when not.
  if (Array.isArray(orla.tier_history) && orla.tier_history.length > 0) {
    assert.equal(await journey.getByRole('list', { name: 'Tier history' }).locator('li').count(), orla.tier_history.length);
  } else {
    assert.equal(await journey.getByRole('heading', { name: 'Tier history' }).count(), 0);
  }
  const points = await fact(journeyFacts, 'Points');
  assert.ok(points.startsWith(`${orla.points} earned`), points);
  assert.equal(points.includes('redeemed'), typeof orla.points_redeemed === 'number');
  assert.equal(points.includes('available'), typeof orla.points_available === 'number');
  await page.screenshot({ path: join(shots, 'customer-journey.png'), fullPage: true });
  await checkAccessibility(page, 'profile');

  // ---- 1. Add a customer, from Customers.
  await page.getByRole('link', { name: 'Customers', exact: true }).click();
  await page.getByRole('heading', { name: 'Customers', level: 1 }).waitFor();
  await page.getByRole('link', { name: 'Add customer' }).click();
  await page.waitForURL('**/admin/customers/new');
  await page.getByRole('heading', { name: 'Add a customer', level: 1 }).waitFor();
  assert.equal(await page.locator('nav a[aria-current=page]').innerText(), 'Customers');
  // What the API refuses sits beside its field.
  await page.getByLabel('Phone', { exact: true }).fill('12');
  await page.getByLabel('Email', { exact: true }).fill('not-an-email');
  await page.getByLabel('Birthday').fill('2090-01-01');
  await page.getByLabel('Tags').fill('walk-in, a#b');
  await page.getByRole('button', { name: 'Add customer' }).click();
  await page.getByRole('alert').filter({ hasText: 'Please check the marked fields.' }).waitFor();
  assert.equal(await fieldError(page, 'Name'), 'Is required');
  assert.match((await fieldError(page, 'Phone')) ?? '', /^Is not a (valid|phone) number/);
  assert.equal(await fieldError(page, 'Email'), 'Is not an email address');
  assert.match((await fieldError(page, 'Tags')) ?? '', /^Tag 2 must not contain #/);
  assert.equal(await fieldError(page, 'Company'), null);
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('name')), 'name', 'the first field refused has the focus');
  await page.screenshot({ path: join(shots, 'customer-new-errors.png') });
  await checkAccessibility(page, 'newCustomerErrors');
  // Orla's phone: it is hers, and the form links to her.
  await page.getByLabel('Name', { exact: true }).fill('Sinead Nolan');
  await page.getByLabel('Phone', { exact: true }).fill(leadPhone);
  await page.getByLabel('Email', { exact: true }).fill('');
  await page.getByLabel('Birthday').fill('');
  await page.getByLabel('Tags').fill('walk-in');
  await page.getByRole('button', { name: 'Add customer' }).click();
  const taken = page.locator('.taken');
  await taken.getByRole('link', { name: 'Open Orla Walsh' }).waitFor();
  assert.match(await taken.innerText(), /This phone already belongs to Orla Walsh, so nothing was saved\./);
  assert.equal(await taken.getByRole('link').getAttribute('href'), `/admin/customers/${orlaId}`);
  await checkAccessibility(page, 'newCustomerTaken');
  // A phone of her own: the new profile opens and says so.
  const phone = mobile();
  await page.getByLabel('Phone', { exact: true }).fill(phone);
  await page.getByLabel('Email', { exact: true }).fill('sinead@example.ie');
  await page.getByRole('button', { name: 'Add customer' }).click();
  await page.waitForURL(/\/admin\/customers\/[0-9A-Z]{26}$/);
  await page.getByRole('heading', { name: 'Sinead Nolan', level: 1 }).waitFor();
  await page.getByRole('status').filter({ hasText: 'Added Sinead Nolan.' }).waitFor();
  const id = page.url().split('/').pop();
  let sinead = (await apiJson('GET', `/customers/${id}`)).body.customer;
  assert.deepEqual([sinead.phones, sinead.emails, sinead.tags], [[e164(phone)], ['sinead@example.ie'], ['walk-in']]);

  // ---- 2. Edit every profile field.
  const profile = page.locator('section[aria-labelledby=profile-title]');
  await profile.getByRole('button', { name: 'Edit profile' }).click();
  const form = profile.locator('form');
  await form.waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('name')), 'name');
  const secondPhone = mobile();
  await form.getByLabel('Name').fill('Sinéad Nolan');
  await form.getByLabel('Phones').fill(`${e164(phone)}, ${secondPhone}`);
  await form.getByLabel('Emails').fill('sinead.nolan@example.ie, sinead@example.ie');
  await form.getByLabel('Birthday').fill('1991-08-14');
  await form.getByLabel('Gender').fill('female');
  await form.getByLabel('Company').fill('Nolan Hair Studio');
  await form.getByLabel('Preferred language').fill('ga');
  await form.getByLabel('Address').fill('4 Quay Street, Galway, H91 X2Y3');
  await form.getByLabel('Agreed to marketing messages').check();
  await checkAccessibility(page, 'editProfile');
  await form.getByRole('button', { name: 'Save profile' }).click();
  await page.getByRole('status').filter({ hasText: 'Profile saved.' }).waitFor();
  await page.getByRole('heading', { name: 'Sinéad Nolan', level: 1 }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Edit profile', 'the focus goes back to the button');
  sinead = (await apiJson('GET', `/customers/${id}`)).body.customer;
  assert.deepEqual(
    {
      name: sinead.name,
      phones: sinead.phones,
      emails: sinead.emails,
      date_of_birth: sinead.date_of_birth,
      gender: sinead.gender,
      company: sinead.company,
      preferred_language: sinead.preferred_language,
      address: sinead.address,
      marketing_consent: sinead.marketing_consent,
    },
    {
      name: 'Sinéad Nolan',
      phones: [e164(phone), e164(secondPhone)],
      emails: ['sinead.nolan@example.ie', 'sinead@example.ie'],
      date_of_birth: '1991-08-14',
      gender: 'female',
      company: 'Nolan Hair Studio',
      preferred_language: 'ga',
      address: '4 Quay Street, Galway, H91 X2Y3',
      marketing_consent: true,
    },
  );
  const facts = profile.locator('dl');
  assert.equal(await fact(facts, 'Birthday'), '14 Aug 1991');
  assert.equal(await fact(facts, 'Company'), 'Nolan Hair Studio');
  assert.equal(await fact(facts, 'Marketing'), 'Agreed to marketing messages');
  // Clearing a field clears it.
  await profile.getByRole('button', { name: 'Edit profile' }).click();
  await form.getByLabel('Gender').fill('');
  await form.getByRole('button', { name: 'Save profile' }).click();
  await page.getByRole('status').filter({ hasText: 'Profile saved.' }).waitFor();
  await profile.getByRole('button', { name: 'Edit profile' }).waitFor();
  assert.equal((await apiJson('GET', `/customers/${id}`)).body.customer.gender, undefined);

  // Someone else saves while the form is open: ours is refused, theirs stays, a reload shows it.
  await profile.getByRole('button', { name: 'Edit profile' }).click();
  const before = (await apiJson('GET', `/customers/${id}`)).body.customer;
  const theirs = await apiJson('PATCH', `/customers/${id}`, { company: 'Theirs Ltd' }, { 'if-match': `"${before.version}"` });
  assert.equal(theirs.status, 200, JSON.stringify(theirs.body));
  await form.getByLabel('Company').fill('Mine Ltd');
  await form.getByRole('button', { name: 'Save profile' }).click();
  const stale = page.locator('.stale-edit');
  await stale.waitFor();
  assert.match(await stale.innerText(), /Sinéad Nolan was changed by someone else after you opened this form, so your changes were not saved\. Reload to see theirs/);
  assert.equal((await apiJson('GET', `/customers/${id}`)).body.customer.company, 'Theirs Ltd', 'not overwritten');
  await page.screenshot({ path: join(shots, 'customer-stale-edit.png') });
  await checkAccessibility(page, 'staleEdit');
  await stale.getByRole('button', { name: 'Reload' }).click();
  await stale.waitFor({ state: 'detached' });
  assert.equal(await form.getByLabel('Company').inputValue(), 'Theirs Ltd');
  await form.getByRole('button', { name: 'Cancel' }).click();
  assert.equal(await fact(facts, 'Company'), 'Theirs Ltd');

  // ---- 5. Notes: add, edit, delete after a confirm.
  const notes = page.getByRole('list', { name: 'Notes' });
  for (const text of ['Allergic to lavender oil', 'Prefers Saturday mornings']) {
    await page.getByLabel('New note').fill(text);
    await page.getByRole('button', { name: 'Add note' }).click();
    await notes.locator('li', { hasText: text }).waitFor();
  }
  const allergy = await noteItem(notes, 'Allergic to lavender oil');
  await allergy.getByRole('button', { name: 'Edit' }).click();
  await allergy.getByLabel('Edit note').fill('Allergic to lavender and tea tree oil');
  await allergy.getByRole('button', { name: 'Save note' }).click();
  const edited = notes.locator('li', { hasText: 'Allergic to lavender and tea tree oil' });
  await edited.locator('small', { hasText: 'edited' }).waitFor();
  assert.deepEqual((await apiNotes(id)).sort(), ['Allergic to lavender and tea tree oil', 'Prefers Saturday mornings']);
  const saturday = await noteItem(notes, 'Prefers Saturday mornings');
  await saturday.getByRole('button', { name: 'Delete' }).click();
  const confirmNote = saturday.getByRole('group', { name: 'Delete this note? It cannot be undone.' });
  await confirmNote.waitFor();
  await checkAccessibility(page, 'deleteNote');
  assert.deepEqual((await apiNotes(id)).length, 2, 'nothing deleted before the confirm');
  await confirmNote.getByRole('button', { name: 'Delete note' }).click();
  await saturday.waitFor({ state: 'detached' });
  assert.deepEqual(await apiNotes(id), ['Allergic to lavender and tea tree oil']);
  await page.locator('.timeline li[data-type=note]', { hasText: 'Allergic to lavender and tea tree oil' }).waitFor();
  assert.equal(await page.locator('.timeline li[data-type=note]', { hasText: 'Saturday' }).count(), 0);

  // ---- 6. Timeline search: words of a note; then nothing.
  const timeline = page.locator('.timeline');
  assert.ok((await timeline.locator('li').count()) > 1);
  const search = page.getByLabel('Search the timeline');
  await search.pressSequentially('tea tree', { delay: 30 });
  await page.waitForFunction(() => {
    const items = [...document.querySelectorAll('.timeline li')];
    return items.length === 1 && items[0].textContent.includes('tea tree');
  });
  await search.fill('');
  await search.pressSequentially('zzqx', { delay: 30 });
  await page.getByRole('status').filter({ hasText: 'No matches for “zzqx”.' }).waitFor();
  assert.equal(await timeline.count(), 0);
  await checkAccessibility(page, 'timelineNoMatches');
  await search.fill('');
  await timeline.first().waitFor();

  // ---- 3. Delete: the button works once the name is typed; then back to the list.
  await page.getByRole('button', { name: 'Delete customer…' }).click();
  const typed = page.getByLabel('Type Sinéad Nolan to confirm');
  await typed.waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'delete-confirm');
  const del = page.getByRole('button', { name: 'Delete Sinéad Nolan' });
  assert.equal(await del.isDisabled(), true);
  await typed.fill('Sinead Nolan');
  assert.equal(await del.isDisabled(), true, 'the name exactly');
  await typed.fill('Sinéad Nolan');
  assert.equal(await del.isDisabled(), false);
  await checkAccessibility(page, 'deleteCustomer');
  await del.click();
  await page.waitForURL(/\/admin\/customers$/);
  await page.getByRole('status').filter({ hasText: /^Deleted Sinéad Nolan( and \d+ items? of theirs)?\.$/ }).waitFor();
  await checkAccessibility(page, 'listAfterDelete');
  assert.equal((await apiJson('GET', `/customers/${id}`)).status, 404);
  assert.equal((await apiJson('GET', `/customers/${orlaId}`)).status, 200, 'only her');
  await context.close();
});

test('staff edit and delete notes', async () => {
  const made = await apiJson('POST', '/customers', { name: 'Noel Staffnote', phone: mobile() });
  const id = made.body.id;
  const note = await apiJson('POST', `/customers/${id}/notes`, { body: 'Pays by card' });
  assert.equal(note.status, 201);
  const { context, page } = await signedIn('staff');
  await page.goto(`${base}/admin/customers/${id}`);
  await page.getByRole('heading', { name: 'Noel Staffnote', level: 1 }).waitFor();
  const item = await noteItem(page.getByRole('list', { name: 'Notes' }), 'Pays by card');
  await item.getByRole('button', { name: 'Edit' }).click();
  await item.getByLabel('Edit note').fill('Pays by card, never cash');
  await item.getByRole('button', { name: 'Save note' }).click();
  await page.getByRole('list', { name: 'Notes' }).locator('li', { hasText: 'never cash' }).waitFor();
  assert.deepEqual(await apiNotes(id), ['Pays by card, never cash']);
  const again = await noteItem(page.getByRole('list', { name: 'Notes' }), 'never cash');
  await again.getByRole('button', { name: 'Delete' }).click();
  await again.getByRole('button', { name: 'Delete note' }).click();
  await page.getByText('No notes yet.').waitFor();
  assert.deepEqual(await apiNotes(id), []);
  await context.close();
});

test('every screen passed axe (no serious or critical violation)', () => {
  const failing = Object.entries(violations).filter(([, v]) => v.length > 0);
  assert.deepEqual(failing, [], JSON.stringify(Object.fromEntries(failing), null, 2));
  assert.ok(Object.keys(violations).length >= 8, `screens checked: ${Object.keys(violations).join(', ')}`);
});

test('the profile screens ran under the Content-Security-Policy without a violation', () => {
  assert.deepEqual(cspViolations, []);
});
