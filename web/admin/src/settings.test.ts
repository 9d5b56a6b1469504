import { describe, expect, it } from 'vitest';
import { formFromSettings, hhmm, placeErrors, Settings, settingsPatch } from './settings';

const settings = (): Settings => ({
  business_name: 'Demo Day Spa',
  redirect_url: 'https://booking.example.com/demo',
  time_zone: 'Europe/Dublin',
  default_region: 'IE',
  currency: 'EUR',
  services: ['Facial', 'Massage'],
  stale_after_hours: 48,
  dedupe_window_hours: 24,
  thresholds: {
    vip_visits: 10,
    vip_ltv: 100_000,
    inactive_after_months: 6,
    dormant_after_days: 90,
    loyal_visits: 5,
    points_per_unit: 1,
    tier_points: [500, 2000, 5000],
    spa_keyword: 'spa',
  },
  quiet_hours: { start: '20:00', end: '09:00' },
  business_hours: { start: '09:00', end: '18:00' },
  templates: {
    follow_up: { text: 'Hi {first_name}, book: {booking_url}', custom: false },
    missed_call: { text: 'Sorry we missed you, {first_name}', custom: true },
    review_request: { text: 'Review us: {review_url}', custom: false },
    manual: { text: '{first_name}, a message from {business}.', custom: false },
    milestone: { text: 'Congratulations {first_name}!', custom: false },
  },
  review_delay_minutes: 120,
  review_url: null,
  missed_call_sms_after_minutes: null,
  webhook_secret_set: true,
  meta: { pixel_id: '123456789012345', test_event_code: null, access_token_set: true },
  tenant_id: 'demo',
  version: 3,
  landing: { headline: 'Relax at Demo Day Spa', rating: 4.8, review_count: 212, address: '12 Harbour Road' },
  capture_limits: { per_minute: 60, per_client_per_minute: 10 },
  sms_limits: { per_number_per_day: 5, per_day: 500 },
});

describe('settings form → PATCH body', () => {
  it('sends only the landing fields that changed: numbers as numbers, an emptied field as null', () => {
    const s = settings();
    const f = formFromSettings(s);
    expect(f.landing.rating).toBe('4.8');
    expect(f.landing.logo_url).toBe('');
    f.landing.rating = '4.9';
    f.landing.address = '  ';
    f.landing.reply_within_minutes = '15';
    f.landing.review_count = 'many';
    expect(settingsPatch(s, f)).toEqual({
      landing: { rating: 4.9, address: null, reply_within_minutes: 15, review_count: 'many' },
    });
  });

  it('sends an automatic text switch only when it changed, off when the API has none', () => {
    const s = settings();
    const f = formFromSettings(s);
    expect([f.auto_lead_follow_up, f.auto_milestone_greetings]).toEqual([false, false]);
    expect(settingsPatch(s, { ...f, auto_lead_follow_up: true })).toEqual({ auto_texts: { lead_follow_up: true } });
    const on = { ...s, auto_texts: { lead_follow_up: true, milestone_greetings: true } };
    const g = formFromSettings(on);
    expect(settingsPatch(on, g)).toEqual({});
    expect(settingsPatch(on, { ...g, auto_milestone_greetings: false })).toEqual({
      auto_texts: { milestone_greetings: false },
    });
  });

  it('sends only the capture limit that changed, as a number', () => {
    const s = settings();
    const f = { ...formFromSettings(s), capture_per_client_per_minute: '4' };
    expect(settingsPatch(s, f)).toEqual({ capture_limits: { per_client_per_minute: 4 } });
  });

  it('sends the text countries as upper-case codes and only the changed daily cap', () => {
    const s = settings();
    const f = { ...formFromSettings(s), sms_countries: 'ie, gb', sms_per_day: '900' };
    expect(settingsPatch(s, f)).toEqual({ sms_countries: ['IE', 'GB'], sms_limits: { per_day: 900 } });
  });

  it('sends nothing when nothing changed', () => {
    const s = settings();
    expect(settingsPatch(s, formFromSettings(s))).toEqual({});
  });

  it('never prefills the access token', () => {
    expect(formFromSettings(settings()).access_token).toBe('');
  });

  it('sends only the changed fields, spans as HH:MM and numbers as numbers', () => {
    const s = settings();
    const f = formFromSettings(s);
    f.quiet_start = '21:30';
    f.stale_after_hours = '36';
    f.services = 'Facial, Massage,  Nails ,';
    f.review_url = ' https://g.page/r/demo ';
    expect(settingsPatch(s, f)).toEqual({
      quiet_hours: { start: '21:30', end: '09:00' },
      stale_after_hours: 36,
      services: ['Facial', 'Massage', 'Nails'],
      review_url: 'https://g.page/r/demo',
    });
  });

  it('passes a value that is not a number as text, for the API to name the field', () => {
    const s = settings();
    const f = formFromSettings(s);
    f.review_delay_minutes = 'soon';
    expect(settingsPatch(s, f)).toEqual({ review_delay_minutes: 'soon' });
  });

  it('sends a changed template as text and a reset one as null', () => {
    const s = settings();
    const f = formFromSettings(s);
    f.templates.review_request = '  Thanks {first_name}! {review_url} ';
    f.reset = ['missed_call'];
    expect(settingsPatch(s, f)).toEqual({ templates: { review_request: 'Thanks {first_name}! {review_url}', missed_call: null } });
    // Resetting a template that is already the default sends nothing.
    const g = formFromSettings(s);
    g.reset = ['follow_up'];
    expect(settingsPatch(s, g)).toEqual({});
  });

  it('turns the automatic missed-call text on and off (null = off)', () => {
    const s = settings();
    const f = formFromSettings(s);
    f.missed_call_auto = true;
    f.missed_call_sms_after_minutes = '10';
    expect(settingsPatch(s, f)).toEqual({ missed_call_sms_after_minutes: 10 });
    const on = { ...s, missed_call_sms_after_minutes: 10 };
    const g = formFromSettings(on);
    expect(g.missed_call_auto).toBe(true);
    g.missed_call_auto = false;
    expect(settingsPatch(on, g)).toEqual({ missed_call_sms_after_minutes: null });
  });

  it('sends the changed thresholds only, the VIP value in cents and the tiers as three numbers', () => {
    const s = settings();
    const f = formFromSettings(s);
    expect(f.thresholds.vip_ltv).toBe('1000');
    f.thresholds.vip_ltv = '1500.50';
    f.thresholds.tier_points = '400, 1500, 4000';
    f.thresholds.loyal_visits = '4';
    expect(settingsPatch(s, f)).toEqual({ thresholds: { loyal_visits: 4, vip_ltv: 150_050, tier_points: [400, 1500, 4000] } });
  });

  it('shows the high-value spend in currency units and the visit milestones as three numbers, and sends them changed', () => {
    const s = { ...settings(), thresholds: { ...settings().thresholds, high_value_spend: 50_000, visit_milestones: [10, 25, 50] as [number, number, number] } };
    const f = formFromSettings(s);
    expect([f.thresholds.high_value_spend, f.thresholds.visit_milestones]).toEqual(['500', '10, 25, 50']);
    expect(settingsPatch(s, f)).toEqual({});
    f.thresholds.high_value_spend = '750.25';
    f.thresholds.visit_milestones = '5, 12,30';
    expect(settingsPatch(s, f)).toEqual({ thresholds: { high_value_spend: 75_025, visit_milestones: [5, 12, 30] } });
    // What is not a number goes as typed, for the API to name the field.
    f.thresholds.visit_milestones = '5, many, 30';
    expect(settingsPatch(s, f).thresholds).toMatchObject({ visit_milestones: [5, 'many', 30] });
  });

  it('sends nothing for the new thresholds an older API does not send, unless typed', () => {
    const s = settings();
    const f = formFromSettings(s);
    expect([f.thresholds.high_value_spend, f.thresholds.visit_milestones]).toEqual(['', '']);
    expect(settingsPatch(s, f)).toEqual({});
  });

  it('sends the lead id parameter changed, empty as empty (no parameter), and reads a missing one as the default', () => {
    const s = { ...settings(), lead_id_param: 'lead_id' };
    const f = formFromSettings(s);
    expect(f.lead_id_param).toBe('lead_id');
    expect(settingsPatch(s, f)).toEqual({});
    expect(settingsPatch(s, { ...f, lead_id_param: ' crm_lead ' })).toEqual({ lead_id_param: 'crm_lead' });
    expect(settingsPatch(s, { ...f, lead_id_param: '' })).toEqual({ lead_id_param: '' });
    expect(formFromSettings(settings()).lead_id_param).toBe('lead_id');
    expect(settingsPatch({ ...s, lead_id_param: '' }, { ...f, lead_id_param: '' })).toEqual({});
  });

  it('keeps the stored token unless a new one is typed, and removes Meta when emptied', () => {
    const s = settings();
    const f = formFromSettings(s);
    f.pixel_id = '999999999999';
    expect(settingsPatch(s, f)).toEqual({ meta: { pixel_id: '999999999999' } });
    f.access_token = 'EAAB-new';
    f.test_event_code = 'TEST123';
    expect(settingsPatch(s, f)).toEqual({ meta: { pixel_id: '999999999999', access_token: 'EAAB-new', test_event_code: 'TEST123' } });
    const g = formFromSettings(s);
    g.pixel_id = '';
    expect(settingsPatch(s, g)).toEqual({ meta: null });
    const none = { ...s, meta: null };
    expect(settingsPatch(none, formFromSettings(none))).toEqual({});
  });

  it('reads time inputs as HH:MM', () => {
    expect(hhmm('9:05')).toBe('09:05');
    expect(hhmm('21:30:00')).toBe('21:30');
    expect(hhmm(' 7pm ')).toBe('7pm');
  });
});

describe('422 field errors', () => {
  it('go next to the fields the form shows; the rest to the summary', () => {
    const shown = new Set(['quiet_hours', 'templates.review_request']);
    const { byField, rest } = placeErrors(
      {
        status: 422,
        errors: [
          { field: 'templates.review_request', reason: 'unknown variable {firstname}; use first_name, name, business, booking_url, review_url' },
          { field: 'quiet_hours', reason: 'must be {"start": "HH:MM", "end": "HH:MM"}' },
          { field: 'currency', reason: 'must be an ISO 4217 code such as EUR' },
        ],
      },
      (f) => shown.has(f),
    );
    expect(byField['templates.review_request']).toBe('Unknown variable {firstname}; use first_name, name, business, booking_url, review_url');
    expect(byField.quiet_hours).toMatch(/^Must be/);
    expect(rest).toEqual([{ field: 'currency', reason: 'must be an ISO 4217 code such as EUR' }]);
  });

  it('are none without a problem', () => {
    expect(placeErrors(null, () => true)).toEqual({ byField: {}, rest: [] });
  });
});
