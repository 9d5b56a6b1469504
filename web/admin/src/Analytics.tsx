// Lead analytics (GET /leads/analytics): headline numbers, conversion by source (bars in plain
// CSS) and the monthly trend (an SVG column chart).
import { api } from './api';
import { statusLabel, STATUSES } from './model';
import { Empty, ErrorMessage, Loading, useLoad } from './ui';

interface Analytics {
  total: number;
  new_this_month: number;
  converted: number;
  conversion_rate: number;
  growth_pct: number | null;
  by_source: Record<string, number>;
  won_by_source: Record<string, number>;
  by_status: Record<string, number>;
  trend: { month: string; leads: number; won: number }[];
}

export interface SourceConversion {
  source: string;
  leads: number;
  won: number;
  /** Won ÷ leads, 0–1 (0 without leads). */
  rate: number;
}

/** Each source's leads, wins and conversion, most leads first. */
export function conversionBySource(bySource: Record<string, number>, wonBySource: Record<string, number> = {}): SourceConversion[] {
  const sources = new Set([...Object.keys(bySource), ...Object.keys(wonBySource)]);
  return [...sources]
    .map((source) => {
      const leads = bySource[source] ?? 0;
      const won = wonBySource[source] ?? 0;
      return { source, leads, won, rate: leads > 0 ? Math.min(1, won / leads) : 0 };
    })
    .sort((a, b) => b.leads - a.leads || b.won - a.won || a.source.localeCompare(b.source));
}

const percent = (rate: number) => `${Math.round(rate * 1000) / 10}%`;

/** Conversion of each source: a bar for its rate, its wins out of its leads. */
function ConversionBars({ rows }: { rows: SourceConversion[] }) {
  if (rows.length === 0) return <Empty>No leads yet.</Empty>;
  return (
    <table class="bars" aria-label="Conversion by source">
      <thead>
        <tr>
          <th scope="col">Source</th>
          <th scope="col">Converted</th>
          <th scope="col" class="num conv">
            Rate (won/leads)
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.source}>
            <th scope="row">{r.source.replace(/_/g, ' ')}</th>
            <td>
              <span class="bar won" style={{ width: `${r.rate * 100}%` }} />
            </td>
            <td class="num conv">
              {percent(r.rate)} <span class="muted">({r.won}/{r.leads})</span>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** `2026-01` → `Jan '26`; the year is shown on the first column and on each January. */
export const monthLabel = (ym: string, first: boolean) => {
  const name = MONTHS[Number(ym.slice(5, 7)) - 1];
  if (!name) return ym;
  return first || ym.slice(5, 7) === '01' ? `${name} '${ym.slice(2, 4)}` : name;
};

/** Leads per month as columns, the month's wins as a darker column inside each. */
export function TrendChart({ trend }: { trend: Analytics['trend'] }) {
  const max = Math.max(1, ...trend.map((t) => t.leads));
  const w = 42; // room for a label like "Jan '26"
  const h = 140;
  const top = 16;
  const scale = (n: number) => (n / max) * h;
  const summary = trend.map((t) => `${t.month}: ${t.leads} leads, ${t.won} won`).join('; ');
  return (
    <figure class="trend">
      <svg viewBox={`0 0 ${trend.length * w} ${h + top + 20}`} role="img" aria-label={`Leads and wins per month. ${summary}`}>
        {trend.map((t, i) => {
          const x = i * w + 6;
          const lh = scale(t.leads);
          const wh = scale(Math.min(t.won, t.leads));
          return (
            <g key={t.month} data-month={t.month}>
              <title>{`${t.month}: ${t.leads} leads, ${t.won} won`}</title>
              <rect class="leads" x={x} y={top + h - lh} width={w - 12} height={lh} rx={2} />
              <rect class="won" x={x} y={top + h - wh} width={w - 12} height={wh} rx={2} />
              {t.leads > 0 && (
                <text class="value" x={x + (w - 12) / 2} y={top + h - lh - 3} text-anchor="middle">
                  {t.leads}
                </text>
              )}
              <text class="month" x={x + (w - 12) / 2} y={top + h + 14} text-anchor="middle">
                {monthLabel(t.month, i === 0)}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption>
        <span class="key leads" /> leads <span class="key won" /> won
      </figcaption>
    </figure>
  );
}

/** Bars for `rows` scaled to the largest value. */
export function Bars({ rows, label }: { rows: [string, number][]; label: string }) {
  const max = Math.max(1, ...rows.map(([, v]) => v));
  if (rows.length === 0) return <Empty>No data yet.</Empty>;
  return (
    <table class="bars" aria-label={label}>
      <tbody>
        {rows.map(([name, v]) => (
          <tr key={name}>
            <th scope="row">{name}</th>
            <td>
              <span class="bar" style={{ width: `${(v / max) * 100}%` }} />
            </td>
            <td class="num">{v}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function AnalyticsView() {
  const a = useLoad(() => api.get<Analytics>('/leads/analytics'), []);
  if (a.loading && !a.data) return <Loading what="Loading analytics" />;
  if (!a.data) return <ErrorMessage error={a.error} retry={a.reload} />;
  const d = a.data;
  const kpi = (label: string, value: string | number) => (
    <div class="kpi">
      <span class="kpi-value">{value}</span>
      <span class="kpi-label">{label}</span>
    </div>
  );
  const conversion = conversionBySource(d.by_source, d.won_by_source);
  const statuses = STATUSES.map((s) => [statusLabel(s), d.by_status[s] ?? 0] as [string, number]);
  return (
    <section aria-labelledby="analytics-title">
      <h1 id="analytics-title">Analytics</h1>
      <div class="kpis">
        {kpi('Leads', d.total)}
        {kpi('New this month', d.new_this_month)}
        {kpi('Converted', d.converted)}
        {kpi('Conversion rate', `${Math.round(d.conversion_rate * 1000) / 10}%`)}
        {kpi('Month over month', d.growth_pct == null ? '—' : `${d.growth_pct > 0 ? '+' : ''}${Math.round(d.growth_pct)}%`)}
      </div>
      <div class="grid2">
        <div class="panel">
          <h2>Conversion by source</h2>
          <ConversionBars rows={conversion} />
          <h2>By status</h2>
          <Bars rows={statuses} label="Leads by status" />
        </div>
        <div class="panel">
          <h2>Monthly trend</h2>
          <TrendChart trend={d.trend} />
        </div>
      </div>
    </section>
  );
}
