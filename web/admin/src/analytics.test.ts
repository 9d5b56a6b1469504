import { describe, expect, it } from 'vitest';
import { conversionBySource, monthLabel } from './Analytics';

describe('conversion by source', () => {
  it('divides each source’s wins by its leads, most leads first', () => {
    expect(conversionBySource({ meta_ad: 4, website: 1, walk_in: 0 }, { meta_ad: 1, website: 1 })).toEqual([
      { source: 'meta_ad', leads: 4, won: 1, rate: 0.25 },
      { source: 'website', leads: 1, won: 1, rate: 1 },
      { source: 'walk_in', leads: 0, won: 0, rate: 0 },
    ]);
  });

  it('never shows more than 100% nor divides by zero', () => {
    expect(conversionBySource({ google_ad: 1 }, { google_ad: 3, manual: 1 })).toEqual([
      { source: 'google_ad', leads: 1, won: 3, rate: 1 },
      { source: 'manual', leads: 0, won: 1, rate: 0 },
    ]);
  });
});

describe('trend month labels', () => {
  it('show the year on the first column and on each January only', () => {
    expect(monthLabel('2025-11', true)).toBe("Nov '25");
    expect(monthLabel('2025-12', false)).toBe('Dec');
    expect(monthLabel('2026-01', false)).toBe("Jan '26");
    expect(monthLabel('not-a-month', false)).toBe('not-a-month');
  });
});
