// A customer's profile as a form: the fields of POST /customers and PATCH /customers/{id}
// (CustomerInput), the body each sends (a PATCH only what changed, an emptied field as null),
// where a 422's errors go, the customer a 409 names; and what the profile shows of the
// customer's journey (acquisition source, milestones with their dates, stage, tier, points),
// read defensively where the API may not send a field yet.

import type { components } from './api.gen';
import { ApiError, Problem } from './api';
import type { TimelineDay } from './model';

type Schemas = components['schemas'];

export type Customer = Schemas['Customer'];
export type CustomerInput = Schemas['CustomerInput'];
export type Milestone = Schemas['Milestone'];
export type Source = Schemas['Source'];

/** Every acquisition source, in the order the form offers them (by hand first). */
export const CUSTOMER_SOURCES = [
  'manual',
  'walk_in',
  'phone_call',
  'referral',
  'website',
  'whatsapp',
  'instagram',
  'facebook',
  'meta_ad',
  'google_ad',
  'gmb',
  'organic',
  'qr',
  'import',
] as const satisfies readonly Source[];
/** A source the API has and CUSTOMER_SOURCES leaves out fails the type-check here. */
export const EVERY_SOURCE_LISTED: [Exclude<Source, (typeof CUSTOMER_SOURCES)[number]>] extends [never] ? true : never = true;

/** The form as its inputs hold it. Phones and emails are typed as one list each (primary first). */
export interface ProfileForm {
  name: string;
  phones: string;
  emails: string;
  date_of_birth: string;
  gender: string;
  address: string;
  company: string;
  preferred_language: string;
  marketing_consent: boolean;
  /** How they first came (acquisition source); '' = not given (the API then says `manual`). */
  source: string;
  /** Only when adding a customer (tags are edited one by one on the profile). */
  tags: string;
}

/** The form's fields, each once; a 422's field (`phones[1]`, `phone`) lands on one of them. */
export type FormField = keyof ProfileForm;

export const EMPTY_PROFILE: ProfileForm = {
  name: '',
  phones: '',
  emails: '',
  date_of_birth: '',
  gender: '',
  address: '',
  company: '',
  preferred_language: '',
  marketing_consent: false,
  source: '',
  tags: '',
};

/** The optional texts a PATCH clears with null. */
const CLEARABLE = ['gender', 'address', 'company', 'preferred_language'] as const;

/** The form of `c` as it is now. */
export function formFromCustomer(c: Customer): ProfileForm {
  return {
    name: c.name,
    phones: c.phones.join(', '),
    emails: c.emails.join(', '),
    date_of_birth: c.date_of_birth ?? '',
    gender: c.gender ?? '',
    address: c.address ?? '',
    company: c.company ?? '',
    preferred_language: c.preferred_language ?? '',
    marketing_consent: c.marketing_consent,
    source: c.source ?? '',
    tags: c.tags.join(', '),
  };
}

/** A list typed into one box: separated by commas, semicolons or lines, blanks dropped. */
export function splitList(text: string): string[] {
  return text
    .split(/[,;\n]+/)
    .map((t) => t.trim())
    .filter(Boolean);
}

const sameList = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** POST /customers: what the form holds, the empty optional fields left out. */
export function newCustomerBody(f: ProfileForm): CustomerInput {
  const body: CustomerInput = { name: f.name.trim() };
  const phones = splitList(f.phones);
  const emails = splitList(f.emails);
  const tags = splitList(f.tags);
  if (phones.length) body.phones = phones;
  if (emails.length) body.emails = emails;
  if (tags.length) body.tags = tags;
  if (f.date_of_birth.trim()) body.date_of_birth = f.date_of_birth.trim();
  for (const k of CLEARABLE) if (f[k].trim()) body[k] = f[k].trim();
  if (f.marketing_consent) body.marketing_consent = true;
  if (f.source) body.source = f.source as Source;
  return body;
}

/** PATCH /customers/{id}: only the fields the form changed; an emptied optional one as null. */
export function profilePatch(c: Customer, f: ProfileForm): CustomerInput {
  const patch: CustomerInput = {};
  const name = f.name.trim();
  if (name !== c.name) patch.name = name;
  const phones = splitList(f.phones);
  if (!sameList(phones, c.phones)) patch.phones = phones;
  const emails = splitList(f.emails).map((e) => e.toLowerCase());
  if (!sameList(emails, c.emails)) patch.emails = emails;
  const dob = f.date_of_birth.trim();
  if (dob !== (c.date_of_birth ?? '')) patch.date_of_birth = dob === '' ? null : dob;
  for (const k of CLEARABLE) {
    const v = f[k].trim();
    if (v !== (c[k] ?? '')) patch[k] = v === '' ? null : v;
  }
  if (f.marketing_consent !== c.marketing_consent) patch.marketing_consent = f.marketing_consent;
  // A source cannot be cleared (every customer has one): only a chosen one is sent.
  if (f.source && f.source !== (c.source ?? '')) patch.source = f.source as Source;
  return patch;
}

/** How each list field's items are named in a message ("Phone 2 is not a phone number"). */
const ITEM: Partial<Record<FormField, string>> = { phones: 'Phone', emails: 'Email', tags: 'Tag' };

/** The form field a 422's field is about: `phones[1]` and `phone` are the phones box. */
export function formFieldOf(apiField: string): FormField | null {
  const root = apiField.replace(/\[\d+\]$/, '');
  const known: Record<string, FormField> = { phone: 'phones', email: 'emails' };
  if (known[root]) return known[root];
  return root in EMPTY_PROFILE ? (root as FormField) : null;
}

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * A 422's errors by the form field they go next to, and those no field shows. An item of a
 * list is named by its place ("Phone 2 is not a phone number") when `form`'s list has more
 * than one.
 */
export function profileErrors(problem: Problem | null | undefined, form?: ProfileForm): { byField: Partial<Record<FormField, string>>; rest: string[] } {
  const byField: Partial<Record<FormField, string>> = {};
  const rest: string[] = [];
  for (const e of problem?.errors ?? []) {
    const field = formFieldOf(e.field);
    if (!field) {
      rest.push(`${e.field.replace(/_/g, ' ')} ${e.reason}`);
      continue;
    }
    const index = /\[(\d+)\]$/.exec(e.field);
    const several = !form || splitList(String(form[field])).length > 1;
    const text = index && ITEM[field] && several ? `${ITEM[field]} ${Number(index[1]) + 1} ${e.reason}` : capitalize(e.reason);
    byField[field] = byField[field] ? `${byField[field]}; ${text}` : text;
  }
  return { byField, rest };
}

/** A 409 naming who already has the phone or email (`existing_id`), and which it was. */
export interface Taken {
  field: FormField;
  what: 'phone' | 'email';
  existingId: string;
}

export function takenBy(e: unknown): Taken | null {
  if (!(e instanceof ApiError) || e.status !== 409) return null;
  const id = e.problem.existing_id;
  if (typeof id !== 'string' || !id) return null;
  const what = e.problem.conflict === 'email' ? 'email' : 'phone';
  return { field: what === 'email' ? 'emails' : 'phones', what, existingId: id };
}

/** A stale edit: the customer changed since it was read (412). */
export function isStale(e: unknown): boolean {
  return e instanceof ApiError && e.status === 412;
}

// ---------------------------------------------------------------------------------------
// The customer's journey

const MILESTONE_LABEL: Record<Milestone, string> = {
  first_booking: 'First booking',
  first_completed: 'First completed visit',
  repeat_customer: 'Repeat customer',
  high_value: 'High value',
  visits10: '10 visits',
  visits25: '25 visits',
  visits50: '50 visits',
  anniversary1: 'One year a customer',
  anniversary2: 'Two years a customer',
  vip_status: 'VIP status',
  tier_silver: 'Silver tier',
  tier_gold: 'Gold tier',
  tier_platinum: 'Platinum tier',
};

export function milestoneLabel(m: string): string {
  return MILESTONE_LABEL[m as Milestone] ?? capitalize(m.replace(/_/g, ' '));
}

/** When each milestone was reached, from the timeline's `milestone` entries (the earliest). */
export function milestoneDates(days: TimelineDay[]): Record<string, string> {
  const at: Record<string, string> = {};
  for (const d of days) {
    for (const e of d.entries) {
      if (e.type !== 'milestone') continue;
      const m = (e.data as { milestone?: unknown } | null)?.milestone;
      if (typeof m === 'string' && (!at[m] || e.at < at[m])) at[m] = e.at;
    }
  }
  return at;
}

/** A source, stage or tier as words: `walk_in` → "Walk in". */
export function words(s: string): string {
  return capitalize(s.replace(/_/g, ' '));
}

export interface TierChange {
  tier: string;
  at: string;
}

/** The tiers the customer has held, oldest first; none when the API sends no `tier_history`
 *  (an API from before it was kept: read defensively, as the balances below). */
export function tierHistory(c: object): TierChange[] {
  const h = (c as { tier_history?: unknown }).tier_history;
  if (!Array.isArray(h)) return [];
  return h.filter((t): t is TierChange => !!t && typeof t === 'object' && typeof (t as TierChange).tier === 'string' && typeof (t as TierChange).at === 'string');
}

/** Points redeemed and still available, each only when the API sends it as a number. */
export function pointBalance(c: object): { redeemed?: number; available?: number } {
  const o = c as { points_redeemed?: unknown; points_available?: unknown };
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  return { redeemed: num(o.points_redeemed), available: num(o.points_available) };
}
