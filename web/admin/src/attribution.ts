// Where a lead or customer came from: the first touch (the lead's capture, never overwritten)
// and the last (a repeat capture of the same phone within the dedupe window), each as a
// source, a campaign and a time.

import type { components } from './api.gen';

type Schemas = components['schemas'];
export type Touch = Schemas['Touch'];
export type LastTouch = Schemas['LastTouch'];

/** One touch as the screens show it. */
export interface TouchSummary {
  /** `google_ad`, `walk_in`, …; null when not known (a customer from before sources were kept). */
  source: string | null;
  /** "google / cpc / spring", else the ad click it carried ("Google Ads click"), else null. */
  campaign: string | null;
  at: string | null;
}

/** The campaign a touch names: its UTM source, medium and campaign, or the ad click it carried. */
export function campaignOf(t: Partial<Touch> | null | undefined): string | null {
  if (!t) return null;
  const utm = [t.utm_source, t.utm_medium, t.utm_campaign].filter((p): p is string => !!p && !!p.trim());
  if (utm.length) return utm.join(' / ');
  if (t.gclid) return 'Google Ads click';
  if (t.fbclid || t.fbp) return 'Meta ad click';
  return null;
}

interface LeadTouches {
  source: string;
  created_at: string;
  touch?: Touch | null;
  last_touch?: LastTouch | null;
}

/** A lead's first touch: its source and capture. */
export function leadFirstTouch(l: LeadTouches): TouchSummary {
  return { source: l.source, campaign: campaignOf(l.touch), at: l.created_at };
}

/**
 * A last touch (a lead's or a customer's), or null when there was none after `first` (a
 * customer from one lead captured once has that capture as both).
 */
export function lastTouch(x: { last_touch?: LastTouch | null }, first?: TouchSummary): TouchSummary | null {
  const t = x.last_touch;
  if (!t || typeof t !== 'object' || typeof t.source !== 'string') return null;
  const last = { source: t.source, campaign: campaignOf(t), at: typeof t.at === 'string' ? t.at : null };
  const same = first && first.source === last.source && first.campaign === last.campaign && first.at === last.at;
  return same ? null : last;
}

/**
 * A customer's first touch: their acquisition source, and when it was — the earliest of the
 * leads that became them (with its campaign), else when they became a customer.
 */
export function customerFirstTouch(c: { source?: string | null; created_at: string }, leads: Pick<LeadTouches, 'created_at' | 'touch'>[]): TouchSummary {
  const first = [...leads].sort((a, b) => (a.created_at < b.created_at ? -1 : 1))[0];
  return { source: c.source ?? null, campaign: campaignOf(first?.touch), at: first?.created_at ?? c.created_at };
}
