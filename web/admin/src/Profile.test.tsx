import { afterEach, describe, expect, it, vi } from 'vitest';
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { CustomerProfile } from './Customers';
import { NewCustomer } from './CustomerForm';
import type { Customer } from './customerForm';
import { NewLead } from './NewLead';
import type { TimelineDay } from './model';
import { takeFlash } from './ui';

const ADA = {
  id: '01ADA',
  tenant_id: 'demo',
  name: 'Ada Byrne',
  phones: ['+353861112233'],
  emails: ['ada@example.ie'],
  lead_ids: [],
  date_of_birth: '1990-04-30',
  gender: 'female',
  address: '1 Main St, Howth',
  company: 'Acme',
  preferred_language: 'ga',
  marketing_consent: true,
  tags: ['vip'],
  auto_tags: [],
  totals: { bookings: 1, visits: 1, lifetime_value: 12000, no_shows: 0, cancellations: 0, services: {} },
  upcoming: {},
  segment: 'active',
  points: 120,
  tier: 'silver',
  source: 'walk_in',
  stage: 'activation',
  stage_history: [
    { stage: 'discovery', at: '2026-03-01T10:00:00Z' },
    { stage: 'activation', at: '2026-03-05T10:00:00Z' },
  ],
  at_risk: false,
  milestones: ['first_booking'],
  member_since: '2026-03-01T10:00:00Z',
  created_at: '2026-03-01T10:00:00Z',
  updated_at: '2026-03-05T10:00:00Z',
  version: 3,
  // An API from before loyalty kept them sends none of these (see the tests that drop them).
  tier_history: [{ tier: 'silver', at: '2026-03-05T10:00:00Z' }],
  points_redeemed: 0,
  points_available: 0,
} as Customer;

/** `c` as an API from before tier history and point balances sends it. */
function beforeLoyalty(c: Customer): object {
  const { tier_history: _h, points_redeemed: _r, points_available: _a, ...rest } = c;
  return rest;
}

const KPIS = { visits: 1, lifetime_value: 12000, average_spend: 12000, last_visit: null, next_booking: null, no_shows: 0, cancellations: 0, bookings: 1, completion_rate: 1, most_booked_service: 'Facial', points: 120, tier: 'silver' };

const detail = (customer: object) => ({ customer, kpis: KPIS, bookings: [], leads: [], spending: { total: 0, average_per_visit: 0, most_booked_service: null } });

const day = (date: string, entries: TimelineDay['entries']): TimelineDay => ({ date, counts: {}, entries });
const note = (id: string, body: string, at: string) => ({ id, type: 'note', at, text: body, data: { id, body, author: 'aoife', created_at: at } });
const MILESTONES = [day('2026-03-02', [{ id: 'm1', type: 'milestone', at: '2026-03-02T10:00:00Z', text: 'Milestone reached: first_booking', data: { milestone: 'first_booking' } }])];
const NOTES = [day('2026-03-04', [note('01N2', 'Likes tea', '2026-03-04T10:00:00Z'), note('01N1', 'Prefers mornings', '2026-03-03T10:00:00Z')])];
const EVERYTHING = [
  day('2026-03-04', [note('01N2', 'Likes tea', '2026-03-04T10:00:00Z'), { id: 'b1', type: 'booking', at: '2026-03-04T09:00:00Z', text: 'BookingCreated Facial', data: {} }]),
];

type Answer = { status: number; body: unknown };
interface Seen {
  method: string;
  path: string;
  body?: unknown;
  ifMatch?: string;
}

/** Answers each request with `route(method, path)`: an answer, or a queue of them (the last repeats). */
function stubFetch(route: (method: string, path: string) => Answer | Answer[] | undefined) {
  const seen: Seen[] = [];
  const queues = new Map<string, Answer[]>();
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit = {}) => {
      const method = init.method ?? 'GET';
      const path = url.replace(/^https?:\/\/[^/]+/, '');
      const headers = (init.headers ?? {}) as Record<string, string>;
      seen.push({ method, path, body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined, ifMatch: headers['if-match'] });
      const key = `${method} ${path}`;
      let a = route(method, path);
      if (Array.isArray(a)) {
        if (!queues.has(key)) queues.set(key, [...a]);
        const q = queues.get(key)!;
        a = q.length > 1 ? q.shift()! : q[0];
      }
      if (!a) return new Response(JSON.stringify({ status: 404, title: 'Not Found' }), { status: 404 });
      return new Response(JSON.stringify(a.body), { status: a.status, headers: { 'content-type': 'application/json' } });
    }),
  );
  return seen;
}

/** The API of one customer, `customer` (answers GET, timelines by type and q). */
function profileApi(customer: object, more: (method: string, path: string) => Answer | Answer[] | undefined = () => undefined) {
  return stubFetch((method, path) => {
    const extra = more(method, path);
    if (extra) return extra;
    if (method === 'GET' && path === '/customers/01ADA') return { status: 200, body: detail(customer) };
    const t = /^\/customers\/01ADA\/timeline\?(.*)$/.exec(path);
    if (method === 'GET' && t) {
      const p = new URLSearchParams(t[1]);
      const days = p.get('type') === 'milestone' ? MILESTONES : p.get('type') === 'note' ? NOTES : p.get('type') ? [] : p.get('q') === 'tea' ? [day('2026-03-04', [NOTES[0].entries[0]])] : p.get('q') ? [] : EVERYTHING;
      return { status: 200, body: { days, entries: [], next_cursor: null } };
    }
    return undefined;
  });
}

async function until(check: () => boolean, ms = 4000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await act(() => new Promise((r) => setTimeout(r, 25)));
  }
}

const button = (root: ParentNode, name: string) => [...root.querySelectorAll('button')].find((b) => b.textContent?.trim() === name) as HTMLButtonElement | undefined;
const byLabel = (root: ParentNode, text: string) => {
  const label = [...root.querySelectorAll('label')].find((l) => l.textContent?.trim() === text);
  return (label?.htmlFor ? root.querySelector(`#${label.htmlFor}`) : label?.querySelector('input,textarea,select')) as HTMLInputElement;
};
const facts = (dl: Element | null) =>
  Object.fromEntries([...(dl?.querySelectorAll('dt') ?? [])].map((dt) => [dt.textContent, (dt.nextElementSibling as HTMLElement).textContent]));

async function type(input: HTMLInputElement | HTMLTextAreaElement, value: string) {
  await act(() => {
    input.value = value;
    input.dispatchEvent(new Event('input', { bubbles: true }));
  });
}

afterEach(() => {
  vi.unstubAllGlobals();
  document.body.innerHTML = '';
  history.replaceState(null, '', '/');
  takeFlash();
});

async function mount(node: preact.ComponentChild) {
  const root = document.createElement('div');
  document.body.appendChild(root);
  await act(() => render(node, root));
  return root;
}

describe('the customer profile', () => {
  it('shows the details and the journey: first touch, stage, tier, milestones with their dates', async () => {
    profileApi(beforeLoyalty(ADA));
    const root = await mount(<CustomerProfile id="01ADA" role="owner" />);
    await until(() => !!root.querySelector('.journey li[data-milestone]') && root.querySelector('.journey li')!.textContent!.includes('2 Mar'));
    expect(facts(root.querySelector('.profile-facts'))).toEqual({
      Birthday: '30 Apr 1990',
      Gender: 'female',
      Company: 'Acme',
      Language: 'ga',
      Address: '1 Main St, Howth',
      Marketing: 'Agreed to marketing messages',
    });
    const journey = root.querySelector('.journey') as HTMLElement;
    expect(facts(journey.querySelector('dl'))).toEqual({
      'First touch': 'Walk in · 1 Mar 2026, 10:00',
      'Last touch': 'Same as the first',
      Stage: 'Activation · since 5 Mar 2026',
      Tier: 'Silver',
      Points: '120 earned',
    });
    // No balances from this API: nothing to redeem from.
    expect(button(root, 'Redeem points')).toBeUndefined();
    expect([...journey.querySelectorAll('.milestones li')].map((l) => l.textContent)).toEqual(['First booking · 2 Mar 2026']);
    // No tier history nor point balances from this API: nothing about them.
    expect(journey.textContent).not.toMatch(/Tier history|redeemed|available/);
    expect(button(root, 'Edit profile')).toBeDefined();
    expect(button(root, 'Delete customer…')).toBeDefined();
  });

  it('shows the tier history and the point balances when the customer has them', async () => {
    profileApi({ ...ADA, tier_history: [{ tier: 'bronze', at: '2026-03-01T10:00:00Z' }, { tier: 'silver', at: '2026-03-05T10:00:00Z' }], points_redeemed: 50, points_available: 70 });
    const root = await mount(<CustomerProfile id="01ADA" role="admin" />);
    await until(() => !!root.querySelector('.tier-history'));
    expect([...root.querySelectorAll('.tier-history li')].map((l) => l.textContent)).toEqual(['Bronze · 1 Mar 2026', 'Silver · 5 Mar 2026']);
    expect(root.querySelector('.journey .points')?.textContent).toBe('120 earned, 50 redeemed, 70 available');
    // Admins edit but may not delete.
    expect(button(root, 'Edit profile')).toBeDefined();
    expect(button(root, 'Delete customer…')).toBeUndefined();
  });

  it('offers staff neither the edit nor the delete, but the notes', async () => {
    profileApi(ADA);
    const root = await mount(<CustomerProfile id="01ADA" role="staff" />);
    await until(() => root.querySelectorAll('.note').length === 2);
    expect(button(root, 'Edit profile')).toBeUndefined();
    expect(root.querySelector('.danger-zone')).toBeNull();
    expect([...root.querySelectorAll('.note .note-body')].map((n) => n.textContent)).toEqual(['Likes tea', 'Prefers mornings']);
  });

  it('saves only what changed, with the version read in If-Match', async () => {
    const seen = profileApi(ADA, (method, path) => (method === 'PATCH' && path === '/customers/01ADA' ? { status: 200, body: { ...ADA, gender: undefined, company: 'Beta', version: 4 } } : undefined));
    const root = await mount(<CustomerProfile id="01ADA" role="owner" />);
    await until(() => !!button(root, 'Edit profile'));
    await act(() => button(root, 'Edit profile')!.click());
    const form = root.querySelector('form.profile-form') as HTMLFormElement;
    expect(document.activeElement).toBe(byLabel(form, 'Name'));
    expect(byLabel(form, 'Phones').value).toBe('+353861112233');
    expect(byLabel(form, 'Birthday').value).toBe('1990-04-30');
    await type(byLabel(form, 'Gender'), '');
    await type(byLabel(form, 'Company'), 'Beta');
    await act(() => form.requestSubmit());
    await until(() => root.querySelector('.notice')?.textContent === 'Profile saved.');
    expect(seen.filter((r) => r.method === 'PATCH')).toEqual([{ method: 'PATCH', path: '/customers/01ADA', body: { gender: null, company: 'Beta' }, ifMatch: '"3"' }]);
    expect(root.querySelector('form.profile-form')).toBeNull();
  });

  it('says when someone else saved first, and reloads rather than overwrite', async () => {
    const seen = profileApi(ADA, (method, path) => {
      if (method === 'PATCH') return { status: 412, body: { status: 412, title: 'Precondition Failed', current_version: 4 } };
      if (method === 'GET' && path === '/customers/01ADA')
        return [
          { status: 200, body: detail(ADA) },
          { status: 200, body: detail({ ...ADA, company: 'Theirs Ltd', version: 4 }) },
        ];
      return undefined;
    });
    const root = await mount(<CustomerProfile id="01ADA" role="owner" />);
    await until(() => !!button(root, 'Edit profile'));
    await act(() => button(root, 'Edit profile')!.click());
    const form = root.querySelector('form.profile-form') as HTMLFormElement;
    await type(byLabel(form, 'Company'), 'Mine');
    await act(() => form.requestSubmit());
    await until(() => !!root.querySelector('.stale-edit'));
    expect(root.querySelector('.stale-edit')?.textContent).toMatch(/^Ada Byrne was changed by someone else after you opened this form, so your changes were not saved\./);
    expect(button(root, 'Save profile')?.disabled).toBe(true);
    await act(() => button(root.querySelector('.stale-edit')!, 'Reload')!.click());
    await until(() => byLabel(root, 'Company')?.value === 'Theirs Ltd');
    expect(root.querySelector('.stale-edit')).toBeNull();
    expect(seen.filter((r) => r.method === 'PATCH')).toHaveLength(1);
  });

  it('deletes only once the customer’s name is typed, then goes back to the list with a notice', async () => {
    const seen = profileApi(ADA, (method) => (method === 'DELETE' ? { status: 200, body: { deleted: '01ADA', items: 7 } } : undefined));
    const root = await mount(<CustomerProfile id="01ADA" role="owner" />);
    await until(() => !!button(root, 'Delete customer…'));
    await act(() => button(root, 'Delete customer…')!.click());
    const input = byLabel(root, 'Type Ada Byrne to confirm');
    expect(document.activeElement).toBe(input);
    const del = button(root, 'Delete Ada Byrne')!;
    expect(del.disabled).toBe(true);
    await type(input, 'Ada');
    expect(del.disabled).toBe(true);
    await type(input, 'Ada Byrne');
    expect(del.disabled).toBe(false);
    await act(() => del.click());
    await until(() => location.pathname === '/customers');
    expect(seen.filter((r) => r.method === 'DELETE').map((r) => r.path)).toEqual(['/customers/01ADA']);
    expect(takeFlash()).toBe('Deleted Ada Byrne and 7 items of theirs.');
  });

  it('edits a note, and deletes one after a confirm', async () => {
    const seen = profileApi(ADA, (method) => {
      if (method === 'PATCH') return { status: 200, body: { id: '01N2', body: 'Likes green tea', author: 'aoife', created_at: '2026-03-04T10:00:00Z' } };
      if (method === 'DELETE') return { status: 200, body: { deleted: '01N1' } };
      return undefined;
    });
    const root = await mount(<CustomerProfile id="01ADA" role="staff" />);
    await until(() => root.querySelectorAll('.note').length === 2);
    const first = root.querySelector('.note[data-note="01N2"]') as HTMLElement;
    await act(() => button(first, 'Edit')!.click());
    const text = byLabel(first, 'Edit note') as unknown as HTMLTextAreaElement;
    expect(document.activeElement).toBe(text);
    await type(text, 'Likes green tea');
    await act(() => first.querySelector('form')!.requestSubmit());
    await until(() => !first.querySelector('form'));
    const second = root.querySelector('.note[data-note="01N1"]') as HTMLElement;
    await act(() => button(second, 'Delete')!.click());
    const confirm = second.querySelector('[role=group]') as HTMLElement;
    expect(confirm.textContent).toMatch(/Delete this note\? It cannot be undone\./);
    expect(seen.some((r) => r.method === 'DELETE')).toBe(false);
    await act(() => button(confirm, 'Cancel')!.click());
    expect(second.querySelector('[role=group]')).toBeNull();
    await act(() => button(second, 'Delete')!.click());
    await act(() => button(second, 'Delete note')!.click());
    await until(() => seen.some((r) => r.method === 'DELETE'));
    expect(seen.filter((r) => r.method !== 'GET')).toEqual([
      { method: 'PATCH', path: '/customers/01ADA/notes/01N2', body: { body: 'Likes green tea' }, ifMatch: undefined },
      { method: 'DELETE', path: '/customers/01ADA/notes/01N1', body: undefined, ifMatch: undefined },
    ]);
  });

  it('searches the timeline once typing settles, and says when nothing matches', async () => {
    const seen = profileApi(ADA);
    const root = await mount(<CustomerProfile id="01ADA" role="staff" />);
    await until(() => root.querySelectorAll('.timeline li').length === 2);
    const box = byLabel(root, 'Search the timeline');
    await type(box, 't');
    await type(box, 'te');
    await type(box, 'tea');
    await until(() => root.querySelectorAll('.timeline li').length === 1);
    expect(root.querySelector('.timeline li')?.textContent).toMatch(/Likes tea/);
    const searches = seen.filter((r) => r.path.includes('q=')).map((r) => r.path);
    expect(searches).toEqual(['/customers/01ADA/timeline?q=tea&limit=100']);
    await type(box, 'zzz');
    await until(() => root.querySelector('.timeline-matches')?.textContent === 'No matches for “zzz”.');
    expect(root.querySelectorAll('.timeline li')).toHaveLength(0);
    expect(root.querySelector('.timeline-matches')?.getAttribute('role')).toBe('status');
    await type(box, '');
    await until(() => root.querySelectorAll('.timeline li').length === 2);
    expect(root.querySelector('.timeline-matches')?.textContent).toBe('');
  });
});

describe('redeeming points', () => {
  const RICH = { ...ADA, points: 120, points_redeemed: 20, points_available: 100 } as Customer;
  const redeemed = (n: number) => ({ ...RICH, points_redeemed: 20 + n, points_available: 100 - n, version: 4 });

  async function openRedeem(root: HTMLElement) {
    await until(() => !!button(root, 'Redeem points'));
    await act(() => button(root, 'Redeem points')!.click());
    const form = root.querySelector('form.redeem-form') as HTMLFormElement;
    expect(document.activeElement).toBe(byLabel(form, 'Points'));
    expect(form.querySelector('.redeem-available')?.textContent).toBe('100 points available');
    return form;
  }

  it('spends them with the version shown as If-Match, and the journey shows the new balance at once', async () => {
    const seen = profileApi(RICH, (method, path) => {
      if (method === 'POST' && path === '/customers/01ADA/points/redeem') return { status: 200, body: redeemed(40) };
      // The reload after the redeem is slow to show: the answer of the POST is shown first.
      return undefined;
    });
    const root = await mount(<CustomerProfile id="01ADA" role="staff" />);
    const form = await openRedeem(root);
    await type(byLabel(form, 'Points'), '40');
    await type(byLabel(form, 'Spent on'), ' Free facial ');
    await act(() => form.requestSubmit());
    await until(() => root.querySelector('.notice')?.textContent === '40 points redeemed (Free facial); 60 left.');
    expect(seen.filter((r) => r.method === 'POST')).toEqual([{ method: 'POST', path: '/customers/01ADA/points/redeem', body: { points: 40, reason: 'Free facial' }, ifMatch: '"3"' }]);
    expect(root.querySelector('.journey .points')?.textContent).toBe('120 earned, 60 redeemed, 60 available');
    expect(root.querySelector('form.redeem-form')).toBeNull();
    await until(() => document.activeElement?.textContent === 'Redeem points');
    // The timeline was asked again (the "40 points redeemed" entry comes from it).
    const after = seen.findIndex((r) => r.method === 'POST');
    expect(seen.slice(after).some((r) => r.method === 'GET' && /timeline\?limit=100$/.test(r.path))).toBe(true);
  });

  it('refuses more than available, no number and no reason before sending', async () => {
    const seen = profileApi(RICH);
    const root = await mount(<CustomerProfile id="01ADA" role="staff" />);
    const form = await openRedeem(root);
    await type(byLabel(form, 'Points'), '101');
    await act(() => form.requestSubmit());
    await until(() => byLabel(form, 'Points').getAttribute('aria-invalid') === 'true');
    const message = (label: string) => root.querySelector(`#${byLabel(form, label).getAttribute('aria-describedby')}`)?.textContent;
    expect(message('Points')).toBe('More than the 100 points available');
    expect(message('Spent on')).toBe('Say what the points are spent on (it shows on the timeline)');
    expect(document.activeElement).toBe(byLabel(form, 'Points'));
    expect(form.querySelector('[role=alert]')?.textContent).toBe('Please check the marked fields.');
    await type(byLabel(form, 'Points'), '2.5');
    await act(() => form.requestSubmit());
    expect(message('Points')).toBe('Enter a whole number of points');
    expect(seen.filter((r) => r.method === 'POST')).toEqual([]);
  });

  it('shows the 409’s available points by the field, and reloads the profile', async () => {
    let posted = false;
    const seen = profileApi(RICH, (method, path) => {
      if (method === 'POST') {
        posted = true;
        return { status: 409, body: { status: 409, title: 'Conflict', conflict: 'points', available: 30, detail: '90 points asked, but the customer has 30 to redeem' } };
      }
      if (method === 'GET' && path === '/customers/01ADA') return { status: 200, body: detail(posted ? { ...RICH, points_redeemed: 90, points_available: 30, version: 5 } : RICH) };
      return undefined;
    });
    const root = await mount(<CustomerProfile id="01ADA" role="staff" />);
    const form = await openRedeem(root);
    await type(byLabel(form, 'Points'), '90');
    await type(byLabel(form, 'Spent on'), 'Gift card');
    await act(() => form.requestSubmit());
    await until(() => form.querySelector('.redeem-available')?.textContent === '30 points available');
    expect(root.querySelector(`#${byLabel(form, 'Points').getAttribute('aria-describedby')}`)?.textContent).toBe('More than the 30 points available');
    // A second try goes with the reloaded version.
    await type(byLabel(form, 'Points'), '30');
    await act(() => form.requestSubmit());
    await until(() => seen.filter((r) => r.method === 'POST').length === 2);
    expect(seen.filter((r) => r.method === 'POST').map((r) => r.ifMatch)).toEqual(['"3"', '"5"']);
  });

  it('says a stale profile spent nothing (412) and reloads the balance', async () => {
    // Someone else redeemed 40 since the profile was read: the reload shows it.
    let posted = false;
    profileApi(RICH, (method, path) => {
      if (method === 'POST') {
        posted = true;
        return { status: 412, body: { status: 412, title: 'Precondition Failed', current_version: 4 } };
      }
      if (method === 'GET' && path === '/customers/01ADA') return { status: 200, body: detail(posted ? redeemed(40) : RICH) };
      return undefined;
    });
    const root = await mount(<CustomerProfile id="01ADA" role="staff" />);
    const form = await openRedeem(root);
    await type(byLabel(form, 'Points'), '40');
    await type(byLabel(form, 'Spent on'), 'Free facial');
    await act(() => form.requestSubmit());
    await until(() => form.querySelector('.redeem-available')?.textContent === '60 points available');
    expect(form.querySelector('[role=alert]')?.textContent).toMatch(/^This customer changed since the profile was shown .*so nothing was spent\. The balance has been reloaded/);
  });

  it('offers nothing to redeem when none are available', async () => {
    profileApi({ ...RICH, points_redeemed: 120, points_available: 0 });
    const root = await mount(<CustomerProfile id="01ADA" role="staff" />);
    await until(() => !!button(root, 'Redeem points'));
    expect(button(root, 'Redeem points')!.disabled).toBe(true);
    expect(root.querySelector('#redeem-none')?.textContent).toBe('No points to redeem yet.');
  });
});

describe('the touches', () => {
  const touch = { utm_source: 'facebook', utm_campaign: 'spring', fbclid: 'abc' };
  const LEAD = { id: '01LEAD', tenant_id: 'demo', name: 'Ada', phone: '+353861112233', phone_raw: '086 111 2233', status: 'new', expected_value: 0, source: 'meta_ad', touch, stale: false, created_at: '2026-03-01T09:00:00Z', updated_at: '2026-03-02T09:00:00Z', version: 2 };
  const LAST = { source: 'google_ad', at: '2026-03-02T09:30:00Z', utm_source: 'google', utm_medium: 'cpc', utm_campaign: 'brand', gclid: 'G1' };

  it('shows the customer’s first touch from their lead and their last touch on the journey', async () => {
    stubFetch((method, path) => {
      if (path === '/customers/01ADA') return { status: 200, body: { ...detail({ ...ADA, source: 'meta_ad', last_touch: LAST }), leads: [LEAD] } };
      if (path.startsWith('/customers/01ADA/timeline')) return { status: 200, body: { days: [], entries: [], next_cursor: null } };
      return undefined;
    });
    const root = await mount(<CustomerProfile id="01ADA" role="staff" />);
    await until(() => !!root.querySelector('.journey .last-touch'));
    const f = facts(root.querySelector('.journey dl'));
    expect(f['First touch']).toBe('Meta ad · facebook / spring · 1 Mar 2026, 09:00');
    expect(f['Last touch']).toBe('Google ad · google / cpc / brand · 2 Mar 2026, 09:30');
  });

  it('filters the timeline by the new types', async () => {
    const seen = profileApi(ADA);
    const root = await mount(<CustomerProfile id="01ADA" role="staff" />);
    await until(() => root.querySelectorAll('.timeline li').length === 2);
    const boxes = [...root.querySelectorAll<HTMLInputElement>('fieldset.types input')].map((i) => i.value);
    expect(boxes).toEqual(expect.arrayContaining(['tier', 'points', 'import', 'merge']));
    await act(() => root.querySelector<HTMLInputElement>('fieldset.types input[value=points]')!.click());
    await until(() => seen.some((r) => r.path === '/customers/01ADA/timeline?type=points&limit=100'));
  });
});

describe('adding a customer', () => {
  it('puts the API’s 422 messages next to their fields and focuses the first', async () => {
    stubFetch((method) =>
      method === 'POST'
        ? {
            status: 422,
            body: {
              status: 422,
              title: 'Unprocessable Content',
              errors: [
                { field: 'name', reason: 'is required' },
                { field: 'phones[0]', reason: 'is not a phone number' },
                { field: 'emails[0]', reason: 'is not an email address' },
              ],
            },
          }
        : undefined,
    );
    const root = await mount(<NewCustomer />);
    await type(byLabel(root, 'Phone'), '12');
    await type(byLabel(root, 'Email'), 'nope');
    await act(() => root.querySelector('form')!.requestSubmit());
    await until(() => !!root.querySelector('[aria-invalid=true]'));
    const message = (label: string) => {
      const input = byLabel(root, label);
      return input.getAttribute('aria-invalid') === 'true' ? root.querySelector(`#${input.getAttribute('aria-describedby')}`)?.textContent : null;
    };
    expect(message('Name')).toBe('Is required');
    expect(message('Phone')).toBe('Is not a phone number');
    expect(message('Email')).toBe('Is not an email address');
    expect(message('Company')).toBeNull();
    expect(document.activeElement).toBe(byLabel(root, 'Name'));
    expect(root.querySelector('[role=alert]')?.textContent).toBe('Please check the marked fields.');
  });

  it('links to the customer who already has the phone', async () => {
    stubFetch((method, path) => {
      if (method === 'POST') return { status: 409, body: { status: 409, title: 'Conflict', conflict: 'phone', existing_id: '01ADA' } };
      if (path === '/customers/01ADA') return { status: 200, body: detail(ADA) };
      return undefined;
    });
    const root = await mount(<NewCustomer />);
    await type(byLabel(root, 'Name'), 'Ada Two');
    await type(byLabel(root, 'Phone'), '086 111 2233');
    await act(() => root.querySelector('form')!.requestSubmit());
    await until(() => !!root.querySelector('.taken a') && root.querySelector('.taken a')!.textContent === 'Open Ada Byrne');
    expect(root.querySelector('.taken')?.textContent).toMatch(/^This phone already belongs to Ada Byrne, so nothing was saved\./);
    expect(root.querySelector('.taken a')?.getAttribute('href')).toBe('/customers/01ADA');
    expect(byLabel(root, 'Phone').getAttribute('aria-invalid')).toBe('true');
  });

  it('sends the form and opens the new profile', async () => {
    const seen = stubFetch((method) => (method === 'POST' ? { status: 201, body: { ...ADA, id: '01NEW', name: 'Cara Doyle' } } : undefined));
    const root = await mount(<NewCustomer />);
    await type(byLabel(root, 'Name'), 'Cara Doyle');
    await type(byLabel(root, 'Phone'), '087 000 1111');
    await type(byLabel(root, 'Tags'), 'walk-in, vip');
    await act(() => {
      const c = byLabel(root, 'Agreed to marketing messages');
      c.click();
    });
    await act(() => root.querySelector('form')!.requestSubmit());
    await until(() => location.pathname === '/customers/01NEW');
    expect(seen.filter((r) => r.method === 'POST').map((r) => r.body)).toEqual([{ name: 'Cara Doyle', phones: ['087 000 1111'], tags: ['walk-in', 'vip'], marketing_consent: true }]);
    expect(takeFlash()).toBe('Added Cara Doyle.');
  });
});

describe('a new lead', () => {
  it('shows the lead that already has the phone, with a link', async () => {
    stubFetch((method, path) => {
      if (method === 'POST') return { status: 409, body: { status: 409, title: 'Conflict', conflict: 'phone', existing_id: '01LEAD' } };
      if (path === '/leads/01LEAD')
        return { status: 200, body: { id: '01LEAD', name: 'Walk In', phone: '+353871112222', phone_raw: '087 111 2222', status: 'contacted', created_at: '2026-03-05T10:00:00Z' } };
      return undefined;
    });
    const root = await mount(<NewLead />);
    await type(byLabel(root, 'Name'), 'Walk In Again');
    await type(byLabel(root, 'Phone'), '087 111 2222');
    await act(() => root.querySelector('form')!.requestSubmit());
    await until(() => root.querySelector('.existing-lead a')?.textContent === 'Open Walk In');
    const shown = root.querySelector('.existing-lead') as HTMLElement;
    expect(shown.getAttribute('role')).toBe('alert');
    expect(shown.textContent).toMatch(/A lead with this phone came in during the last 24 hours, so no second one was made:/);
    expect(shown.textContent).toMatch(/contacted · 087 111 2222 · came in /);
    expect(shown.querySelector('a')?.getAttribute('href')).toBe('/leads/01LEAD');
    expect(byLabel(root, 'Phone').getAttribute('aria-invalid')).toBe('true');
  });

  it('refuses a value that is not an amount before sending, then sends and opens the lead', async () => {
    const seen = stubFetch((method) => (method === 'POST' ? { status: 201, body: { id: '01NEWLEAD', name: 'Walk In' } } : undefined));
    const root = await mount(<NewLead />);
    await type(byLabel(root, 'Name'), 'Walk In');
    await type(byLabel(root, 'Phone'), '087 111 2222');
    await type(byLabel(root, 'Expected value (€)'), 'lots');
    await act(() => root.querySelector('form')!.requestSubmit());
    await until(() => byLabel(root, 'Expected value (€)').getAttribute('aria-invalid') === 'true');
    expect(document.activeElement).toBe(byLabel(root, 'Expected value (€)'));
    expect(seen).toEqual([]);
    await type(byLabel(root, 'Expected value (€)'), '45');
    await act(() => {
      const s = byLabel(root, 'Source') as unknown as HTMLSelectElement;
      s.value = 'walk_in';
      s.dispatchEvent(new Event('change', { bubbles: true }));
    });
    await type(byLabel(root, 'Note'), 'Wants a Friday slot');
    await act(() => root.querySelector('form')!.requestSubmit());
    await until(() => location.pathname === '/leads/01NEWLEAD');
    expect(seen.map((r) => r.body)).toEqual([{ name: 'Walk In', phone: '087 111 2222', source: 'walk_in', expected_value: 4500, message: 'Wants a Friday slot' }]);
  });
});
