import { describe, expect, it } from 'vitest';
import { ApiError, problemMessage, qs } from './api';

describe('problemMessage', () => {
  it('names every invalid field of a 422', () => {
    const msg = problemMessage({
      status: 422,
      detail: 'request body is invalid',
      errors: [
        { field: 'phone', reason: 'is not a valid phone number' },
        { field: 'expected_value', reason: 'must be at least 0' },
      ],
    });
    expect(msg).toBe('Please check: phone is not a valid phone number; expected value must be at least 0.');
  });

  it('names a nested field by its path', () => {
    const msg = problemMessage({ status: 422, errors: [{ field: 'templates.review_request', reason: 'unknown variable {firstname}' }] });
    expect(msg).toBe('Please check: templates › review request unknown variable {firstname}.');
  });

  it('tells the user a stale edit was reloaded (412)', () => {
    expect(problemMessage({ status: 412, detail: 'the resource changed since you read it' })).toMatch(/changed this in the meantime.*reloaded/);
  });

  it('lists the allowed moves of a refused transition (409)', () => {
    const msg = problemMessage({ status: 409, detail: 'a lead cannot move from lost to won', allowed: ['contacted'] });
    expect(msg).toBe('a lead cannot move from lost to won. Allowed: contacted.');
  });

  it('explains the 409s of texts, reviews and missed calls', () => {
    expect(problemMessage({ status: 409, detail: "the customer's number opted out of texts (STOP)", conflict: 'opted_out' })).toMatch(/opted out of texts.*STOP/);
    expect(problemMessage({ status: 409, detail: 'x', review_requested_at: '2026-10-03T10:00:00Z' })).toMatch(/^A review was already requested on 3 Oct 2026/);
    expect(problemMessage({ status: 409, detail: 'x', conflict: 'handled', handled_by: 'owner-1', handled_at: '2026-11-01T10:00:00Z' })).toBe(
      'This missed call was already handled by owner-1 on 1 Nov 2026; write to the customer from their profile instead.',
    );
    expect(problemMessage({ status: 409, detail: 'already queued (01J)', conflict: 'sms_queued', message_id: '01J' })).toMatch(/already sent/);
    expect(problemMessage({ status: 409, detail: 'x', conflict: 'review_waiting', not_before: '2026-11-15T12:00:00Z' })).toMatch(/already waiting to go out.*not queued twice/);
  });

  it('answers auth, not found and server errors in plain words', () => {
    expect(problemMessage({ status: 401 })).toMatch(/sign in again/);
    expect(problemMessage({ status: 403 })).toMatch(/role/);
    expect(problemMessage({ status: 404, detail: 'lead not found' })).toBe('Lead not found.');
    expect(problemMessage({ status: 503, detail: 'store down' })).toMatch(/try again/);
    expect(problemMessage(null, 0)).toMatch(/try again/);
    expect(problemMessage({ status: 413, detail: 'request body larger than 16384 bytes' })).toBe('Request body larger than 16384 bytes.');
  });

  it('is the message of an ApiError', () => {
    const e = new ApiError(412, { status: 412 });
    expect(e.stale).toBe(true);
    expect(e.message).toMatch(/reloaded/);
  });
});

describe('qs', () => {
  it('keeps only set values', () => {
    expect(qs({ status: 'new', q: '', cursor: undefined, limit: 25 })).toBe('?status=new&limit=25');
    expect(qs({})).toBe('');
  });
});
