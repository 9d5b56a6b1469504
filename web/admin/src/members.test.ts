import { describe, expect, it } from 'vitest';
import { problemMessage } from './api';
import { mayOpen } from './App';
import { manageable } from './Members';

describe('what a role may see and manage', () => {
  it('opens a screen only with at least its role, as the route table says', () => {
    expect(mayOpen('owner', 'owner')).toBe(true);
    expect(mayOpen('admin', 'owner')).toBe(false);
    expect(mayOpen('admin', 'admin')).toBe(true);
    expect(mayOpen('staff', 'admin')).toBe(false);
    expect(mayOpen('staff', 'staff')).toBe(true);
  });

  it('lets owners give every role, admins staff only, staff none', () => {
    expect(manageable('owner')).toEqual(['staff', 'admin', 'owner']);
    expect(manageable('admin')).toEqual(['staff']);
    expect(manageable('staff')).toEqual([]);
  });

  it('says why a sign-in or a member rule refused, and plainly when a token did', () => {
    expect(problemMessage({ status: 401, detail: 'the email or password is wrong' })).toBe('The email or password is wrong.');
    expect(problemMessage({ status: 401, detail: 'missing or invalid bearer token' })).toBe('Your session has ended. Please sign in again.');
    expect(problemMessage({ status: 403, detail: 'only owners manage members who are or become admin (you are admin)' })).toContain('Only owners manage');
    expect(problemMessage({ status: 403, detail: 'your role may not do this' })).toBe('Your role may not do this.');
    expect(problemMessage({ status: 410, detail: 'the invite link was used or has expired' })).toBe('The invite link was used or has expired.');
  });
});

describe('a person with no business yet', () => {
  const jwt = (claims: Record<string, unknown>) => `e30.${btoa(JSON.stringify(claims)).replace(/=+$/, '')}.sig`;
  it('is asked to create one when the token names nobody’s business', async () => {
    const { needsBusiness } = await import('./Accounts');
    expect(needsBusiness(jwt({ sub: 'u1', email: 'a@b.ie' }))).toBe(true);
    expect(needsBusiness(jwt({ sub: 'u1', tenant_id: 'spa', role: 'owner' }))).toBe(false);
    expect(needsBusiness(null)).toBe(false);
    expect(needsBusiness('not-a-jwt')).toBe(false);
  });
});
