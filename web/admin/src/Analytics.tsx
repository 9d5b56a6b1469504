// Lead analytics (GET /leads/analytics): headline numbers and bar charts in plain CSS.
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
  by_status: Record<string, number>;
  trend: { month: string; leads: number; won: number }[];
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
  const sources = Object.entries(d.by_source).sort((x, y) => y[1] - x[1]).map(([k, v]) => [k.replace(/_/g, ' '), v] as [string, number]);
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
          <h2>By source</h2>
          <Bars rows={sources} label="Leads by source" />
          <h2>By status</h2>
          <Bars rows={statuses} label="Leads by status" />
        </div>
        <div class="panel">
          <h2>Leads per month (won in brackets)</h2>
          <Bars rows={d.trend.map((t) => [`${t.month} (${t.won})`, t.leads] as [string, number])} label="Leads per month" />
        </div>
      </div>
    </section>
  );
}
