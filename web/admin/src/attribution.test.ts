import { describe, expect, it } from 'vitest';
import { campaignOf, customerFirstTouch, lastTouch, leadFirstTouch } from './attribution';

describe('touches', () => {
  it('names the campaign by its UTM parameters, else the ad click it carried', () => {
    expect(campaignOf({ utm_source: 'google', utm_medium: 'cpc', utm_campaign: 'brand', gclid: 'G1' })).toBe('google / cpc / brand');
    expect(campaignOf({ utm_campaign: 'spring' })).toBe('spring');
    expect(campaignOf({ gclid: 'G1' })).toBe('Google Ads click');
    expect(campaignOf({ fbclid: 'F1' })).toBe('Meta ad click');
    expect(campaignOf({ referrer: 'https://example.com', utm_source: ' ' })).toBeNull();
    expect(campaignOf(undefined)).toBeNull();
  });

  it('gives a lead’s first touch (its capture) and its last (a repeat capture), or none', () => {
    const lead: Parameters<typeof leadFirstTouch>[0] = { source: 'meta_ad', created_at: '2026-03-01T09:00:00Z', touch: { utm_source: 'facebook' } };
    expect(leadFirstTouch(lead)).toEqual({ source: 'meta_ad', campaign: 'facebook', at: '2026-03-01T09:00:00Z' });
    expect(lastTouch(lead)).toBeNull();
    const last = { source: 'google_ad' as const, at: '2026-03-02T10:00:00Z', gclid: 'G1' };
    expect(lastTouch({ last_touch: last })).toEqual({ source: 'google_ad', campaign: 'Google Ads click', at: '2026-03-02T10:00:00Z' });
    // The first touch again (a customer from one lead captured once) is no other touch.
    const first = { source: 'google_ad', campaign: 'Google Ads click', at: '2026-03-02T10:00:00Z' };
    expect(lastTouch({ last_touch: last }, first)).toBeNull();
    expect(lastTouch({ last_touch: last }, { ...first, at: '2026-03-01T10:00:00Z' })).toEqual(lastTouch({ last_touch: last }));
  });

  it('gives a customer’s first touch from their earliest lead, else from when they were added', () => {
    const leads = [
      { created_at: '2026-03-05T09:00:00Z', touch: { utm_campaign: 'later' } },
      { created_at: '2026-03-01T09:00:00Z', touch: { utm_campaign: 'first' } },
    ];
    expect(customerFirstTouch({ source: 'meta_ad', created_at: '2026-03-06T00:00:00Z' }, leads)).toEqual({ source: 'meta_ad', campaign: 'first', at: '2026-03-01T09:00:00Z' });
    expect(customerFirstTouch({ created_at: '2026-03-06T00:00:00Z' }, [])).toEqual({ source: null, campaign: null, at: '2026-03-06T00:00:00Z' });
  });
});
