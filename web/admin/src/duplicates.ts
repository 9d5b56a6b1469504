// Possible duplicates (GET /duplicates, POST /duplicates/{id}/resolve): the pure logic of the
// review screen — a side's facts as text, the customer each button keeps, what a merge moves,
// the score in words, and what the screen says after an action. The existing customer is on
// the left, the one made later on the right.

import type { components } from './api.gen';
import { ApiError } from './api';
import { dayDate, money, shortDate } from './model';

type Schemas = components['schemas'];

/** A pair with both customers (GET /duplicates). */
export type Review = Schemas['Review'];
/** One side of a pair. */
export type Side = Schemas['Side'];
export type Reviews = Schemas['Reviews'];
/** POST /duplicates/{id}/resolve's body and answer. */
export type Resolution = Schemas['Resolution'];
export type Resolved = Schemas['Resolved'];

export type Action = 'merge' | 'keep_both' | 'ignore';
export type Hand = 'left' | 'right';

/** Who may review duplicates (the API's route table: owners and admins). */
export function mayReview(role: string | undefined): boolean {
  return role === 'owner' || role === 'admin';
}

/** The side shown on `hand`: the existing customer on the left, the later one on the right. */
export function sideOf(pair: Review, hand: Hand): Side {
  return hand === 'left' ? pair.existing : pair.new;
}

/** The customer "Merge into left/right" keeps. */
export function keepFor(pair: Review, hand: Hand): string {
  return sideOf(pair, hand).id;
}

/** The request body of each button. */
export function resolution(pair: Review, action: Action, hand?: Hand): Resolution {
  if (action === 'merge') return { action, keep: keepFor(pair, hand ?? 'left') };
  return { action };
}

/** The score (0..1) as a percentage: 0.9 → "90% match". */
export function scoreText(score: number): string {
  if (!Number.isFinite(score)) return 'match score unknown';
  const pct = Math.round(Math.min(1, Math.max(0, score)) * 100);
  return `${pct}% match`;
}

/** A pair's heading: "Two records of Niamh Kelly", or both names when they differ. */
export function pairTitle(pair: Review): string {
  const a = pair.existing.name.trim() || 'No name';
  const b = pair.new.name.trim() || 'No name';
  return a.toLowerCase() === b.toLowerCase() ? `Two records of ${a}` : `${a} and ${b}`;
}

const list = (xs: readonly string[]) => (xs.length ? xs.join(', ') : '—');

/**
 * What the card shows of a side, label and text, in order. The birthday is there when the
 * side has one, or when `birthday` asks for it (the other side has one: the rows line up).
 */
export function sideFacts(side: Side, birthday = Boolean(side.date_of_birth)): [string, string][] {
  return [
    ['Phones', list(side.phones)],
    ['Emails', list(side.emails)],
    ...(birthday ? [['Birthday', dayDate(side.date_of_birth)] as [string, string]] : []),
    ['Tags', list(side.tags)],
    ['Visits', String(side.visits)],
    ['Bookings', String(side.bookings)],
    ['Lifetime value', money(side.lifetime_value)],
    ['Last visit', shortDate(side.last_visit)],
    ['Created', shortDate(side.created_at)],
    ['Source', side.source ? side.source.replace(/_/g, ' ') : '—'],
  ];
}

/** Whether a pair's cards show a Birthday row (either side has one). */
export function showsBirthday(pair: Review): boolean {
  return Boolean(pair.existing.date_of_birth || pair.new.date_of_birth);
}

/** The labels of the facts that differ between the two sides (shown marked). */
export function differing(pair: Review): Set<string> {
  const birthday = showsBirthday(pair);
  const left = new Map(sideFacts(pair.existing, birthday));
  return new Set(
    sideFacts(pair.new, birthday)
      .filter(([label, text]) => left.get(label) !== text)
      .map(([label]) => label),
  );
}

/**
 * The pairs so far followed by the next page's, a pair already listed not twice (a page may
 * repeat one, e.g. when pairs were settled or recorded between the two requests).
 */
export function joinPairs(have: Review[], page: Review[]): Review[] {
  const seen = new Set(have.map((p) => p.id));
  const out = [...have];
  for (const p of page) {
    if (seen.has(p.id)) continue;
    seen.add(p.id);
    out.push(p);
  }
  return out;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** What a merge into `hand` does: who stays, who goes, and what moves, in words. */
export function mergePlan(pair: Review, hand: Hand): { keep: Side; remove: Side; moves: string[] } {
  const keep = sideOf(pair, hand);
  const remove = sideOf(pair, hand === 'left' ? 'right' : 'left');
  const fresh = (theirs: string[], mine: string[]) => theirs.filter((x) => !mine.some((m) => m.toLowerCase() === x.toLowerCase()));
  const phones = fresh(remove.phones, keep.phones);
  const emails = fresh(remove.emails, keep.emails);
  const tags = fresh(remove.tags, keep.tags);
  const moves: string[] = [];
  if (phones.length) moves.push(`${phones.length === 1 ? 'Phone' : 'Phones'} ${phones.join(', ')}`);
  if (emails.length) moves.push(`${emails.length === 1 ? 'Email' : 'Emails'} ${emails.join(', ')}`);
  if (tags.length) moves.push(`${tags.length === 1 ? 'Tag' : 'Tags'} ${tags.join(', ')}`);
  if (remove.bookings > 0)
    moves.push(`${plural(remove.bookings, 'booking')} (${plural(remove.visits, 'visit')}, ${money(remove.lifetime_value)} lifetime value)`);
  moves.push('Notes, texts, calls, leads and the timeline');
  return { keep, remove, moves };
}

/** What the screen says once a pair is resolved. */
export function resolvedText(pair: Review, action: Action, keptId?: string | null): string {
  if (action === 'merge') {
    const hand: Hand = keptId === pair.new.id ? 'right' : 'left';
    const { keep, remove } = mergePlan(pair, hand);
    return `Merged: ${remove.name} is now part of ${keep.name}.`;
  }
  if (action === 'keep_both') return `Kept both: ${pair.existing.name} and ${pair.new.name} stay two customers.`;
  return `Ignored: ${pairTitle(pair)} is no longer flagged.`;
}

/** The statuses a resolved pair has, in words. */
const STATUS_WORDS: Record<string, string> = {
  merged: 'merged',
  merging: 'being merged',
  kept_both: 'kept as two customers',
  ignored: 'ignored',
};

/**
 * Why an action on a pair failed, and whether the pair should leave the list: a 409 (resolved
 * otherwise, by someone else or in another tab) or a 404 (the pair or one of its customers is
 * gone) takes it off; anything else leaves it to try again.
 */
export function failure(err: unknown, pair?: Review): { text: string; drop: boolean } | null {
  if (!(err instanceof ApiError)) return null;
  if (err.status === 409) {
    // The API puts the pair's status in the problem's `status` (where the HTTP status would be).
    const said = typeof err.problem.status === 'string' ? (err.problem.status as string) : '';
    if (said === 'merging') {
      // A merge started (here or elsewhere) and did not finish: sending it again finishes it.
      const kept = typeof err.problem.kept_id === 'string' ? err.problem.kept_id : null;
      const hand = pair && kept ? (kept === pair.existing.id ? 'left' : kept === pair.new.id ? 'right' : null) : null;
      return {
        text: `A merge of this pair${hand ? ` into the ${hand} customer` : ''} was started and has not finished; choose “Merge into ${hand ?? 'the same side'}” to finish it.`,
        drop: false,
      };
    }
    const words = STATUS_WORDS[said] ?? 'resolved';
    return { text: `This pair was already ${words} (by someone else, or in another tab), so it has left the list.`, drop: true };
  }
  if (err.status === 404) return { text: 'This pair is gone: one of its customers was deleted or merged. It has left the list.', drop: true };
  return null;
}

/**
 * The customer id a followed redirect of GET /customers/{id} ended at (a merged customer's old
 * id answers 301 to the one kept), from the final URL; null when it names no customer.
 */
export function customerIdFromUrl(url: string | null | undefined): string | null {
  if (!url) return null;
  let path: string;
  try {
    path = new URL(url, 'http://x').pathname;
  } catch {
    return null;
  }
  const m = path.match(/\/customers\/([0-9A-Za-z]+)\/?$/);
  return m ? m[1] : null;
}

/**
 * Where the profile of `requested` really is, from what GET /customers/{requested} answered:
 * the customer in the body when it is another one (fetch followed the 301), or the body's
 * `merged_into` (a 301 not followed), or null when it is this one.
 */
export function mergedInto(requested: string, body: unknown): string | null {
  const b = (body && typeof body === 'object' ? body : {}) as { customer?: { id?: unknown }; merged_into?: unknown };
  if (typeof b.merged_into === 'string' && b.merged_into !== requested) return b.merged_into;
  const id = b.customer?.id;
  if (typeof id === 'string' && id !== requested) return id;
  return null;
}
