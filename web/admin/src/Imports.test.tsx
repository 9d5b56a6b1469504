import { afterEach, describe, expect, it, vi } from 'vitest';
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { ImportView } from './Imports';
import type { Import } from './imports';

const base: Import = {
  id: '01IMPORT',
  tenant_id: 'demo',
  file_name: 'clients.csv',
  format: 'csv',
  encoding: 'utf-8',
  delimiter: ',',
  bytes: 100,
  columns: ['Full Name', 'Mobile', 'Notes'],
  mapping: ['name', 'phone', 'notes'],
  on_existing: 'update',
  tags: [],
  status: 'mapping',
  counts: { total: 4, done: 0, created: 0, updated: 0, skipped: 0, refused: 0 },
  percent: 0,
  created_by: 'owner',
  created_at: '',
  updated_at: '',
  version: 1,
};

type Answer = { status: number; body: unknown };
/** Answers each request with the next answer for its method and path. */
function stubFetch(answers: Record<string, Answer[]>) {
  const seen: { method: string; path: string; body?: unknown; headers: Record<string, string> }[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit = {}) => {
      const method = init.method ?? 'GET';
      const path = url.replace(/^https?:\/\/[^/]+/, '');
      seen.push({ method, path, body: typeof init.body === 'string' ? JSON.parse(init.body) : init.body, headers: init.headers as Record<string, string> });
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

afterEach(() => {
  vi.unstubAllGlobals();
  document.body.innerHTML = '';
});

describe('the import wizard', () => {
  it('shows a 422 of the mapping beside the form, and previews once the mapping is whole', async () => {
    const seen = stubFetch({
      'GET /imports/01IMPORT': [{ status: 200, body: base }],
      'PATCH /imports/01IMPORT': [
        { status: 422, body: { status: 422, title: 'Unprocessable', errors: [{ field: 'mapping.phone', reason: 'no column is mapped to the phone or the email: a customer needs one' }] } },
        { status: 200, body: { ...base, mapping: ['name', 'phone', null], version: 2 } },
      ],
      'POST /imports/01IMPORT/preview': [
        {
          status: 200,
          body: {
            rows: [
              { row: 2, outcome: 'create', client: { name: 'Ann Byrne', phone: '+353871300000', tags: [], marketing_consent: false } },
              { row: 3, outcome: 'refuse', errors: [{ field: 'phone', reason: 'is not a valid phone number' }] },
            ],
          },
        },
      ],
    });
    const root = document.createElement('div');
    document.body.appendChild(root);
    await act(() => render(<ImportView id="01IMPORT" />, root));
    await until(() => !!root.querySelector('select'));
    const selects = root.querySelectorAll('select');
    expect([...selects].map((s) => s.value)).toEqual(['name', 'phone', 'notes']);
    expect(selects[1].getAttribute('aria-label')).toBe('Field for column Mobile');
    // Phone left out: the API says what is missing, above the table.
    await act(() => {
      selects[1].value = '';
      selects[1].dispatchEvent(new Event('change', { bubbles: true }));
    });
    await act(() => (root.querySelector('form') as HTMLFormElement).requestSubmit());
    await until(() => !!root.querySelector('[role=alert]'));
    expect(root.querySelector('[role=alert]')?.textContent).toBe('Phone: no column is mapped to the phone or the email: a customer needs one.');
    expect(seen.find((r) => r.method === 'PATCH')?.body).toEqual({ mapping: ['name', null, 'notes'], on_existing: 'update', tags: [] });
    expect(seen.find((r) => r.method === 'PATCH')?.headers['if-match']).toBe('"1"');
    // Phone again, notes skipped: saved, then previewed.
    await act(() => {
      selects[1].value = 'phone';
      selects[1].dispatchEvent(new Event('change', { bubbles: true }));
      selects[2].value = '';
      selects[2].dispatchEvent(new Event('change', { bubbles: true }));
    });
    await act(() => (root.querySelector('form') as HTMLFormElement).requestSubmit());
    await until(() => !!root.querySelector('table.preview'));
    const rows = [...root.querySelectorAll('table.preview tbody tr')].map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent));
    expect(rows).toEqual([
      ['2', 'Ann Byrne', '+353871300000', '—', 'new customer', ''],
      ['3', '—', '—', '—', 'refused', 'Phone: is not a valid phone number'],
    ]);
    expect(root.querySelector('[aria-current=step]')?.textContent).toBe('Preview');
  });

  it('polls a running import each second: the progress bar moves, then the summary with its counts', async () => {
    stubFetch({
      'GET /imports/01IMPORT': [
        { status: 200, body: { ...base, status: 'running', percent: 25, counts: { ...base.counts, done: 1, created: 1 } } },
        { status: 200, body: { ...base, status: 'running', percent: 50, counts: { ...base.counts, done: 2, created: 2 } } },
        { status: 200, body: { ...base, status: 'done', percent: 100, counts: { total: 4, done: 4, created: 2, updated: 0, skipped: 1, refused: 1 } } },
      ],
    });
    const root = document.createElement('div');
    document.body.appendChild(root);
    await act(() => render(<ImportView id="01IMPORT" />, root));
    await until(() => !!root.querySelector('[role=progressbar]'));
    const bar = () => root.querySelector('[role=progressbar]')!;
    expect(bar().getAttribute('aria-valuenow')).toBe('25');
    expect(root.querySelector('h2')?.textContent).toBe('Importing');
    expect(root.textContent).toContain('Cancel import');
    await until(() => bar().getAttribute('aria-valuenow') === '50');
    await until(() => root.querySelector('h2')?.textContent === 'Import done');
    expect(bar().getAttribute('aria-valuenow')).toBe('100');
    expect(root.textContent).toContain('2 new customers, 0 updated, 1 skipped, 1 refused');
    expect(root.textContent).toContain('Download refused rows (1)');
    expect(root.textContent).not.toContain('Cancel import');
  }, 10_000);
});
