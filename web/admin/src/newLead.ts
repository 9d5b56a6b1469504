// A lead taken by hand (POST /leads): the form as typed, the body it sends (the expected
// value in minor units), where a 422's errors go, and the earlier lead a 409 names (the same
// phone captured within the last 24 hours).

import type { components } from './api.gen';
import { ApiError, Problem } from './api';
import { toMinor } from './model';
import { placeErrors } from './settings';

export type NewLeadBody = components['schemas']['NewLead'];

export interface LeadForm {
  name: string;
  phone: string;
  email: string;
  source: string;
  service: string;
  /** In major units, as typed ("45.50"). */
  expected_value: string;
  /** The note the lead comes with (the API's `message`). */
  message: string;
}

export type LeadField = keyof LeadForm;

export const EMPTY_LEAD: LeadForm = { name: '', phone: '', email: '', source: 'manual', service: '', expected_value: '', message: '' };

/** The sources staff pick from (an import makes its own). */
export const LEAD_SOURCES = ['manual', 'walk_in', 'phone_call', 'referral', 'website', 'whatsapp', 'instagram', 'facebook', 'meta_ad', 'google_ad', 'gmb', 'organic', 'qr'] as const satisfies readonly NonNullable<NewLeadBody['source']>[];

/** The body of POST /leads, or the fields the form can already tell are wrong. */
export function newLeadBody(f: LeadForm): { body: NewLeadBody } | { errors: Partial<Record<LeadField, string>> } {
  const value = f.expected_value.trim();
  const minor = value === '' ? null : toMinor(value);
  if (value !== '' && minor === null) return { errors: { expected_value: 'Must be an amount like 45 or 45.50' } };
  const body: NewLeadBody = { name: f.name.trim(), phone: f.phone.trim() };
  if (f.email.trim()) body.email = f.email.trim();
  if (f.source) body.source = f.source as NewLeadBody['source'];
  if (f.service.trim()) body.service = f.service.trim();
  if (minor !== null) body.expected_value = minor;
  if (f.message.trim()) body.message = f.message.trim();
  return { body };
}

/** A 422's errors by the form field they go next to (`expected_value` in words a person
 *  typing money understands), and those no field shows. */
export function leadErrors(problem: Problem | null | undefined): { byField: Partial<Record<LeadField, string>>; rest: string[] } {
  const { byField, rest } = placeErrors(problem, (f) => f in EMPTY_LEAD);
  if (byField.expected_value) byField.expected_value = 'Must be an amount from 0 up';
  return { byField, rest: rest.map((e) => `${e.field.replace(/_/g, ' ')} ${e.reason}`) };
}

/** The lead already holding this phone (a 409 within the dedupe window), if the API named it. */
export function duplicateLeadId(e: unknown): string | null {
  if (!(e instanceof ApiError) || e.status !== 409) return null;
  const id = e.problem.existing_id;
  return typeof id === 'string' && id ? id : null;
}
