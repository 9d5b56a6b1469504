// Types of the admin API's answers and the pure logic the screens share.

import type { components } from './api.gen';

/** The API's schemas, generated from the Rust types (`npm run api-types`). */
type Schemas = components['schemas'];

export type Status = Schemas['LeadStatus'];
/** Every status, in pipeline order. */
export const STATUSES = ['new', 'contacted', 'follow_up', 'booked', 'won', 'lost'] as const satisfies readonly Status[];
/** A status the API has and STATUSES leaves out fails the type-check here. */
export const EVERY_STATUS_LISTED: [Exclude<Status, (typeof STATUSES)[number]>] extends [never] ? true : never = true;

export type Lead = Schemas['Lead'];
export type LeadEvent = Schemas['StatusEvent'];
export type Note = Schemas['Note'];
export type LeadDetail = Schemas['LeadDetail'];
export type Column = Schemas['BoardColumn'];

/** The status machine (DESIGN §2.1): where a lead in `from` may go. */
export const TRANSITIONS: Record<Status, Status[]> = {
  new: ['contacted', 'follow_up', 'booked', 'lost'],
  contacted: ['follow_up', 'booked', 'lost'],
  follow_up: ['contacted', 'booked', 'lost'],
  booked: ['won', 'follow_up', 'lost'],
  won: [],
  lost: ['contacted'],
};

export function canMove(from: Status, to: Status): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Board columns in status order, every status present even when the API left one out. */
export function boardColumns(columns: Column[]): Column[] {
  const by = new Map(columns.map((c) => [c.status, c]));
  return STATUSES.map((s) => by.get(s) ?? { status: s, count: 0, expected_value: 0, leads: [], next_cursor: null });
}

/** The board after moving `lead` to `to`, before the server answers (optimistic). */
export function moveOnBoard(columns: Column[], lead: Lead, to: Status): Column[] {
  const value = lead.expected_value ?? 0;
  return columns.map((c) => {
    if (c.status === lead.status && c.status !== to) {
      return {
        ...c,
        count: Math.max(0, c.count - 1),
        expected_value: c.expected_value - value,
        leads: c.leads.filter((l) => l.id !== lead.id),
      };
    }
    if (c.status === to && lead.status !== to) {
      return {
        ...c,
        count: c.count + 1,
        expected_value: c.expected_value + value,
        leads: [{ ...lead, status: to }, ...c.leads],
      };
    }
    return c;
  });
}

export function statusLabel(s: string): string {
  return (
    { new: 'New', contacted: 'Contacted', follow_up: 'Follow-up', booked: 'Booked', won: 'Won', lost: 'Lost' }[s] ??
    s.replace(/_/g, ' ')
  );
}

/** The business's currency (GET /business): money on every screen is in it. */
let businessCurrency = 'EUR';
export function setCurrency(code: string): void {
  if (/^[A-Z]{3}$/.test(code)) businessCurrency = code;
}
export function currency(): string {
  return businessCurrency;
}

/** Decimal places of `code`'s minor unit: 2 for EUR, 0 for JPY, 3 for KWD. */
export function minorDigits(code: string = businessCurrency): number {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency: code }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

/** An amount typed in major units ("12.50") as minor units (1250), or null when it is not one. */
export function toMinor(text: string, code: string = businessCurrency): number | null {
  const t = text.trim();
  if (!/^\d+(\.\d+)?$/.test(t)) return null;
  return Math.round(Number(t) * 10 ** minorDigits(code));
}

/** Minor units as the major-unit number an input shows (1250 → "12.5"). */
export function fromMinor(minor: number, code: string = businessCurrency): string {
  return String(minor / 10 ** minorDigits(code));
}

/** Minor units as money in the business's currency, e.g. 19500 → "€195", 1500 JPY → "JP¥1,500". */
export function money(minor: number | null | undefined, code: string = businessCurrency): string {
  const v = (minor ?? 0) / 10 ** minorDigits(code);
  try {
    return new Intl.NumberFormat('en-IE', {
      style: 'currency',
      currency: code,
      maximumFractionDigits: Number.isInteger(v) ? 0 : minorDigits(code),
    }).format(v);
  } catch {
    return `${v} ${code}`;
  }
}

/** The currency's symbol ("€", "£", "$"), for labels. */
export function currencySymbol(code: string = businessCurrency): string {
  try {
    return new Intl.NumberFormat('en-IE', { style: 'currency', currency: code }).formatToParts(0).find((p) => p.type === 'currency')?.value ?? code;
  } catch {
    return code;
  }
}

export function shortDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return d.toLocaleDateString('en-IE', { day: 'numeric', month: 'short', year: 'numeric' });
}
/**
 * A calendar day ("YYYY-MM-DD", such as a birthday) like shortDate: "12 Mar 1990". Read as
 * that day wherever the browser is (not as UTC midnight, which is the day before west of it).
 */
export function dayDate(ymd: string | null | undefined): string {
  if (!ymd) return '—';
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(ymd);
  if (!m) return shortDate(ymd);
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return d.toLocaleDateString('en-IE', { day: 'numeric', month: 'short', year: 'numeric' });
}
export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString('en-IE', { dateStyle: 'medium', timeStyle: 'short' });
}

export type CustomerRow = Schemas['CustomerRow'];
export type TimelineEntry = Schemas['TimelineEntry'];
export type TimelineDay = Schemas['TimelineDay'];

/**
 * The timeline's next page after the days already shown: a day split across the two pages
 * becomes one day again (its entries in order, its counts added up).
 */
export function joinDays(have: TimelineDay[], page: TimelineDay[]): TimelineDay[] {
  const last = have[have.length - 1];
  const first = page[0];
  if (!last || !first || last.date !== first.date) return [...have, ...page];
  const counts = { ...last.counts };
  for (const [k, n] of Object.entries(first.counts)) counts[k] = (counts[k] ?? 0) + n;
  return [...have.slice(0, -1), { date: last.date, counts, entries: [...last.entries, ...first.entries] }, ...page.slice(1)];
}

/** The timeline's entry types, each a filter on the profile. */
export const TIMELINE_TYPES = ['lead', 'status', 'booking', 'milestone', 'segment', 'stage', 'tier', 'points', 'note', 'tag', 'profile', 'created', 'message', 'call', 'import', 'merge'];

/** A caller the business did not speak to (GET /missed-calls). */
export type MissedCall = Schemas['MissedCall'];

/** A follow-up task (GET /tasks, and a lead's `tasks`). */
export type Task = Schemas['Task'];

/** An open task whose due time has passed. */
export function isOverdue(task: Pick<Task, 'status' | 'due_at'>, now: Date = new Date()): boolean {
  return task.status === 'open' && new Date(task.due_at).getTime() < now.getTime();
}

/** How far a due time is from now, in words: "in 25 min", "2 h overdue", "3 days overdue". */
export function dueIn(dueAt: string, now: Date = new Date()): string {
  const ms = new Date(dueAt).getTime() - now.getTime();
  const mins = Math.round(Math.abs(ms) / 60_000);
  const span = mins < 60 ? `${mins} min` : mins < 48 * 60 ? `${Math.round(mins / 60)} h` : `${Math.round(mins / 1440)} days`;
  if (mins === 0) return 'now';
  return ms < 0 ? `${span} overdue` : `in ${span}`;
}

/** A text as the customer's timeline tells it (its latest status). */
export interface SentText {
  message_id: string;
  at: string;
  kind: string;
  status: string;
  reason?: string | null;
  body: string;
}

/** The texts on a timeline (`type=message` entries), one per message at its latest status, newest first. */
export function textsFromTimeline(days: TimelineDay[]): SentText[] {
  const by = new Map<string, SentText>();
  for (const day of days) {
    for (const e of day.entries) {
      if (e.type !== 'message') continue;
      const d = (e.data ?? {}) as Record<string, unknown>;
      const id = typeof d.message_id === 'string' ? d.message_id : e.id;
      const text: SentText = {
        message_id: id,
        at: e.at,
        kind: String(d.kind ?? 'manual'),
        status: String(d.status ?? ''),
        reason: (d.reason as string | null | undefined) ?? null,
        body: String(d.body ?? e.text),
      };
      const seen = by.get(id);
      if (!seen || seen.at < text.at) by.set(id, seen ? { ...text, at: text.at } : text);
    }
  }
  return [...by.values()].sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
}

/** A note staff wrote on a customer (a timeline entry of type `note`). */
export type CustomerNote = Schemas['CustomerNote'];

/** The notes on a timeline (`type=note` entries, whose data is the note), newest first. */
export function notesFromTimeline(days: TimelineDay[]): CustomerNote[] {
  const notes: CustomerNote[] = [];
  for (const day of days) {
    for (const e of day.entries) {
      if (e.type !== 'note') continue;
      const d = (e.data ?? {}) as Partial<CustomerNote>;
      notes.push({
        id: typeof d.id === 'string' ? d.id : e.id,
        body: typeof d.body === 'string' ? d.body : e.text,
        author: typeof d.author === 'string' ? d.author : '',
        created_at: typeof d.created_at === 'string' ? d.created_at : e.at,
        edited_at: typeof d.edited_at === 'string' ? d.edited_at : undefined,
      });
    }
  }
  return notes.sort((a, b) => (a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : 0));
}

/**
 * One CSV file from the responses of a paged export: the first response's header row once,
 * then every response's rows (each later response repeats the header; it is dropped).
 */
export function joinCsvPages(pages: string[]): string {
  const body = (text: string) => {
    const nl = text.indexOf('\n');
    return nl < 0 ? '' : text.slice(nl + 1);
  };
  const [first, ...rest] = pages;
  if (first === undefined) return '';
  return [first, ...rest.map(body)].filter((p) => p !== '').map((p) => (p.endsWith('\n') ? p : `${p}\n`)).join('');
}
