// Redeeming a customer's loyalty points: the form checked before it is sent (a whole number
// from 1 to 1,000,000, no more than the customer has available, and a reason), and what the
// API's refusals mean — a 409 saying how many are available, a 412 when the customer changed
// since the profile was read (a second click, someone else's redeem), a 422 by field.

import type { components } from './api.gen';
import { ApiError } from './api';

export type RedeemInput = components['schemas']['RedeemInput'];

/** The form as its inputs hold it. */
export interface RedeemForm {
  points: string;
  reason: string;
}
export type RedeemField = keyof RedeemForm;

export const EMPTY_REDEEM: RedeemForm = { points: '', reason: '' };
/** The most one redeem may spend, as the API takes it. */
export const MAX_REDEEM = 1_000_000;
export const REASON_MAX = 200;

const count = (n: number) => n.toLocaleString('en-IE');
const points = (n: number) => `${count(n)} point${n === 1 ? '' : 's'}`;

/**
 * The body to send, or why each field cannot be sent as it is. `available` (when known) is
 * the most the customer can spend; more is refused here, before the API would.
 */
export function redeemCheck(f: RedeemForm, available?: number): { body: RedeemInput | null; errors: Partial<Record<RedeemField, string>> } {
  const errors: Partial<Record<RedeemField, string>> = {};
  const p = f.points.trim();
  const n = /^\d+$/.test(p) ? Number(p) : NaN;
  if (p === '') errors.points = 'Enter the points to redeem';
  else if (!Number.isInteger(n)) errors.points = 'Enter a whole number of points';
  else if (n < 1) errors.points = 'Enter at least 1 point';
  else if (n > MAX_REDEEM) errors.points = `At most ${points(MAX_REDEEM)} at a time`;
  else if (available !== undefined && n > available) errors.points = tooMany(available);
  const reason = f.reason.trim();
  if (reason === '') errors.reason = 'Say what the points are spent on (it shows on the timeline)';
  else if (reason.length > REASON_MAX) errors.reason = `At most ${REASON_MAX} characters`;
  return { body: Object.keys(errors).length ? null : { points: n, reason }, errors };
}

function tooMany(available: number): string {
  return available === 0 ? 'No points are available to redeem' : `More than the ${points(available)} available`;
}

/** What a refused redeem says: by field, above the form, and the balance the API named. */
export interface RedeemFailure {
  byField: Partial<Record<RedeemField, string>>;
  /** Said above the form (a stale profile, a field the form does not show, anything else). */
  summary: string | null;
  /** The points available as the 409 said (the profile's may be out of date). */
  available?: number;
  /** The customer changed since the profile was read: reload it before trying again. */
  stale: boolean;
}

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

export function redeemFailure(error: unknown): RedeemFailure | null {
  if (!error) return null;
  if (!(error instanceof ApiError)) return { byField: {}, summary: error instanceof Error ? error.message : String(error), stale: false };
  const p = error.problem;
  if (error.status === 409 && p.conflict === 'points') {
    const available = typeof p.available === 'number' ? p.available : undefined;
    return {
      byField: { points: available === undefined ? 'More than the customer has available' : tooMany(available) },
      summary: null,
      available,
      stale: false,
    };
  }
  if (error.status === 412) {
    return {
      byField: {},
      summary: 'This customer changed since the profile was shown (points redeemed or earned meanwhile), so nothing was spent. The balance has been reloaded: check it and redeem again if still needed.',
      stale: true,
    };
  }
  if (error.status === 422) {
    const byField: Partial<Record<RedeemField, string>> = {};
    const rest: string[] = [];
    for (const e of p.errors ?? []) {
      if (e.field === 'points' || e.field === 'reason') byField[e.field] = capitalize(e.reason);
      else rest.push(`${e.field.replace(/_/g, ' ')} ${e.reason}`);
    }
    return { byField, summary: rest.length ? `Please check: ${rest.join('; ')}.` : null, stale: false };
  }
  return { byField: {}, summary: error.message, stale: false };
}

/** The notice after a redeem: "40 points redeemed (Free facial); 55 left." */
export function redeemedNotice(body: RedeemInput, left?: number): string {
  return `${capitalize(points(body.points))} redeemed (${body.reason})${left === undefined ? '' : `; ${count(left)} left`}.`;
}
