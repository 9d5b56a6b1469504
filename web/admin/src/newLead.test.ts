import { describe, expect, it } from 'vitest';
import { ApiError } from './api';
import { setCurrency } from './model';
import { duplicateLeadId, EMPTY_LEAD, leadErrors, newLeadBody } from './newLead';

describe('a new lead', () => {
  it('sends what was typed, the value in minor units, empty fields left out', () => {
    setCurrency('EUR');
    expect(newLeadBody({ ...EMPTY_LEAD, name: ' Walk In ', phone: '087 111 2222' })).toEqual({ body: { name: 'Walk In', phone: '087 111 2222', source: 'manual' } });
    expect(
      newLeadBody({ name: 'Walk In', phone: '0871112222', email: 'w@example.ie', source: 'walk_in', service: 'Facial', expected_value: '45.50', message: 'Wants Friday' }),
    ).toEqual({
      body: { name: 'Walk In', phone: '0871112222', email: 'w@example.ie', source: 'walk_in', service: 'Facial', expected_value: 4550, message: 'Wants Friday' },
    });
  });

  it('will not send a value that is not an amount', () => {
    expect(newLeadBody({ ...EMPTY_LEAD, name: 'A', phone: '1', expected_value: 'lots' })).toEqual({ errors: { expected_value: 'Must be an amount like 45 or 45.50' } });
  });

  it('puts each 422 error next to its field', () => {
    const { byField, rest } = leadErrors({
      status: 422,
      errors: [
        { field: 'name', reason: 'is required' },
        { field: 'phone', reason: 'is not a phone number' },
        { field: 'expected_value', reason: 'must be a whole number of cents from 0 to 10000000000' },
        { field: 'assignee', reason: 'is unknown' },
      ],
    });
    expect(byField).toEqual({ name: 'Is required', phone: 'Is not a phone number', expected_value: 'Must be an amount from 0 up' });
    expect(rest).toEqual(['assignee is unknown']);
  });

  it('names the lead a 409 says already has the phone', () => {
    expect(duplicateLeadId(new ApiError(409, { status: 409, conflict: 'phone', existing_id: '01LEAD' }))).toBe('01LEAD');
    expect(duplicateLeadId(new ApiError(409, { status: 409 }))).toBeNull();
    expect(duplicateLeadId(new Error('x'))).toBeNull();
  });
});
