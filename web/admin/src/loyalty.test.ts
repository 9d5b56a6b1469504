import { describe, expect, it } from 'vitest';
import { ApiError } from './api';
import { redeemCheck, redeemedNotice, redeemFailure } from './loyalty';

describe('redeemCheck', () => {
  it('sends a whole number and the trimmed reason', () => {
    expect(redeemCheck({ points: ' 40 ', reason: ' Free facial ' }, 100)).toEqual({ body: { points: 40, reason: 'Free facial' }, errors: {} });
    expect(redeemCheck({ points: '100', reason: 'All of them' }, 100).body).toEqual({ points: 100, reason: 'All of them' });
  });

  it('refuses more than available before the API would', () => {
    expect(redeemCheck({ points: '101', reason: 'x' }, 100).errors).toEqual({ points: 'More than the 100 points available' });
    expect(redeemCheck({ points: '2', reason: 'x' }, 1).errors).toEqual({ points: 'More than the 1 point available' });
    expect(redeemCheck({ points: '1', reason: 'x' }, 0).errors).toEqual({ points: 'No points are available to redeem' });
    // Not known (an older API): the API decides.
    expect(redeemCheck({ points: '5000', reason: 'x' }).body).toEqual({ points: 5000, reason: 'x' });
  });

  it('refuses what is not a whole number from 1 to 1,000,000, and a missing or long reason', () => {
    const points = (p: string) => redeemCheck({ points: p, reason: 'x' }, 2_000_000).errors.points;
    expect(points('')).toBe('Enter the points to redeem');
    expect(points('2.5')).toBe('Enter a whole number of points');
    expect(points('-3')).toBe('Enter a whole number of points');
    expect(points('1e3')).toBe('Enter a whole number of points');
    expect(points('0')).toBe('Enter at least 1 point');
    expect(points('1000001')).toBe('At most 1,000,000 points at a time');
    expect(points('1000000')).toBeUndefined();
    expect(redeemCheck({ points: '1', reason: '  ' }).errors).toEqual({ reason: 'Say what the points are spent on (it shows on the timeline)' });
    expect(redeemCheck({ points: '1', reason: 'a'.repeat(201) }).errors).toEqual({ reason: 'At most 200 characters' });
    expect(redeemCheck({ points: '1', reason: 'a'.repeat(200) }).body).not.toBeNull();
  });
});

describe('redeemFailure', () => {
  it('puts a 409’s available points by the points field', () => {
    const e = new ApiError(409, { status: 409, conflict: 'points', available: 35, detail: '1000 points asked, but the customer has 35 to redeem' });
    expect(redeemFailure(e)).toEqual({ byField: { points: 'More than the 35 points available' }, summary: null, available: 35, stale: false });
  });

  it('says a stale profile spent nothing', () => {
    const f = redeemFailure(new ApiError(412, { status: 412, current_version: 4 }));
    expect(f?.stale).toBe(true);
    expect(f?.summary).toMatch(/so nothing was spent/);
  });

  it('places a 422 by field, and the rest in the summary', () => {
    const e = new ApiError(422, {
      status: 422,
      errors: [
        { field: 'points', reason: 'must be a whole number from 1 to 1000000' },
        { field: 'reason', reason: 'is required' },
        { field: 'other_thing', reason: 'is odd' },
      ],
    });
    expect(redeemFailure(e)).toEqual({
      byField: { points: 'Must be a whole number from 1 to 1000000', reason: 'Is required' },
      summary: 'Please check: other thing is odd.',
      stale: false,
    });
  });

  it('says anything else as the API said it; nothing when there is no error', () => {
    expect(redeemFailure(new ApiError(403, { status: 403 }))?.summary).toBe('Your role may not do this.');
    expect(redeemFailure(null)).toBeNull();
  });
});

it('tells what was redeemed and what is left', () => {
  expect(redeemedNotice({ points: 40, reason: 'Free facial' }, 1060)).toBe('40 points redeemed (Free facial); 1,060 left.');
  expect(redeemedNotice({ points: 1, reason: 'Tea' })).toBe('1 point redeemed (Tea).');
});
