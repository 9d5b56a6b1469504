import { describe, expect, it } from 'vitest';
import { boardColumns, canMove, Column, currencySymbol, dayDate, dueIn, fromMinor, isOverdue, joinCsvPages, joinDays, Lead, money, moveOnBoard, setCurrency, textsFromTimeline, toMinor } from './model';

const lead = (id: string, status: Lead['status'], value: number): Lead => ({
  id,
  name: id,
  phone: '+353870000000',
  phone_raw: '087 000 0000',
  tenant_id: 'demo',
  status,
  expected_value: value,
  source: 'website',
  touch: {},
  stale: false,
  created_at: '2026-11-01T10:00:00Z',
  updated_at: '2026-11-01T10:00:00Z',
  version: 1,
});

describe('board grouping', () => {
  it('shows every status in pipeline order, empty ones too', () => {
    const cols = boardColumns([
      { status: 'won', count: 1, expected_value: 100, leads: [lead('w', 'won', 100)], next_cursor: null },
      { status: 'new', count: 2, expected_value: 300, leads: [lead('a', 'new', 100), lead('b', 'new', 200)], next_cursor: null },
    ]);
    expect(cols.map((c) => c.status)).toEqual(['new', 'contacted', 'follow_up', 'booked', 'won', 'lost']);
    expect(cols[1]).toEqual({ status: 'contacted', count: 0, expected_value: 0, leads: [], next_cursor: null });
    expect(cols[0].count).toBe(2);
  });

  it('moves a card with its count and money', () => {
    const a = lead('a', 'new', 6000);
    const cols: Column[] = boardColumns([{ status: 'new', count: 2, expected_value: 9000, leads: [a, lead('b', 'new', 3000)], next_cursor: null }]);
    const moved = moveOnBoard(cols, a, 'contacted');
    const byStatus = Object.fromEntries(moved.map((c) => [c.status, c]));
    expect(byStatus.new.count).toBe(1);
    expect(byStatus.new.expected_value).toBe(3000);
    expect(byStatus.new.leads.map((l) => l.id)).toEqual(['b']);
    expect(byStatus.contacted.count).toBe(1);
    expect(byStatus.contacted.expected_value).toBe(6000);
    expect(byStatus.contacted.leads[0].status).toBe('contacted');
    expect(moveOnBoard(cols, a, 'new')).toEqual(cols);
  });

  it('follows the status machine', () => {
    expect(canMove('new', 'contacted')).toBe(true);
    expect(canMove('lost', 'contacted')).toBe(true);
    expect(canMove('lost', 'won')).toBe(false);
    expect(canMove('won', 'lost')).toBe(false);
    expect(canMove('booked', 'won')).toBe(true);
  });

  it('formats minor units as euros', () => {
    expect(money(19500)).toBe('€195');
    expect(money(1999)).toBe('€19.99');
    expect(money(null)).toBe('€0');
  });

  it("shows money in the business's currency, by its own minor unit", () => {
    setCurrency('JPY');
    try {
      expect(money(1500)).toBe('JP¥1,500');
      expect(toMinor('1500')).toBe(1500);
      expect(currencySymbol()).toBe('JP¥');
    } finally {
      setCurrency('EUR');
    }
    expect(money(1500, 'GBP')).toBe('£15');
    expect(toMinor('12.50')).toBe(1250);
    expect(fromMinor(1250)).toBe('12.5');
    expect(toMinor('12,50')).toBeNull();
    setCurrency('nonsense');
    expect(money(100)).toBe('€1');
  });
});

describe('tasks', () => {
  const now = new Date('2026-11-02T12:00:00Z');
  it('an open task past its due time is overdue; a done one never is', () => {
    expect(isOverdue({ status: 'open', due_at: '2026-11-02T11:59:00Z' }, now)).toBe(true);
    expect(isOverdue({ status: 'open', due_at: '2026-11-02T12:30:00Z' }, now)).toBe(false);
    expect(isOverdue({ status: 'done', due_at: '2026-11-01T12:00:00Z' }, now)).toBe(false);
  });

  it('says how far the due time is', () => {
    expect(dueIn('2026-11-02T12:25:00Z', now)).toBe('in 25 min');
    expect(dueIn('2026-11-02T10:00:00Z', now)).toBe('2 h overdue');
    expect(dueIn('2026-10-30T12:00:00Z', now)).toBe('3 days overdue');
    expect(dueIn('2026-11-02T12:00:10Z', now)).toBe('now');
  });
});

describe('texts on the timeline', () => {
  it('one per message at its latest status, newest first', () => {
    const entry = (id: string, at: string, message_id: string, status: string, body: string) => ({
      id,
      at,
      type: 'message',
      text: `Text (manual) ${status}`,
      data: { message_id, kind: 'manual', status, reason: null, body },
    });
    const texts = textsFromTimeline([
      {
        date: '2026-11-02',
        counts: { message: 3 },
        entries: [
          entry('e3', '2026-11-02T10:00:05Z', 'm2', 'sent', 'Second'),
          entry('e2', '2026-11-02T10:00:00Z', 'm2', 'queued', 'Second'),
          { id: 'n1', at: '2026-11-02T09:00:00Z', type: 'note', text: 'a note', data: null },
        ],
      },
      { date: '2026-11-01', counts: { message: 1 }, entries: [entry('e1', '2026-11-01T09:00:00Z', 'm1', 'delivered', 'First')] },
    ]);
    expect(texts.map((t) => [t.message_id, t.status, t.body])).toEqual([
      ['m2', 'sent', 'Second'],
      ['m1', 'delivered', 'First'],
    ]);
  });
});

describe('timeline pages', () => {
  const day = (date: string, ids: string[], counts: Record<string, number>) => ({
    date,
    counts,
    entries: ids.map((id) => ({ id, type: 'note', at: `${date}T10:00:00Z`, text: id, data: null })),
  });
  it('joins a day split across two pages into one, its counts added up', () => {
    const joined = joinDays([day('2026-12-06', ['a'], { note: 1 }), day('2026-12-05', ['b'], { note: 1 })], [day('2026-12-05', ['c'], { note: 1, tag: 0 }), day('2026-12-01', ['d'], { note: 1 })]);
    expect(joined.map((d) => d.date)).toEqual(['2026-12-06', '2026-12-05', '2026-12-01']);
    expect(joined[1].entries.map((e) => e.id)).toEqual(['b', 'c']);
    expect(joined[1].counts).toEqual({ note: 2, tag: 0 });
  });
  it('appends pages that start on a new day', () => {
    expect(joinDays([day('2026-12-06', ['a'], { note: 1 })], [day('2026-12-04', ['b'], { note: 1 })]).length).toBe(2);
    expect(joinDays([], [day('2026-12-04', ['b'], { note: 1 })]).length).toBe(1);
  });
});

describe('joinCsvPages', () => {
  it('keeps the header once and every row of every page, in order', () => {
    const pages = ['id,name\n1,Ann\n2,"Bo\nB"\n', 'id,name\n3,Cat\n', 'id,name\n'];
    expect(joinCsvPages(pages)).toBe('id,name\n1,Ann\n2,"Bo\nB"\n3,Cat\n');
  });
  it('is the one page when there is one, and nothing when there is none', () => {
    expect(joinCsvPages(['id,name\n1,Ann\n'])).toBe('id,name\n1,Ann\n');
    expect(joinCsvPages(['id,name'])).toBe('id,name\n');
    expect(joinCsvPages([])).toBe('');
  });
});

describe('dayDate', () => {
  it('shows a calendar day like the other dates, that day wherever the browser is', () => {
    // Node reads TZ again when it changes (no @types/node here, hence the cast).
    const env = (globalThis as unknown as { process: { env: Record<string, string | undefined> } }).process.env;
    const tz = env.TZ;
    try {
      for (const zone of ['UTC', 'America/New_York', 'Pacific/Auckland']) {
        env.TZ = zone;
        expect(dayDate('1990-03-12')).toBe('12 Mar 1990');
      }
    } finally {
      if (tz === undefined) delete env.TZ;
      else env.TZ = tz;
    }
    expect(dayDate(undefined)).toBe('—');
    expect(dayDate('')).toBe('—');
  });
});
