import { describe, expect, it } from 'vitest';
import { ApiError } from './api';
import {
  customerIdFromUrl,
  differing,
  failure,
  joinPairs,
  keepFor,
  mayReview,
  mergedInto,
  mergePlan,
  pairTitle,
  resolution,
  resolvedText,
  Review,
  scoreText,
  Side,
  showsBirthday,
  sideFacts,
} from './duplicates';

const side = (over: Partial<Side> = {}): Side => ({
  id: '01LEFT',
  name: 'Niamh Kelly',
  phones: ['+353871110001'],
  emails: [],
  tags: [],
  visits: 0,
  bookings: 0,
  lifetime_value: 0,
  created_at: '2026-03-02T10:00:00Z',
  version: 1,
  ...over,
});

const pair = (over: Partial<Review> = {}): Review => ({
  id: '01PAIR',
  existing_id: '01LEFT',
  new_id: '01RIGHT',
  score: 0.9,
  reasons: ['same name, phone differs in the last digits'],
  status: 'pending',
  created_at: '2026-03-05T10:00:00Z',
  existing: side(),
  new: side({ id: '01RIGHT', phones: ['+353871110077'], created_at: '2026-03-05T10:00:00Z' }),
  ...over,
});

describe('who may review', () => {
  it('is owners and admins, as the API says', () => {
    expect(mayReview('owner')).toBe(true);
    expect(mayReview('admin')).toBe(true);
    expect(mayReview('staff')).toBe(false);
    expect(mayReview(undefined)).toBe(false);
  });
});

describe('the buttons', () => {
  it('keep the existing customer on the left and the later one on the right', () => {
    const p = pair();
    expect(keepFor(p, 'left')).toBe('01LEFT');
    expect(keepFor(p, 'right')).toBe('01RIGHT');
    expect(resolution(p, 'merge', 'left')).toEqual({ action: 'merge', keep: '01LEFT' });
    expect(resolution(p, 'merge', 'right')).toEqual({ action: 'merge', keep: '01RIGHT' });
  });
  it('send no keep for keep both and ignore', () => {
    expect(resolution(pair(), 'keep_both')).toEqual({ action: 'keep_both' });
    expect(resolution(pair(), 'ignore', 'right')).toEqual({ action: 'ignore' });
  });
});

describe('the score', () => {
  it('is a whole percentage', () => {
    expect(scoreText(0.9)).toBe('90% match');
    expect(scoreText(0.8)).toBe('80% match');
    expect(scoreText(0.755)).toBe('76% match');
    expect(scoreText(1)).toBe('100% match');
  });
  it('stays within 0 and 100, and says when it is unknown', () => {
    expect(scoreText(1.3)).toBe('100% match');
    expect(scoreText(-0.2)).toBe('0% match');
    expect(scoreText(Number.NaN)).toBe('match score unknown');
  });
});

describe('a side', () => {
  it('shows every fact, an empty one as a dash, money in the business currency', () => {
    const facts = sideFacts(
      side({
        phones: ['+353871110001', '+353861234567'],
        emails: ['niamh@example.ie'],
        tags: ['vip'],
        visits: 3,
        bookings: 4,
        lifetime_value: 19500,
        last_visit: '2026-02-14T15:00:00Z',
        source: 'walk_in',
      }),
    );
    expect(Object.fromEntries(facts)).toEqual({
      Phones: '+353871110001, +353861234567',
      Emails: 'niamh@example.ie',
      Tags: 'vip',
      Visits: '3',
      Bookings: '4',
      'Lifetime value': '€195',
      'Last visit': '14 Feb 2026',
      Created: '2 Mar 2026',
      Source: 'walk in',
    });
    expect(facts.map(([label]) => label)).toEqual(['Phones', 'Emails', 'Tags', 'Visits', 'Bookings', 'Lifetime value', 'Last visit', 'Created', 'Source']);
    const bare = Object.fromEntries(sideFacts(side({ phones: [] })));
    expect([bare.Phones, bare.Emails, bare.Tags, bare['Last visit'], bare.Source]).toEqual(['—', '—', '—', '—', '—']);
  });
  it('marks the facts that differ between the two', () => {
    expect([...differing(pair())].sort()).toEqual(['Created', 'Phones']);
  });
  it('shows the birthday after the emails when known, as a calendar day', () => {
    const facts = sideFacts(side({ date_of_birth: '1990-03-12' }));
    expect(facts.map(([label]) => label)).toEqual(['Phones', 'Emails', 'Birthday', 'Tags', 'Visits', 'Bookings', 'Lifetime value', 'Last visit', 'Created', 'Source']);
    expect(Object.fromEntries(facts).Birthday).toBe('12 Mar 1990');
    // Unknown: no row, unless the other side has one (then a dash, so the rows line up).
    expect(sideFacts(side()).map(([label]) => label)).not.toContain('Birthday');
    expect(Object.fromEntries(sideFacts(side(), true)).Birthday).toBe('—');
  });
  it('marks a birthday only one side has, or two that differ, and not the same one', () => {
    const one = pair({ existing: side({ date_of_birth: '1990-03-12' }) });
    expect(showsBirthday(one)).toBe(true);
    expect(differing(one).has('Birthday')).toBe(true);
    const same = pair({ existing: side({ date_of_birth: '1990-03-12' }), new: side({ id: '01RIGHT', date_of_birth: '1990-03-12' }) });
    expect(differing(same).has('Birthday')).toBe(false);
    expect(showsBirthday(pair())).toBe(false);
  });
});

describe('the next page', () => {
  it('comes after the pairs so far, a pair already listed not twice', () => {
    const a = pair({ id: 'A' });
    const b = pair({ id: 'B' });
    const c = pair({ id: 'C' });
    expect(joinPairs([a, b], [b, c, c]).map((p) => p.id)).toEqual(['A', 'B', 'C']);
    expect(joinPairs([], [a]).map((p) => p.id)).toEqual(['A']);
    expect(joinPairs([a], []).map((p) => p.id)).toEqual(['A']);
  });
});

describe('the title', () => {
  it('says two records of one name, or both names', () => {
    expect(pairTitle(pair())).toBe('Two records of Niamh Kelly');
    expect(pairTitle(pair({ new: side({ id: '01RIGHT', name: 'niamh kelly ' }) }))).toBe('Two records of Niamh Kelly');
    expect(pairTitle(pair({ new: side({ id: '01RIGHT', name: 'Ann Murphy' }) }))).toBe('Niamh Kelly and Ann Murphy');
  });
});

describe('what a merge moves', () => {
  it('names the phones, emails and tags the kept customer lacks, and the bookings', () => {
    const p = pair({
      existing: side({ emails: ['niamh@example.ie'], tags: ['vip'] }),
      new: side({ id: '01RIGHT', phones: ['+353871110077'], emails: ['NIAMH@example.ie', 'niamh@work.ie'], tags: ['vip', 'new'], bookings: 2, visits: 1, lifetime_value: 4500 }),
    });
    const left = mergePlan(p, 'left');
    expect(left.keep.id).toBe('01LEFT');
    expect(left.remove.id).toBe('01RIGHT');
    expect(left.moves).toEqual([
      'Phone +353871110077',
      'Email niamh@work.ie',
      'Tag new',
      '2 bookings (1 visit, €45 lifetime value)',
      'Notes, texts, calls, leads and the timeline',
    ]);
    const right = mergePlan(p, 'right');
    expect(right.keep.id).toBe('01RIGHT');
    expect(right.moves).toEqual(['Phone +353871110001', 'Notes, texts, calls, leads and the timeline']);
  });
});

describe('what the screen says', () => {
  it('after each action', () => {
    const p = pair({ new: side({ id: '01RIGHT', name: 'Niamh Kelly-Byrne' }) });
    expect(resolvedText(p, 'merge', '01LEFT')).toBe('Merged: Niamh Kelly-Byrne is now part of Niamh Kelly.');
    expect(resolvedText(p, 'merge', '01RIGHT')).toBe('Merged: Niamh Kelly is now part of Niamh Kelly-Byrne.');
    expect(resolvedText(p, 'keep_both')).toBe('Kept both: Niamh Kelly and Niamh Kelly-Byrne stay two customers.');
    expect(resolvedText(pair(), 'ignore')).toBe('Ignored: Two records of Niamh Kelly is no longer flagged.');
  });
  it('takes a pair resolved elsewhere or gone off the list', () => {
    const merged = failure(new ApiError(409, { title: 'Conflict', detail: 'the pair is already merged', status: 'merged' as never, kept_id: '01LEFT' }));
    expect(merged).toEqual({ text: 'This pair was already merged (by someone else, or in another tab), so it has left the list.', drop: true });
    expect(failure(new ApiError(409, { detail: 'the pair is already kept both', status: 'kept_both' as never }))?.text).toMatch(/already kept as two customers/);
    expect(failure(new ApiError(404, { status: 404, detail: 'duplicate pair not found' }))?.drop).toBe(true);
  });
  it('keeps a merge that did not finish, saying which side finishes it', () => {
    const f = failure(new ApiError(409, { detail: 'the pair is already merging', status: 'merging' as never, kept_id: '01RIGHT' }), pair());
    expect(f).toEqual({ text: 'A merge of this pair into the right customer was started and has not finished; choose “Merge into right” to finish it.', drop: false });
  });
  it('leaves other errors as they are', () => {
    expect(failure(new ApiError(422, { errors: [{ field: 'keep', reason: 'is not one of the pair' }] }))).toBeNull();
    expect(failure(new Error('x'))).toBeNull();
  });
});

describe('a merged customer’s old link', () => {
  it('finds the kept id in the URL a followed redirect ended at', () => {
    expect(customerIdFromUrl('https://api.example.com/customers/01KEPT')).toBe('01KEPT');
    expect(customerIdFromUrl('/customers/01KEPT/')).toBe('01KEPT');
    expect(customerIdFromUrl('https://api.example.com/prod/customers/01KEPT/timeline')).toBeNull();
    expect(customerIdFromUrl(null)).toBeNull();
  });
  it('knows the profile moved from the answer', () => {
    expect(mergedInto('01GONE', { customer: { id: '01KEPT' } })).toBe('01KEPT');
    expect(mergedInto('01GONE', { merged_into: '01KEPT' })).toBe('01KEPT');
    expect(mergedInto('01KEPT', { customer: { id: '01KEPT' } })).toBeNull();
    expect(mergedInto('01KEPT', null)).toBeNull();
  });
});
