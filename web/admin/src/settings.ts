// The settings form's pure logic: the API's settings as form values, the form back as the
// smallest PATCH /settings body (only what changed), and a 422's errors placed by field.
import type { Problem } from './api';
import { fromMinor, toMinor } from './model';

export const TEMPLATE_KINDS = ['follow_up', 'missed_call', 'review_request', 'manual', 'milestone'] as const;
export type TemplateKind = (typeof TEMPLATE_KINDS)[number];

export const TEMPLATE_LABELS: Record<TemplateKind, string> = {
  follow_up: 'Follow-up (new lead)',
  missed_call: 'Missed call',
  review_request: 'Review request',
  manual: 'Manual text',
  milestone: 'Milestone',
};

/** Variables a template may use (DESIGN: `{first_name}`, …). */
export const TEMPLATE_VARIABLES = ['first_name', 'name', 'business', 'booking_url', 'review_url'];

export interface Span {
  start: string;
  end: string;
}

export interface Thresholds {
  vip_visits: number;
  vip_ltv: number;
  inactive_after_months: number;
  dormant_after_days: number;
  loyal_visits: number;
  points_per_unit: number;
  tier_points: [number, number, number];
  spa_keyword: string;
  /** Lifetime spend (minor units) that earns the high_value milestone (absent from older APIs). */
  high_value_spend?: number;
  /** Completed visits for the three visit milestones, rising (absent from older APIs). */
  visit_milestones?: [number, number, number];
}

/** The query parameter naming the lead on the redirect to the booking page, when none is set. */
export const DEFAULT_LEAD_ID_PARAM = 'lead_id';

/** GET /settings (secrets only as "set"). */
export interface Settings {
  business_name: string;
  redirect_url: string;
  /** The query parameter naming the lead on that redirect ('' = none; absent from older APIs). */
  lead_id_param?: string;
  /** Texts that go out by themselves (absent from older APIs: both off). */
  auto_texts?: { lead_follow_up: boolean; milestone_greetings: boolean };
  time_zone: string;
  default_region: string;
  currency: string;
  services: string[];
  stale_after_hours: number;
  dedupe_window_hours: number;
  thresholds: Thresholds;
  quiet_hours: Span;
  business_hours: Span;
  templates: Record<TemplateKind, { text: string; custom: boolean }>;
  sms_from?: string | null;
  review_delay_minutes: number;
  review_url?: string | null;
  missed_call_sms_after_minutes?: number | null;
  webhook_secret_set: boolean;
  meta: { pixel_id: string; test_event_code?: string | null; access_token_set: boolean } | null;
  tenant_id: string;
  landing: Landing;
  /** How many leads the public form takes per minute, in all and from one address. */
  capture_limits: CaptureLimits;
  /** Countries texts may go to (empty: the business's own). */
  sms_countries?: string[];
  /** Daily caps on texts. */
  sms_limits: { per_number_per_day: number; per_day: number };
  /** The version read (sent back as If-Match: a save over someone else's is refused). */
  version: number;
}

/** Leads per minute the public form takes before answering "try again shortly". */
export interface CaptureLimits {
  per_minute: number;
  per_client_per_minute: number;
}

/** What the landing page shows besides the name and services (every field optional). */
export interface Landing {
  headline?: string | null;
  logo_url?: string | null;
  rating?: number | null;
  review_count?: number | null;
  address?: string | null;
  reply_within_minutes?: number | null;
}

export const LANDING_FIELDS = ['headline', 'logo_url', 'rating', 'review_count', 'address', 'reply_within_minutes'] as const;
export type LandingField = (typeof LANDING_FIELDS)[number];

export const LANDING_LABELS: Record<LandingField, string> = {
  headline: 'Headline (when empty: "Book at" and your name)',
  logo_url: 'Logo (https image address)',
  rating: 'Review rating (out of 5)',
  review_count: 'Number of reviews',
  address: 'Address',
  reply_within_minutes: '"We reply within" minutes',
};

const LANDING_NUMBERS: readonly LandingField[] = ['rating', 'review_count', 'reply_within_minutes'];

/** Thresholds the form edits as plain numbers (vip_ltv is money, tier_points three numbers). */
export const NUMBER_THRESHOLDS = ['vip_visits', 'loyal_visits', 'inactive_after_months', 'dormant_after_days', 'points_per_unit'] as const;

export const THRESHOLD_LABELS: Record<string, string> = {
  vip_visits: 'Visits that make a VIP',
  vip_ltv: 'Lifetime value that earns the vip tag',
  loyal_visits: 'Visits that earn the loyal tag',
  inactive_after_months: 'Months without a booking until inactive',
  dormant_after_days: 'Days without a visit until dormant',
  points_per_unit: 'Points per unit of currency paid',
  tier_points: 'Points for silver, gold, platinum',
  high_value_spend: 'Lifetime spend that earns the high value milestone',
  visit_milestones: 'Visits for the three visit milestones',
  spa_keyword: 'Service word that earns spa_lover',
};

/** What a threshold's box takes, where its label alone does not say. */
export const THRESHOLD_HINTS: Record<string, string> = {
  tier_points: 'Three rising numbers, separated by commas.',
  visit_milestones: 'Three rising numbers of completed visits, separated by commas (by default 10, 25, 50).',
};

/** Everything the form holds, as the text its inputs show. */
export interface SettingsForm {
  business_name: string;
  redirect_url: string;
  lead_id_param: string;
  services: string;
  time_zone: string;
  currency: string;
  default_region: string;
  stale_after_hours: string;
  dedupe_window_hours: string;
  quiet_start: string;
  quiet_end: string;
  business_start: string;
  business_end: string;
  review_delay_minutes: string;
  review_url: string;
  missed_call_auto: boolean;
  missed_call_sms_after_minutes: string;
  /** Automatic texts (issue 20): a new lead's follow-up, milestone greetings. */
  auto_lead_follow_up: boolean;
  auto_milestone_greetings: boolean;
  thresholds: Record<string, string>;
  templates: Record<TemplateKind, string>;
  /** Kinds to put back to the built-in text (sent as null). */
  reset: TemplateKind[];
  pixel_id: string;
  test_event_code: string;
  /** Write-only: always starts empty; empty keeps the stored token. */
  access_token: string;
  landing: Record<LandingField, string>;
  capture_per_minute: string;
  capture_per_client_per_minute: string;
  sms_countries: string;
  sms_per_number_per_day: string;
  sms_per_day: string;
}

export function formFromSettings(s: Settings): SettingsForm {
  const t = s.thresholds;
  return {
    business_name: s.business_name,
    redirect_url: s.redirect_url,
    lead_id_param: s.lead_id_param ?? DEFAULT_LEAD_ID_PARAM,
    services: s.services.join(', '),
    time_zone: s.time_zone,
    currency: s.currency,
    default_region: s.default_region,
    stale_after_hours: String(s.stale_after_hours),
    dedupe_window_hours: String(s.dedupe_window_hours),
    quiet_start: s.quiet_hours.start,
    quiet_end: s.quiet_hours.end,
    business_start: s.business_hours.start,
    business_end: s.business_hours.end,
    review_delay_minutes: String(s.review_delay_minutes),
    review_url: s.review_url ?? '',
    missed_call_auto: s.missed_call_sms_after_minutes != null,
    missed_call_sms_after_minutes: s.missed_call_sms_after_minutes != null ? String(s.missed_call_sms_after_minutes) : '5',
    auto_lead_follow_up: s.auto_texts?.lead_follow_up ?? false,
    auto_milestone_greetings: s.auto_texts?.milestone_greetings ?? false,
    thresholds: {
      ...Object.fromEntries(NUMBER_THRESHOLDS.map((k) => [k, String(t[k])])),
      vip_ltv: fromMinor(t.vip_ltv, s.currency),
      tier_points: t.tier_points.join(', '),
      spa_keyword: t.spa_keyword,
      high_value_spend: t.high_value_spend != null ? fromMinor(t.high_value_spend, s.currency) : '',
      visit_milestones: (t.visit_milestones ?? []).join(', '),
    },
    templates: Object.fromEntries(TEMPLATE_KINDS.map((k) => [k, s.templates[k]?.text ?? ''])) as Record<TemplateKind, string>,
    reset: [],
    pixel_id: s.meta?.pixel_id ?? '',
    test_event_code: s.meta?.test_event_code ?? '',
    access_token: '',
    landing: Object.fromEntries(LANDING_FIELDS.map((k) => [k, s.landing?.[k] != null ? String(s.landing[k]) : ''])) as Record<LandingField, string>,
    capture_per_minute: String(s.capture_limits?.per_minute ?? ''),
    capture_per_client_per_minute: String(s.capture_limits?.per_client_per_minute ?? ''),
    sms_countries: (s.sms_countries ?? []).join(', '),
    sms_per_number_per_day: String(s.sms_limits?.per_number_per_day ?? ''),
    sms_per_day: String(s.sms_limits?.per_day ?? ''),
  };
}

/** A whole number when the text is one; otherwise the text, for the API to name the field. */
function num(text: string): number | string {
  const t = text.trim();
  return /^-?\d+$/.test(t) ? Number(t) : t;
}

/** "HH:MM" from a time input ("9:00" or "09:00:00" too). */
export function hhmm(text: string): string {
  const m = /^(\d{1,2}):(\d{2})/.exec(text.trim());
  return m ? `${m[1].padStart(2, '0')}:${m[2]}` : text.trim();
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The PATCH /settings body for what changed between `s` and the form (empty: nothing). */
export function settingsPatch(s: Settings, f: SettingsForm): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  const text = (field: keyof Settings, value: string) => {
    if (value.trim() !== String(s[field] ?? '')) patch[field] = value.trim();
  };
  text('business_name', f.business_name);
  text('redirect_url', f.redirect_url);
  // Empty is a setting of its own (no parameter), so it is sent as ''.
  const param = f.lead_id_param.trim();
  if (param !== (s.lead_id_param ?? DEFAULT_LEAD_ID_PARAM)) patch.lead_id_param = param;
  text('time_zone', f.time_zone);
  text('currency', f.currency.toUpperCase());
  text('default_region', f.default_region.toUpperCase());
  const services = f.services
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
  if (!sameJson(services, s.services)) patch.services = services;
  for (const k of ['stale_after_hours', 'dedupe_window_hours', 'review_delay_minutes'] as const) {
    const v = num(f[k]);
    if (v !== s[k]) patch[k] = v;
  }
  const limits: Record<string, unknown> = {};
  const perMinute = num(f.capture_per_minute);
  if (perMinute !== s.capture_limits?.per_minute) limits.per_minute = perMinute;
  const perClient = num(f.capture_per_client_per_minute);
  if (perClient !== s.capture_limits?.per_client_per_minute) limits.per_client_per_minute = perClient;
  if (Object.keys(limits).length) patch.capture_limits = limits;
  const countries = f.sms_countries
    .split(',')
    .map((x) => x.trim().toUpperCase())
    .filter(Boolean);
  if (!sameJson(countries, s.sms_countries ?? [])) patch.sms_countries = countries;
  const caps: Record<string, unknown> = {};
  const perNumber = num(f.sms_per_number_per_day);
  if (perNumber !== s.sms_limits?.per_number_per_day) caps.per_number_per_day = perNumber;
  const perDay = num(f.sms_per_day);
  if (perDay !== s.sms_limits?.per_day) caps.per_day = perDay;
  if (Object.keys(caps).length) patch.sms_limits = caps;
  const quiet = { start: hhmm(f.quiet_start), end: hhmm(f.quiet_end) };
  if (!sameJson(quiet, s.quiet_hours)) patch.quiet_hours = quiet;
  const business = { start: hhmm(f.business_start), end: hhmm(f.business_end) };
  if (!sameJson(business, s.business_hours)) patch.business_hours = business;
  const reviewUrl = f.review_url.trim() || null;
  if (reviewUrl !== (s.review_url ?? null)) patch.review_url = reviewUrl;
  const auto = f.missed_call_auto ? num(f.missed_call_sms_after_minutes) : null;
  if (auto !== (s.missed_call_sms_after_minutes ?? null)) patch.missed_call_sms_after_minutes = auto;
  const autoTexts: Record<string, boolean> = {};
  if (f.auto_lead_follow_up !== (s.auto_texts?.lead_follow_up ?? false)) autoTexts.lead_follow_up = f.auto_lead_follow_up;
  if (f.auto_milestone_greetings !== (s.auto_texts?.milestone_greetings ?? false)) autoTexts.milestone_greetings = f.auto_milestone_greetings;
  if (Object.keys(autoTexts).length) patch.auto_texts = autoTexts;

  const thresholds: Record<string, unknown> = {};
  for (const k of NUMBER_THRESHOLDS) {
    const v = num(f.thresholds[k] ?? '');
    if (v !== s.thresholds[k]) thresholds[k] = v;
  }
  const ltv = f.thresholds.vip_ltv?.trim() ?? '';
  const ltvMinor = toMinor(ltv, s.currency) ?? ltv;
  if (ltvMinor !== s.thresholds.vip_ltv) thresholds.vip_ltv = ltvMinor;
  const tiers = (f.thresholds.tier_points ?? '').split(',').map((x) => num(x));
  if (!sameJson(tiers, s.thresholds.tier_points)) thresholds.tier_points = tiers;
  // An API from before these sends neither; an untouched empty box then sends nothing.
  const spend = f.thresholds.high_value_spend?.trim() ?? '';
  if (spend !== '' || s.thresholds.high_value_spend != null) {
    const spendMinor = toMinor(spend, s.currency) ?? spend;
    if (spendMinor !== s.thresholds.high_value_spend) thresholds.high_value_spend = spendMinor;
  }
  const visitsText = f.thresholds.visit_milestones?.trim() ?? '';
  if (visitsText !== '' || s.thresholds.visit_milestones != null) {
    const visits = visitsText.split(',').map((x) => num(x));
    if (!sameJson(visits, s.thresholds.visit_milestones)) thresholds.visit_milestones = visits;
  }
  const keyword = (f.thresholds.spa_keyword ?? '').trim();
  if (keyword !== s.thresholds.spa_keyword) thresholds.spa_keyword = keyword;
  if (Object.keys(thresholds).length) patch.thresholds = thresholds;

  const templates: Record<string, string | null> = {};
  for (const k of TEMPLATE_KINDS) {
    if (f.reset.includes(k)) {
      if (s.templates[k]?.custom) templates[k] = null;
    } else if (f.templates[k].trim() !== (s.templates[k]?.text ?? '').trim()) templates[k] = f.templates[k].trim();
  }
  if (Object.keys(templates).length) patch.templates = templates;

  const pixel = f.pixel_id.trim();
  const testCode = f.test_event_code.trim();
  const token = f.access_token.trim();
  if (!pixel && !token && !testCode) {
    if (s.meta) patch.meta = null;
  } else if (pixel !== (s.meta?.pixel_id ?? '') || testCode !== (s.meta?.test_event_code ?? '') || token) {
    const meta: Record<string, string> = { pixel_id: pixel };
    if (token) meta.access_token = token;
    if (testCode) meta.test_event_code = testCode;
    patch.meta = meta;
  }

  const landing: Record<string, unknown> = {};
  for (const k of LANDING_FIELDS) {
    const t = (f.landing[k] ?? '').trim();
    const value = t === '' ? null : LANDING_NUMBERS.includes(k) && /^-?\d+(\.\d+)?$/.test(t) ? Number(t) : t;
    if (value !== (s.landing?.[k] ?? null)) landing[k] = value;
  }
  if (Object.keys(landing).length) patch.landing = landing;
  return patch;
}

/** Where a 422's field errors go: the field each names (when the form shows it), the rest. */
export function placeErrors(
  problem: Problem | null | undefined,
  shown: (field: string) => boolean,
): { byField: Record<string, string>; rest: { field: string; reason: string }[] } {
  const byField: Record<string, string> = {};
  const rest: { field: string; reason: string }[] = [];
  for (const e of problem?.errors ?? []) {
    const reason = e.reason.charAt(0).toUpperCase() + e.reason.slice(1);
    if (shown(e.field)) byField[e.field] = byField[e.field] ? `${byField[e.field]}; ${e.reason}` : reason;
    else rest.push(e);
  }
  return { byField, rest };
}
