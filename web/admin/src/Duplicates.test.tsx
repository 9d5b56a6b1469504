import { afterEach, describe, expect, it, vi } from 'vitest';
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { DuplicatesView } from './Duplicates';
import type { Review, Side } from './duplicates';

const side = (id: string, phone: string, over: Partial<Side> = {}): Side => ({
  id,
  name: 'Niamh Kelly',
  phones: [phone],
  emails: [],
  tags: [],
  visits: 0,
  bookings: 0,
  lifetime_value: 0,
  created_at: '2026-03-02T10:00:00Z',
  version: 1,
  ...over,
});

const pair = (id: string, left: Side, right: Side): Review => ({
  id,
  existing_id: left.id,
  new_id: right.id,
  score: 0.9,
  reasons: ['same name, phone differs in the last digits'],
  status: 'pending',
  created_at: '2026-03-05T10:00:00Z',
  existing: left,
  new: right,
});

const ONE = pair('01PAIRONE', side('01LEFT', '+353871110001'), side('01RIGHT', '+353871110077', { bookings: 2, visits: 2, lifetime_value: 9000 }));
const TWO = pair('01PAIRTWO', side('01ANN', '+353861110001', { name: 'Ann Murphy' }), side('01ANN2', '+353861110055', { name: 'Ann Murphy' }));

type Answer = { status: number; body: unknown };
/** Answers each request with the next answer for its method and path. */
function stubFetch(answers: Record<string, Answer[]>) {
  const seen: { method: string; path: string; body?: unknown }[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit = {}) => {
      const method = init.method ?? 'GET';
      const path = url.replace(/^https?:\/\/[^/]+/, '');
      seen.push({ method, path, body: typeof init.body === 'string' ? JSON.parse(init.body) : init.body });
      const queue = answers[`${method} ${path}`];
      const a = queue && (queue.length > 1 ? queue.shift()! : queue[0]);
      if (!a) return new Response(JSON.stringify({ status: 404, title: 'Not Found' }), { status: 404 });
      return new Response(JSON.stringify(a.body), { status: a.status, headers: { 'content-type': 'application/json' } });
    }),
  );
  return seen;
}

async function until(check: () => boolean, ms = 4000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await act(() => new Promise((r) => setTimeout(r, 25)));
  }
}

const button = (root: ParentNode, name: string) => [...root.querySelectorAll('button')].find((b) => b.textContent === name) as HTMLButtonElement;
const card = (root: ParentNode, id: string) => root.querySelector(`[data-pair="${id}"]`) as HTMLElement;

afterEach(() => {
  vi.unstubAllGlobals();
  document.body.innerHTML = '';
});

async function mount() {
  const root = document.createElement('div');
  document.body.appendChild(root);
  await act(() => render(<DuplicatesView />, root));
  return root;
}

describe('possible duplicates', () => {
  it('shows each pair side by side with its score and why it was flagged', async () => {
    stubFetch({ 'GET /duplicates?limit=50': [{ status: 200, body: { pairs: [ONE, TWO] } }] });
    const root = await mount();
    await until(() => root.querySelectorAll('article.pair').length === 2);
    const one = card(root, '01PAIRONE');
    expect(one.querySelector('h2')?.textContent).toBe('Two records of Niamh Kelly');
    expect(one.querySelector('.score')?.textContent).toBe('90% match');
    expect(one.querySelector('.reasons')?.textContent).toBe('same name, phone differs in the last digits');
    const sides = [...one.querySelectorAll('.side')];
    expect(sides.map((s) => s.querySelector('.side-label')?.textContent)).toEqual(['Left · existing customer', 'Right · added later']);
    expect(sides.map((s) => s.querySelector('h3 a')?.getAttribute('href'))).toEqual(['/customers/01LEFT', '/customers/01RIGHT']);
    const facts = (s: Element) => Object.fromEntries([...s.querySelectorAll('.facts > div')].map((d) => [d.querySelector('dt')?.textContent, d.querySelector('dd')?.textContent]));
    expect(facts(sides[0])).toMatchObject({ Phones: '+353871110001', Bookings: '0', 'Lifetime value': '€0', 'Last visit': '—', Created: '2 Mar 2026' });
    expect(facts(sides[1])).toMatchObject({ Phones: '+353871110077', Bookings: '2', Visits: '2', 'Lifetime value': '€90' });
    expect([...sides[1].querySelectorAll('.differs dt')].map((d) => d.textContent)).toEqual(['Phones', 'Visits', 'Bookings', 'Lifetime value']);
    expect([...one.querySelectorAll('.pair-actions button')].map((b) => b.textContent)).toEqual(['Merge into left', 'Merge into right', 'Keep both', 'Ignore']);
  });

  it('merges after a confirm step that says what moves; the pair leaves with a status message', async () => {
    const seen = stubFetch({
      'GET /duplicates?limit=50': [{ status: 200, body: { pairs: [ONE, TWO] } }],
      'POST /duplicates/01PAIRONE/resolve': [
        {
          status: 200,
          body: { pair: { ...ONE, status: 'merged', kept_id: '01LEFT' }, customer: { id: '01LEFT', name: 'Niamh Kelly', phones: ['+353871110001', '+353871110077'] } },
        },
      ],
    });
    const root = await mount();
    await until(() => !!card(root, '01PAIRONE'));
    const one = card(root, '01PAIRONE');
    await act(() => button(one, 'Merge into left').click());
    const confirm = one.querySelector('.confirm') as HTMLElement;
    expect(confirm.querySelector('.confirm-title')?.textContent).toBe('Merge into Niamh Kelly (left)?');
    expect(document.activeElement).toBe(confirm.querySelector('.confirm-title'));
    expect([...confirm.querySelectorAll('.moves li')].map((li) => li.textContent)).toEqual([
      'Phone +353871110077',
      '2 bookings (2 visits, €90 lifetime value)',
      'Notes, texts, calls, leads and the timeline',
    ]);
    expect(confirm.textContent).toContain('Then Niamh Kelly (right) is removed');
    // Nothing is sent before the merge is confirmed; cancel goes back to the buttons.
    await act(() => button(confirm, 'Cancel').click());
    expect(one.querySelector('.confirm')).toBeNull();
    expect(seen.filter((r) => r.method === 'POST')).toEqual([]);
    await act(() => button(one, 'Merge into left').click());
    await act(() => button(one, 'Confirm merge').click());
    await until(() => !card(root, '01PAIRONE'));
    expect(seen.filter((r) => r.method === 'POST')).toEqual([{ method: 'POST', path: '/duplicates/01PAIRONE/resolve', body: { action: 'merge', keep: '01LEFT' } }]);
    const status = root.querySelector('[role=status]') as HTMLElement;
    expect(status.textContent).toBe('Merged: Niamh Kelly is now part of Niamh Kelly. Open Niamh Kelly');
    expect(status.querySelector('a')?.getAttribute('href')).toBe('/customers/01LEFT');
    expect(root.querySelectorAll('article.pair').length).toBe(1);
  });

  it('keeps both, ignores, and says when the last pair is gone', async () => {
    const seen = stubFetch({
      'GET /duplicates?limit=50': [{ status: 200, body: { pairs: [ONE, TWO] } }],
      'POST /duplicates/01PAIRONE/resolve': [{ status: 200, body: { pair: { ...ONE, status: 'kept_both' } } }],
      'POST /duplicates/01PAIRTWO/resolve': [{ status: 200, body: { pair: { ...TWO, status: 'ignored' } } }],
    });
    const root = await mount();
    await until(() => !!card(root, '01PAIRONE'));
    await act(() => button(card(root, '01PAIRONE'), 'Keep both').click());
    await until(() => !card(root, '01PAIRONE'));
    expect(root.querySelector('[role=status]')?.textContent?.trim()).toBe('Kept both: Niamh Kelly and Niamh Kelly stay two customers.');
    await act(() => button(card(root, '01PAIRTWO'), 'Ignore').click());
    await until(() => !card(root, '01PAIRTWO'));
    expect(root.querySelector('[role=status]')?.textContent?.trim()).toBe('Ignored: Two records of Ann Murphy is no longer flagged.');
    expect(root.querySelector('.empty')?.textContent).toMatch(/^No possible duplicates\./);
    expect(seen.filter((r) => r.method === 'POST').map((r) => r.body)).toEqual([{ action: 'keep_both' }, { action: 'ignore' }]);
  });

  it('takes a pair resolved elsewhere off the list, and keeps one whose action failed', async () => {
    stubFetch({
      'GET /duplicates?limit=50': [{ status: 200, body: { pairs: [ONE, TWO] } }],
      'POST /duplicates/01PAIRONE/resolve': [
        { status: 409, body: { type: 'about:blank', title: 'Conflict', detail: 'the pair is already ignored', status: 'ignored', kept_id: null } },
      ],
      'POST /duplicates/01PAIRTWO/resolve': [{ status: 503, body: { status: 503, title: 'Service Unavailable', detail: 'try again' } }],
    });
    const root = await mount();
    await until(() => !!card(root, '01PAIRONE'));
    await act(() => button(card(root, '01PAIRONE'), 'Keep both').click());
    await until(() => !card(root, '01PAIRONE'));
    expect(root.querySelector('[role=status]')?.textContent?.trim()).toBe('This pair was already ignored (by someone else, or in another tab), so it has left the list.');
    await act(() => button(card(root, '01PAIRTWO'), 'Ignore').click());
    await until(() => !!card(root, '01PAIRTWO').querySelector('[role=alert]'));
    expect(card(root, '01PAIRTWO').querySelector('[role=alert]')?.textContent).toBe('The server could not answer. Please try again in a moment.');
    expect(button(card(root, '01PAIRTWO'), 'Ignore').disabled).toBe(false);
  });

  it('shows a birthday when a side has one, the other side a dash, marked as differing', async () => {
    const withBirthday = pair(
      '01PAIRBDAY',
      side('01ANNE', '+353871110001', { name: 'Anne Murphy', date_of_birth: '1990-03-12' }),
      side('01ANN', '+353861119999', { name: 'Ann Murphy' }),
    );
    withBirthday.reasons = ['similar name, same birthday'];
    withBirthday.score = 0.85;
    stubFetch({ 'GET /duplicates?limit=50': [{ status: 200, body: { pairs: [withBirthday, ONE], next_cursor: null } }] });
    const root = await mount();
    await until(() => root.querySelectorAll('article.pair').length === 2);
    const bday = card(root, '01PAIRBDAY');
    const fact = (s: Element, label: string) =>
      [...s.querySelectorAll('.facts > div')].find((d) => d.querySelector('dt')?.textContent === label)?.querySelector('dd')?.textContent;
    const [left, right] = [...bday.querySelectorAll('.side')];
    expect(fact(left, 'Birthday')).toBe('12 Mar 1990');
    expect(fact(right, 'Birthday')).toBe('—');
    expect([...right.querySelectorAll('.differs dt')].map((d) => d.textContent)).toContain('Birthday');
    expect(bday.querySelector('.reasons')?.textContent).toBe('similar name, same birthday');
    expect(bday.querySelector('.score')?.textContent).toBe('85% match');
    // A pair where neither side has a birthday shows no Birthday row.
    expect([...card(root, '01PAIRONE').querySelectorAll('.facts dt')].map((d) => d.textContent)).not.toContain('Birthday');
  });

  it('says what makes a pair, and that a name alone never does', async () => {
    stubFetch({ 'GET /duplicates?limit=50': [{ status: 200, body: { pairs: [], next_cursor: null } }] });
    const root = await mount();
    const hint = root.querySelector('.hint')?.textContent ?? '';
    expect(hint).toMatch(/similar name/);
    expect(hint).toMatch(/phone one digit apart/);
    expect(hint).toMatch(/same birthday/);
    expect(hint).toMatch(/same business domain/);
    expect(hint).toMatch(/same email name at another domain/);
    expect(hint).toMatch(/A name alone never makes a pair\./);
    expect(hint).not.toMatch(/last digits, or the same email name/);
  });

  it('shows no "Show more" on the last page', async () => {
    stubFetch({ 'GET /duplicates?limit=50': [{ status: 200, body: { pairs: [ONE, TWO], next_cursor: null } }] });
    const root = await mount();
    await until(() => root.querySelectorAll('article.pair').length === 2);
    expect(button(root, 'Show more')).toBeUndefined();
  });

  it('appends the next page on "Show more" (asked with the cursor), a repeated pair listed once, until there is no next_cursor', async () => {
    const THREE = pair('01PAIRTHREE', side('01CIAN', '+353851110001', { name: 'Cian Byrne' }), side('01CIAN2', '+353851110042', { name: 'Cian Byrne' }));
    const seen = stubFetch({
      'GET /duplicates?limit=50': [{ status: 200, body: { pairs: [ONE], next_cursor: 'PAGE/2=' } }],
      // The second page repeats ONE (e.g. recorded again between the two requests).
      'GET /duplicates?limit=50&cursor=PAGE%2F2%3D': [{ status: 200, body: { pairs: [ONE, TWO], next_cursor: 'PAGE3' } }],
      'GET /duplicates?limit=50&cursor=PAGE3': [{ status: 200, body: { pairs: [THREE], next_cursor: null } }],
      'POST /duplicates/01PAIRONE/resolve': [{ status: 200, body: { pair: { ...ONE, status: 'ignored' } } }],
    });
    const root = await mount();
    await until(() => !!button(root, 'Show more'));
    const ids = () => [...root.querySelectorAll('article.pair')].map((a) => a.getAttribute('data-pair'));
    expect(ids()).toEqual(['01PAIRONE']);
    await act(() => button(root, 'Show more').click());
    await until(() => ids().length === 2);
    expect(ids()).toEqual(['01PAIRONE', '01PAIRTWO']);
    expect(button(root, 'Show more')).toBeDefined();
    // Settling a pair keeps the pages read: the next "Show more" goes on from PAGE3.
    await act(() => button(card(root, '01PAIRONE'), 'Ignore').click());
    await until(() => !card(root, '01PAIRONE'));
    await act(() => button(root, 'Show more').click());
    await until(() => ids().includes('01PAIRTHREE'));
    expect(ids()).toEqual(['01PAIRTWO', '01PAIRTHREE']);
    expect(button(root, 'Show more')).toBeUndefined();
    expect(seen.filter((r) => r.method === 'GET').map((r) => r.path)).toEqual([
      '/duplicates?limit=50',
      '/duplicates?limit=50&cursor=PAGE%2F2%3D',
      '/duplicates?limit=50&cursor=PAGE3',
    ]);
  });

  it('says so when there is nothing to review', async () => {
    stubFetch({ 'GET /duplicates?limit=50': [{ status: 200, body: { pairs: [] } }] });
    const root = await mount();
    await until(() => !!root.querySelector('.empty'));
    expect(root.querySelector('.empty')?.textContent).toMatch(/^No possible duplicates\./);
    expect(root.querySelector('h1')?.textContent).toBe('Possible duplicates');
  });
});
