// Types of the admin API's answers and the pure logic the screens share.

export const STATUSES = ['new', 'contacted', 'follow_up', 'booked', 'won', 'lost'] as const;
export type Status = (typeof STATUSES)[number];

export interface Lead {
  id: string;
  name: string;
  phone: string;
  phone_raw?: string;
  email?: string | null;
  service?: string | null;
  message?: string | null;
  status: Status;
  lost_reason?: string | null;
  assignee?: string | null;
  expected_value?: number | null;
  source: string;
  stale: boolean;
  created_at: string;
  updated_at: string;
  version: number;
  customer_id?: string | null;
  touch?: Record<string, string>;
}

export interface LeadEvent {
  from?: string;
  to: string;
  actor?: string;
  reason?: string | null;
  at: string;
}
export interface Note {
  id: string;
  body: string;
  author?: string;
  created_at: string;
}
export interface LeadDetail extends Lead {
  events: LeadEvent[];
  notes: Note[];
}

export interface Column {
  status: Status;
  count: number;
  expected_value: number;
  leads: Lead[];
  next_cursor?: string | null;
}

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
  return STATUSES.map((s) => by.get(s) ?? { status: s, count: 0, expected_value: 0, leads: [] });
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

/** Minor units (cents) as money, e.g. 19500 → "€195". */
export function money(minor: number | null | undefined, currency = 'EUR'): string {
  const v = (minor ?? 0) / 100;
  return new Intl.NumberFormat('en-IE', {
    style: 'currency',
    currency,
    maximumFractionDigits: Number.isInteger(v) ? 0 : 2,
  }).format(v);
}

export function shortDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return d.toLocaleDateString('en-IE', { day: 'numeric', month: 'short', year: 'numeric' });
}
export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString('en-IE', { dateStyle: 'medium', timeStyle: 'short' });
}

export interface CustomerRow {
  id: string;
  name: string;
  phone?: string | null;
  email?: string | null;
  lifetime_value: number;
  visits: number;
  points: number;
  no_shows: number;
  last_visit?: string | null;
  segment: string;
  stage: string;
  tier: string;
  at_risk: boolean;
  tags: string[];
  auto_tags: string[];
  source?: string | null;
  created_at: string;
  version: number;
}

export interface TimelineEntry {
  id: string;
  at: string;
  type: string;
  text: string;
  data?: Record<string, unknown>;
}
export interface TimelineDay {
  date: string;
  counts: Record<string, number>;
  entries: TimelineEntry[];
}

export const TIMELINE_TYPES = ['lead', 'status', 'booking', 'milestone', 'segment', 'stage', 'note', 'tag', 'profile', 'created', 'message'];
