import { describe, expect, it } from 'vitest';
import { ApiError } from './api';
import {
  Customer,
  EMPTY_PROFILE,
  formFromCustomer,
  isStale,
  milestoneDates,
  milestoneLabel,
  newCustomerBody,
  pointBalance,
  profileErrors,
  profilePatch,
  splitList,
  takenBy,
  tierHistory,
} from './customerForm';
import { notesFromTimeline, TimelineDay } from './model';

const ADA: Customer = {
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
  marketing_consent: true,
  tags: ['vip'],
  auto_tags: [],
  totals: { bookings: 0, visits: 0, lifetime_value: 0, no_shows: 0, cancellations: 0, services: {} },
  upcoming: {},
  segment: 'lead',
  points: 0,
  tier: 'bronze',
  stage: 'discovery',
  stage_history: [{ stage: 'discovery', at: '2026-03-02T10:00:00Z' }],
  at_risk: false,
  milestones: [],
  member_since: '2026-03-02T10:00:00Z',
  created_at: '2026-03-02T10:00:00Z',
  updated_at: '2026-03-02T10:00:00Z',
  version: 3,
  // An API from before loyalty kept them sends none of these (see the tests that drop them).
  tier_history: [{ tier: 'bronze', at: '2026-03-01T10:00:00Z' }],
  points_redeemed: 0,
  points_available: 0,
} as Customer;

/** `c` as an API from before tier history and point balances sends it. */
function beforeLoyalty(c: Customer): object {
  const { tier_history: _h, points_redeemed: _r, points_available: _a, ...rest } = c;
  return rest;
}

describe('the customer form', () => {
  it('adds a customer with what was typed, empty optional fields left out', () => {
    expect(newCustomerBody({ ...EMPTY_PROFILE, name: '  Ada Byrne ', phones: '087 111 2233', tags: 'vip, walk-in' })).toEqual({
      name: 'Ada Byrne',
      phones: ['087 111 2233'],
      tags: ['vip', 'walk-in'],
    });
    expect(
      newCustomerBody({
        ...EMPTY_PROFILE,
        name: 'Ada',
        emails: 'ada@example.ie',
        date_of_birth: '1990-04-30',
        gender: 'female',
        address: '1 Main St',
        company: 'Acme',
        preferred_language: 'ga',
        marketing_consent: true,
      }),
    ).toEqual({
      name: 'Ada',
      emails: ['ada@example.ie'],
      date_of_birth: '1990-04-30',
      gender: 'female',
      address: '1 Main St',
      company: 'Acme',
      preferred_language: 'ga',
      marketing_consent: true,
    });
  });

  it('sends the source chosen, and none when not given (the API then says manual)', () => {
    expect(newCustomerBody({ ...EMPTY_PROFILE, name: 'Ada', phones: '087', source: 'referral' })).toEqual({ name: 'Ada', phones: ['087'], source: 'referral' });
    expect(newCustomerBody({ ...EMPTY_PROFILE, name: 'Ada', phones: '087' })).not.toHaveProperty('source');
  });

  it('patches a changed source, never clears one, and reads a customer without one as empty', () => {
    const form = formFromCustomer(ADA);
    expect(form.source).toBe(ADA.source ?? '');
    expect(profilePatch(ADA, { ...form, source: 'google_ad' })).toEqual({ source: 'google_ad' });
    expect(profilePatch(ADA, { ...form, source: '' })).toEqual({});
    const { source: _s, ...noSource } = ADA;
    expect(formFromCustomer(noSource as Customer).source).toBe('');
    expect(profilePatch(noSource as Customer, { ...formFromCustomer(noSource as Customer) })).toEqual({});
  });

  it('splits a typed list on commas, semicolons and lines', () => {
    expect(splitList(' +353 1, 0862;\n\n087 3 ,')).toEqual(['+353 1', '0862', '087 3']);
  });

  it('patches only what changed, an emptied field as null', () => {
    const form = formFromCustomer(ADA);
    expect(profilePatch(ADA, form)).toEqual({});
    expect(profilePatch(ADA, { ...form, gender: '', company: 'Beta', date_of_birth: '' })).toEqual({ gender: null, company: 'Beta', date_of_birth: null });
    expect(profilePatch(ADA, { ...form, phones: '+353861112233, 087 999 0000', emails: 'ADA@example.ie', marketing_consent: false, preferred_language: 'pl' })).toEqual({
      phones: ['+353861112233', '087 999 0000'],
      marketing_consent: false,
      preferred_language: 'pl',
    });
    expect(profilePatch(ADA, { ...form, name: ' Ada B. ' })).toEqual({ name: 'Ada B.' });
  });

  it('puts each 422 error next to its field, list items by place when there are several', () => {
    const problem = {
      status: 422,
      errors: [
        { field: 'name', reason: 'is required' },
        { field: 'phones[1]', reason: 'is not a phone number' },
        { field: 'email', reason: 'is not an email address' },
        { field: 'date_of_birth', reason: 'must be a date like 1990-04-30' },
        { field: 'surprise', reason: 'is not a field' },
      ],
    };
    const form = { ...EMPTY_PROFILE, phones: '0861, 12', emails: 'x' };
    const { byField, rest } = profileErrors(problem, form);
    expect(byField).toEqual({
      name: 'Is required',
      phones: 'Phone 2 is not a phone number',
      emails: 'Is not an email address',
      date_of_birth: 'Must be a date like 1990-04-30',
    });
    expect(rest).toEqual(['surprise is not a field']);
    // One phone: no "Phone 1".
    expect(profileErrors({ status: 422, errors: [{ field: 'phones[0]', reason: 'is not a phone number' }] }, { ...EMPTY_PROFILE, phones: '12' }).byField).toEqual({
      phones: 'Is not a phone number',
    });
    expect(profileErrors({ status: 422, errors: [{ field: 'tags[0]', reason: 'must not contain #' }] }, { ...EMPTY_PROFILE, tags: 'a#b' }).byField).toEqual({ tags: 'Must not contain #' });
  });

  it('reads who already has the phone or email from a 409', () => {
    expect(takenBy(new ApiError(409, { status: 409, conflict: 'phone', existing_id: '01OTHER' }))).toEqual({ field: 'phones', what: 'phone', existingId: '01OTHER' });
    expect(takenBy(new ApiError(409, { status: 409, conflict: 'email', existing_id: '01OTHER' }))).toEqual({ field: 'emails', what: 'email', existingId: '01OTHER' });
    expect(takenBy(new ApiError(409, { status: 409, conflict: 'phone' }))).toBeNull();
    expect(takenBy(new ApiError(422, { status: 422 }))).toBeNull();
    expect(isStale(new ApiError(412, { status: 412, current_version: 4 }))).toBe(true);
    expect(isStale(new ApiError(409, { status: 409 }))).toBe(false);
  });
});

describe('the journey', () => {
  it('dates each milestone by its first timeline entry', () => {
    const days: TimelineDay[] = [
      {
        date: '2026-03-05',
        counts: { milestone: 1, booking: 1 },
        entries: [
          { id: 'm2', type: 'milestone', at: '2026-03-05T10:00:00Z', text: 'Milestone reached: first_completed', data: { milestone: 'first_completed' } },
          { id: 'b1', type: 'booking', at: '2026-03-05T09:00:00Z', text: 'Booking', data: {} },
        ],
      },
      {
        date: '2026-03-01',
        counts: { milestone: 1 },
        entries: [{ id: 'm1', type: 'milestone', at: '2026-03-01T10:00:00Z', text: 'Milestone reached: first_booking', data: { milestone: 'first_booking' } }],
      },
    ];
    expect(milestoneDates(days)).toEqual({ first_completed: '2026-03-05T10:00:00Z', first_booking: '2026-03-01T10:00:00Z' });
    expect(milestoneLabel('first_completed')).toBe('First completed visit');
    expect(milestoneLabel('something_new')).toBe('Something new');
  });

  it('reads tier history and point balances only when the API sends them', () => {
    expect(tierHistory(beforeLoyalty(ADA))).toEqual([]);
    expect(pointBalance(beforeLoyalty(ADA))).toEqual({ redeemed: undefined, available: undefined });
    const later = { ...ADA, tier_history: [{ tier: 'bronze', at: '2026-01-01T00:00:00Z' }, { tier: 'silver', at: '2026-03-01T00:00:00Z' }, { tier: 7 }, null], points_redeemed: 50, points_available: 70 };
    expect(tierHistory(later)).toEqual([
      { tier: 'bronze', at: '2026-01-01T00:00:00Z' },
      { tier: 'silver', at: '2026-03-01T00:00:00Z' },
    ]);
    expect(pointBalance(later)).toEqual({ redeemed: 50, available: 70 });
    expect(tierHistory({ ...ADA, tier_history: 'gold' })).toEqual([]);
    expect(pointBalance({ ...ADA, points_redeemed: '5' })).toEqual({ redeemed: undefined, available: 0 });
  });

  it('reads the notes off the timeline, newest first, edited ones marked', () => {
    const notes = notesFromTimeline([
      {
        date: '2026-03-05',
        counts: { note: 2 },
        entries: [
          { id: 'n2', type: 'note', at: '2026-03-05T10:00:00Z', text: 'Likes tea', data: { id: 'n2', body: 'Likes tea', author: 'aoife', created_at: '2026-03-05T10:00:00Z', edited_at: '2026-03-06T08:00:00Z' } },
          { id: 't1', type: 'tag', at: '2026-03-05T09:00:00Z', text: 'Tag added', data: {} },
          { id: 'n1', type: 'note', at: '2026-03-05T09:00:00Z', text: 'First', data: null },
        ],
      },
    ]);
    expect(notes).toEqual([
      { id: 'n2', body: 'Likes tea', author: 'aoife', created_at: '2026-03-05T10:00:00Z', edited_at: '2026-03-06T08:00:00Z' },
      { id: 'n1', body: 'First', author: '', created_at: '2026-03-05T09:00:00Z', edited_at: undefined },
    ]);
  });
});
