import { describe, expect, it } from 'vitest';
import { boardColumns, canMove, Column, Lead, money, moveOnBoard } from './model';

const lead = (id: string, status: Lead['status'], value: number): Lead => ({
  id,
  name: id,
  phone: '+353870000000',
  status,
  expected_value: value,
  source: 'website',
  stale: false,
  created_at: '2026-11-01T10:00:00Z',
  updated_at: '2026-11-01T10:00:00Z',
  version: 1,
});

describe('board grouping', () => {
  it('shows every status in pipeline order, empty ones too', () => {
    const cols = boardColumns([
      { status: 'won', count: 1, expected_value: 100, leads: [lead('w', 'won', 100)] },
      { status: 'new', count: 2, expected_value: 300, leads: [lead('a', 'new', 100), lead('b', 'new', 200)] },
    ]);
    expect(cols.map((c) => c.status)).toEqual(['new', 'contacted', 'follow_up', 'booked', 'won', 'lost']);
    expect(cols[1]).toEqual({ status: 'contacted', count: 0, expected_value: 0, leads: [] });
    expect(cols[0].count).toBe(2);
  });

  it('moves a card with its count and money', () => {
    const a = lead('a', 'new', 6000);
    const cols: Column[] = boardColumns([{ status: 'new', count: 2, expected_value: 9000, leads: [a, lead('b', 'new', 3000)] }]);
    const moved = moveOnBoard(cols, a, 'contacted');
    const byStatus = Object.fromEntries(moved.map((c) => [c.status, c]));
    expect(byStatus.new.count).toBe(1);
    expect(byStatus.new.expected_value).toBe(3000);
    expect(byStatus.new.leads.map((l) => l.id)).toEqual(['b']);
    expect(byStatus.contacted.count).toBe(1);
    expect(byStatus.contacted.expected_value).toBe(6000);
    expect(byStatus.contacted.leads[0].status).toBe('contacted');
    expect(moveOnBoard(cols, a, 'new')).toEqual(cols);
  });

  it('follows the status machine', () => {
    expect(canMove('new', 'contacted')).toBe(true);
    expect(canMove('lost', 'contacted')).toBe(true);
    expect(canMove('lost', 'won')).toBe(false);
    expect(canMove('won', 'lost')).toBe(false);
    expect(canMove('booked', 'won')).toBe(true);
  });

  it('formats minor units as euros', () => {
    expect(money(19500)).toBe('€195');
    expect(money(1999)).toBe('€19.99');
    expect(money(null)).toBe('€0');
  });
});
