// The lead list with filters, and one lead: details, edit, status, events and notes.
import { useState } from 'preact/hooks';
import { api, ApiError, qs } from './api';
import { LostReasonDialog, changeStatus } from './Board';
import { lastTouch, leadFirstTouch } from './attribution';
import { canMove, currencySymbol, dateTime, fromMinor, Lead, LeadDetail, money, shortDate, Status, statusLabel, STATUSES, toMinor } from './model';
import { Link, navigate } from './router';
import { TaskTable } from './Tasks';
import { TouchLine } from './Touches';
import { mayCreateLeads } from './roles';
import { Empty, ErrorMessage, LoadMore, Loading, StatusBadge, useLoad, usePages } from './ui';

export const SOURCES = ['meta_ad', 'google_ad', 'instagram', 'facebook', 'whatsapp', 'gmb', 'website', 'organic', 'referral', 'walk_in', 'phone_call', 'qr', 'manual', 'import'];

interface Page<T> {
  items: T[];
  next_cursor?: string | null;
}

export function LeadList({ query, role }: { query: URLSearchParams; role?: string }) {
  const filters = {
    status: query.get('status') ?? '',
    source: query.get('source') ?? '',
    stale: query.get('stale') ?? '',
    assignee: query.get('assignee') ?? '',
    q: query.get('q') ?? '',
    created_from: query.get('created_from') ?? '',
    created_to: query.get('created_to') ?? '',
  };
  const key = JSON.stringify(filters);
  const page = usePages((cursor) => api.get<Page<Lead>>(`/leads${qs({ ...filters, limit: 25, cursor })}`).then((p) => ({ items: p.items, next: p.next_cursor ?? null })), [key]);
  const set = (name: string, value: string) => {
    const next = { ...filters, [name]: value };
    navigate(`/leads${qs(next)}`, true);
  };
  const items = page.items;
  return (
    <section aria-labelledby="leads-title">
      <div class="toolbar">
        <h1 id="leads-title">Leads</h1>
        {mayCreateLeads(role) && (
          <Link to="/leads/new" class="button">
            New lead
          </Link>
        )}
      </div>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Search
          <input type="search" value={filters.q} placeholder="Name, email or phone" onChange={(e) => set('q', (e.target as HTMLInputElement).value)} />
        </label>
        <label>
          Status
          <select value={filters.status} onChange={(e) => set('status', (e.target as HTMLSelectElement).value)}>
            <option value="">Any</option>
            {STATUSES.map((s) => (
              <option value={s}>{statusLabel(s)}</option>
            ))}
          </select>
        </label>
        <label>
          Source
          <select value={filters.source} onChange={(e) => set('source', (e.target as HTMLSelectElement).value)}>
            <option value="">Any</option>
            {SOURCES.map((s) => (
              <option value={s}>{s.replace(/_/g, ' ')}</option>
            ))}
          </select>
        </label>
        <label>
          Stale
          <select value={filters.stale} onChange={(e) => set('stale', (e.target as HTMLSelectElement).value)}>
            <option value="">Any</option>
            <option value="true">Stale only</option>
            <option value="false">Fresh only</option>
          </select>
        </label>
        <label>
          Assignee
          <input value={filters.assignee} placeholder="e.g. aoife" onChange={(e) => set('assignee', (e.target as HTMLInputElement).value.trim())} />
        </label>
        <label>
          From
          <input type="date" value={filters.created_from} onChange={(e) => set('created_from', (e.target as HTMLInputElement).value)} />
        </label>
        <label>
          To
          <input type="date" value={filters.created_to} onChange={(e) => set('created_to', (e.target as HTMLInputElement).value)} />
        </label>
      </form>
      {page.loading && <Loading what="Loading leads" />}
      <ErrorMessage error={page.error} retry={page.reload} />
      {!page.loading && !page.error && items.length === 0 && <Empty>No leads match these filters.</Empty>}
      {items.length > 0 && (
        <table class="table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Status</th>
              <th>Service</th>
              <th>Source</th>
              <th>Assignee</th>
              <th>Value</th>
              <th>Created</th>
            </tr>
          </thead>
          <tbody>
            {items.map((l) => (
              <tr key={l.id}>
                <td>
                  <Link to={`/leads/${l.id}`}>{l.name}</Link> {l.stale && <span class="badge stale">stale</span>}
                </td>
                <td>
                  <StatusBadge status={l.status} />
                </td>
                <td>{l.service ?? '—'}</td>
                <td>{l.source.replace(/_/g, ' ')}</td>
                <td>{l.assignee ?? <span class="muted">—</span>}</td>
                <td>{money(l.expected_value)}</td>
                <td>{shortDate(l.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <LoadMore pages={page} />
    </section>
  );
}

const EDITABLE = ['name', 'phone', 'email', 'service', 'assignee', 'expected_value'] as const;

export function LeadView({ id }: { id: string }) {
  const lead = useLoad(() => api.get<LeadDetail>(`/leads/${id}`), [id]);
  const [editing, setEditing] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [asking, setAsking] = useState<Status | null>(null);
  const [note, setNote] = useState('');
  if (lead.loading && !lead.data) return <Loading what="Loading the lead" />;
  if (!lead.data) return <ErrorMessage error={lead.error} retry={lead.reload} />;
  const l = lead.data;

  const failed = (e: unknown) => {
    setError(e);
    if (e instanceof ApiError && (e.status === 412 || e.status === 409)) lead.reload();
  };
  const move = async (to: Status, reason?: string) => {
    if (to === 'lost' && !reason) return setAsking('lost');
    try {
      setError(null);
      await changeStatus(l, to, reason);
      lead.reload();
    } catch (e) {
      failed(e);
    }
  };

  return (
    <section aria-labelledby="lead-title">
      <p>
        <Link to="/board">← Board</Link>
      </p>
      <div class="toolbar">
        <h1 id="lead-title">{l.name}</h1>
        <StatusBadge status={l.status} />
        {l.stale && <span class="badge stale">stale</span>}
      </div>
      <ErrorMessage error={error} />
      <div class="grid2">
        <div class="panel">
          {!editing ? (
            <>
              <dl class="facts">
                <dt>Phone</dt>
                <dd>
                  <a href={`tel:${l.phone}`}>{l.phone_raw || l.phone}</a>
                </dd>
                <dt>Email</dt>
                <dd>{l.email ?? '—'}</dd>
                <dt>Service</dt>
                <dd>{l.service ?? '—'}</dd>
                <dt>Value</dt>
                <dd>{money(l.expected_value)}</dd>
                <dt>First touch</dt>
                <dd class="first-touch">
                  <TouchLine touch={leadFirstTouch(l)} />
                </dd>
                <dt>Last touch</dt>
                <dd class="last-touch">
                  {lastTouch(l) ? <TouchLine touch={lastTouch(l)!} /> : <span class="muted">Same as the first (one enquiry)</span>}
                </dd>
                <dt>Assignee</dt>
                <dd>{l.assignee ?? '—'}</dd>
                {l.lost_reason && (
                  <>
                    <dt>Lost because</dt>
                    <dd>{l.lost_reason}</dd>
                  </>
                )}
                {l.customer_id && (
                  <>
                    <dt>Customer</dt>
                    <dd>
                      <Link to={`/customers/${l.customer_id}`}>Open profile</Link>
                    </dd>
                  </>
                )}
              </dl>
              <div class="actions">
                <button type="button" class="secondary" onClick={() => setEditing(true)}>
                  Edit
                </button>
                {!l.customer_id && (
                  <button
                    type="button"
                    class="secondary"
                    onClick={async () => {
                      try {
                        setError(null);
                        const done = await api.post<{ customer: { id: string }; created: boolean }>(`/leads/${l.id}/convert`);
                        navigate(`/customers/${done.customer.id}`);
                      } catch (err) {
                        failed(err);
                      }
                    }}
                  >
                    Make customer
                  </button>
                )}
              </div>
            </>
          ) : (
            <form
              class="form"
              onSubmit={async (e) => {
                e.preventDefault();
                const data = new FormData(e.target as HTMLFormElement);
                const patch: Record<string, unknown> = {};
                for (const f of EDITABLE) {
                  const v = String(data.get(f) ?? '').trim();
                  const old = (l as unknown as Record<string, unknown>)[f];
                  if (f === 'expected_value') {
                    const cents = v === '' ? null : (toMinor(v) ?? v);
                    if (cents !== (old ?? null)) patch[f] = cents;
                  } else if (v !== String(old ?? '')) patch[f] = v === '' ? null : v;
                }
                try {
                  setError(null);
                  if (Object.keys(patch).length) await api.patch(`/leads/${l.id}`, patch, l.version);
                  setEditing(false);
                  lead.reload();
                } catch (err) {
                  failed(err);
                  if (err instanceof ApiError && err.status === 412) setEditing(false);
                }
              }}
            >
              {EDITABLE.map((f) => (
                <label key={f}>
                  {f === 'expected_value' ? `Value (${currencySymbol()})` : f.charAt(0).toUpperCase() + f.slice(1)}
                  <input
                    name={f}
                    type={f === 'expected_value' ? 'number' : f === 'email' ? 'email' : 'text'}
                    step={f === 'expected_value' ? '0.01' : undefined}
                    defaultValue={
                      f === 'expected_value'
                        ? l.expected_value == null
                          ? ''
                          : fromMinor(l.expected_value)
                        : String((l as unknown as Record<string, unknown>)[f] ?? '')
                    }
                  />
                </label>
              ))}
              <div class="actions">
                <button type="button" class="secondary" onClick={() => setEditing(false)}>
                  Cancel
                </button>
                <button type="submit">Save</button>
              </div>
            </form>
          )}
        </div>
        <div class="panel">
          <h2>Status</h2>
          <div class="chips">
            {STATUSES.filter((s) => canMove(l.status, s)).map((s) => (
              <button type="button" class="secondary" onClick={() => move(s)}>
                {statusLabel(s)}
              </button>
            ))}
            {!STATUSES.some((s) => canMove(l.status, s)) && <Empty>Won is final.</Empty>}
          </div>
          <h2>Tasks</h2>
          {(l.tasks ?? []).length === 0 ? (
            <Empty>No tasks.</Empty>
          ) : (
            <TaskTable
              tasks={l.tasks ?? []}
              showLead={false}
              label="Tasks of this lead"
              onComplete={async (t) => {
                try {
                  setError(null);
                  await api.post(`/tasks/${t.id}/complete`);
                } catch (e) {
                  setError(e);
                }
                lead.reload();
              }}
            />
          )}
          <h2>History</h2>
          {l.events.length === 0 ? (
            <Empty>No status changes yet.</Empty>
          ) : (
            <ol class="events">
              {l.events.map((ev) => (
                <li>
                  {statusLabel(ev.from ?? '')} → <strong>{statusLabel(ev.to)}</strong>
                  {ev.reason && <> ({ev.reason})</>} · {ev.actor} · {dateTime(ev.at)}
                </li>
              ))}
            </ol>
          )}
          <h2>Notes</h2>
          <form
            class="inline"
            onSubmit={async (e) => {
              e.preventDefault();
              if (!note.trim()) return;
              try {
                await api.post(`/leads/${l.id}/notes`, { body: note.trim() });
                setNote('');
                lead.reload();
              } catch (err) {
                setError(err);
              }
            }}
          >
            <label class="sr-only" for="lead-note">
              New note
            </label>
            <input id="lead-note" value={note} placeholder="Add a note" onInput={(e) => setNote((e.target as HTMLInputElement).value)} />
            <button type="submit">Add</button>
          </form>
          {l.notes.length === 0 ? (
            <Empty>No notes.</Empty>
          ) : (
            <ul class="notes">
              {l.notes.map((n) => (
                <li>
                  {n.body}
                  <small>
                    {' '}
                    · {n.author} · {dateTime(n.created_at)}
                  </small>
                </li>
              ))}
            </ul>
          )}
        </div>
      </div>
      {asking && (
        <LostReasonDialog
          lead={l}
          onDone={(reason) => {
            setAsking(null);
            if (reason) void move('lost', reason);
          }}
        />
      )}
    </section>
  );
}
