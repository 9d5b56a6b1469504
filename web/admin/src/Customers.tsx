// Customers: search as you type, sort by each KPI, filters; and one customer's profile
// (details and their edit, journey, tags, notes, texts, bookings, the timeline and its search).
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, apiBase, ApiError, getToken, qs } from './api';
import { CustomerRow, dateTime, Lead, joinCsvPages, joinDays, money, notesFromTimeline, shortDate, textsFromTimeline, TimelineDay, TIMELINE_TYPES } from './model';
import { Link, navigate } from './router';
import { SOURCES } from './Leads';
import { mayImport } from './imports';
import { customerIdFromUrl, mayReview, mergedInto } from './duplicates';
import { Customer, milestoneDates } from './customerForm';
import { EditProfile } from './CustomerForm';
import { CustomerNotes, DeleteCustomer, Journey, ProfileFacts } from './ProfileParts';
import { RedeemPoints } from './RedeemPoints';
import { mayDeleteCustomers, mayEditCustomers } from './roles';
import { Empty, ErrorMessage, LoadMore, Loading, StatusBadge, takeFlash, useLoad, usePages } from './ui';

const SORTS: [string, string][] = [
  ['created', 'Newest'],
  ['name', 'Name'],
  ['ltv', 'Lifetime value'],
  ['visits', 'Visits'],
  ['last_visit', 'Last visit'],
  ['points', 'Points'],
  ['no_shows', 'No-shows'],
];

interface CustomerPage {
  customers: CustomerRow[];
  next_cursor?: string | null;
}

/** `value` once it has stopped changing for `ms`. */
export function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

export function CustomerList({ query, role }: { query: URLSearchParams; role?: string }) {
  const f = {
    sort: query.get('sort') ?? 'created',
    order: query.get('order') ?? '',
    segment: query.get('segment') ?? '',
    tag: query.get('tag') ?? '',
    stage: query.get('stage') ?? '',
    at_risk: query.get('at_risk') ?? '',
    source: query.get('source') ?? '',
  };
  const urlQ = query.get('q') ?? '';
  const [q, setQ] = useState(urlQ);
  const search = useDebounced(q.trim(), 250);
  // The search lives in the URL (Back, a shared link): typing writes it once it settles, and
  // a URL changed elsewhere (the nav, Back) is shown in the box.
  useEffect(() => {
    if (urlQ.trim() !== search) setQ(urlQ);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [urlQ]);
  useEffect(() => {
    if (search !== urlQ.trim()) navigate(`/customers${qs({ ...f, q: search })}`, true);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [search]);
  const searching = search.length >= 2;
  const params = searching ? { q: search, ...pick(f, ['segment', 'tag', 'stage', 'at_risk', 'source']) } : f;
  const key = JSON.stringify(params);
  const page = usePages(
    (cursor) => api.get<CustomerPage>(`/customers${qs({ ...params, limit: 50, cursor })}`).then((p) => ({ items: p.customers, next: p.next_cursor ?? null })),
    [key],
  );
  const set = (name: string, value: string) => navigate(`/customers${qs({ ...f, q, [name]: value })}`, true);
  const sortBy = (s: string) => {
    const order = f.sort === s ? (f.order === 'asc' ? 'desc' : f.order === 'desc' ? 'asc' : s === 'name' ? 'desc' : 'asc') : '';
    navigate(`/customers${qs({ ...f, q, sort: s, order })}`, true);
  };
  const rows = page.items;
  // What the last screen left to say (a customer deleted).
  const [said] = useState(takeFlash);
  const [exporting, setExporting] = useState(false);
  const [exportError, setExportError] = useState<unknown>(null);
  const exportAll = async () => {
    setExporting(true);
    setExportError(null);
    try {
      await exportCustomers(f);
    } catch (e) {
      setExportError(e);
    } finally {
      setExporting(false);
    }
  };
  const header = (s: string, label: string) => (
    <th aria-sort={f.sort === s ? (f.order === 'asc' || (s === 'name' && !f.order) ? 'ascending' : 'descending') : undefined}>
      <button type="button" class="link" disabled={searching} onClick={() => sortBy(s)}>
        {label}
      </button>
    </th>
  );
  return (
    <section aria-labelledby="customers-title">
      <div class="toolbar">
        <h1 id="customers-title">Customers</h1>
        {mayEditCustomers(role) && <Link to="/customers/new" class="button">Add customer</Link>}
        {mayImport(role) && (
          <Link to="/imports" class="button secondary">
            Import clients
          </Link>
        )}
        {mayReview(role) && (
          <Link to="/duplicates" class="button secondary">
            Possible duplicates
          </Link>
        )}
        <button
          type="button"
          class="secondary"
          disabled={exporting || searching}
          title={searching ? 'Exports the filtered list, not a search' : 'Every customer these filters select, in this order (owner, admin)'}
          onClick={exportAll}
        >
          {exporting ? 'Exporting…' : 'Export CSV'}
        </button>
      </div>
      <p class="notice" role="status">
        {said}
      </p>
      <ErrorMessage error={exportError} />
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Search
          <input type="search" value={q} placeholder="Name, email or phone digits" onInput={(e) => setQ((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          Sort
          <select value={f.sort} disabled={searching} onChange={(e) => set('sort', (e.target as HTMLSelectElement).value)}>
            {SORTS.map(([v, l]) => (
              <option value={v}>{l}</option>
            ))}
          </select>
        </label>
        <label>
          Segment
          <select value={f.segment} onChange={(e) => set('segment', (e.target as HTMLSelectElement).value)}>
            <option value="">Any</option>
            {['lead', 'active', 'inactive', 'vip'].map((s) => (
              <option value={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          Stage
          <select value={f.stage} onChange={(e) => set('stage', (e.target as HTMLSelectElement).value)}>
            <option value="">Any</option>
            {['discovery', 'engagement', 'activation', 'retention', 'advocacy', 'churned'].map((s) => (
              <option value={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          Source
          <select value={f.source} onChange={(e) => set('source', (e.target as HTMLSelectElement).value)}>
            <option value="">Any</option>
            {SOURCES.map((s) => (
              <option value={s}>{s.replace(/_/g, ' ')}</option>
            ))}
          </select>
        </label>
        <label>
          Tag
          <input value={f.tag} placeholder="e.g. vip" onChange={(e) => set('tag', (e.target as HTMLInputElement).value.trim())} />
        </label>
        <label class="check">
          <input type="checkbox" checked={f.at_risk === 'true'} onChange={(e) => set('at_risk', (e.target as HTMLInputElement).checked ? 'true' : '')} />
          At risk only
        </label>
      </form>
      {page.loading && <Loading what="Loading customers" />}
      <ErrorMessage error={page.error} retry={page.reload} />
      {!page.loading && !page.error && rows.length === 0 && <Empty>No customers match.</Empty>}
      {rows.length > 0 && (
        <table class="table">
          <thead>
            <tr>
              {header('name', 'Name')}
              {header('ltv', 'Lifetime value')}
              {header('visits', 'Visits')}
              {header('last_visit', 'Last visit')}
              {header('points', 'Points')}
              {header('no_shows', 'No-shows')}
              <th>Segment</th>
              <th>Tags</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((c) => (
              <tr key={c.id}>
                <td>
                  <Link to={`/customers/${c.id}`}>{c.name}</Link>
                  {c.at_risk && <span class="badge stale">at risk</span>}
                </td>
                <td>{money(c.lifetime_value)}</td>
                <td>{c.visits}</td>
                <td>{shortDate(c.last_visit)}</td>
                <td>{c.points}</td>
                <td>{c.no_shows}</td>
                <td>{c.segment}</td>
                <td>{[...c.tags, ...c.auto_tags].join(', ') || '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <LoadMore pages={page} what="more customers" />
    </section>
  );
}

function pick(o: Record<string, string>, keys: string[]): Record<string, string> {
  return Object.fromEntries(keys.map((k) => [k, o[k]]));
}

interface CustomerDetail {
  customer: Customer;
  kpis: {
    visits: number;
    lifetime_value: number;
    average_spend: number;
    last_visit?: string | null;
    next_booking?: string | null;
    no_shows: number;
    cancellations: number;
    bookings: number;
    completion_rate?: number | null;
    most_booked_service?: string | null;
    points: number;
    tier: string;
  };
  bookings: { booking_id: string; service?: string; start: string; status: string; paid_amount: number; currency?: string | null }[];
  leads: Lead[];
}

/** A CSV response of the API (which needs the bearer token, so no plain link). */
export async function fetchCsv(path: string): Promise<Response> {
  const res = await fetch(`${apiBase}${path}`, {
    headers: { authorization: `Bearer ${getToken() ?? ''}`, accept: 'text/csv' },
  });
  if (!res.ok) throw new ApiError(res.status, await res.json().catch(() => ({ status: res.status })));
  return res;
}

/** Hands `data` to the browser as a download named `file`. */
export function saveFile(data: Blob, file: string): void {
  const url = URL.createObjectURL(data);
  const a = document.createElement('a');
  a.href = url;
  a.download = file;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Downloads the customer's timeline as CSV. */
async function exportCsv(id: string, name: string): Promise<void> {
  const res = await fetchCsv(`/customers/${id}/timeline?format=csv`);
  saveFile(await res.blob(), `${name.replace(/[^\w-]+/g, '-').toLowerCase() || 'customer'}-timeline.csv`);
}

/** Downloads every customer the filters select as one CSV, following the export's pages. */
async function exportCustomers(filters: Record<string, string>): Promise<void> {
  const pages: string[] = [];
  let cursor: string | null = null;
  do {
    const res = await fetchCsv(`/exports/customers.csv${qs({ ...filters, cursor })}`);
    pages.push(await res.text());
    cursor = res.headers.get('x-next-cursor');
  } while (cursor);
  saveFile(new Blob([joinCsvPages(pages)], { type: 'text/csv' }), 'customers.csv');
}

/**
 * GET /customers/{id}. A customer merged into another answers 301 to the one kept; the browser
 * follows it (the answer is then the kept customer's). Should the redirect end where the API
 * is not (its Location lost the API's base path), the kept customer is asked for again here.
 */
async function loadCustomer(id: string): Promise<CustomerDetail> {
  try {
    return await api.get<CustomerDetail>(`/customers/${id}`);
  } catch (e) {
    const kept = e instanceof ApiError ? customerIdFromUrl(e.redirectedTo) : null;
    if (kept && kept !== id) return api.get<CustomerDetail>(`/customers/${kept}`);
    throw e;
  }
}

/** A page of a customer's timeline: `type` and `q` as the API takes them. */
function timelinePage(id: string, params: { type?: string; q?: string; limit: number }, cursor: string | null) {
  return api
    .get<{ days: TimelineDay[]; next_cursor?: string | null }>(`/customers/${id}/timeline${qs({ ...params, cursor })}`)
    .then((t) => ({ items: t.days, next: t.next_cursor ?? null }));
}

/** How long the timeline search waits for typing to settle. */
export const SEARCH_DEBOUNCE_MS = 300;

/** A customer's profile; `mergedFrom`: the merged-away id whose old link led here. */
export function CustomerProfile({ id, mergedFrom, role }: { id: string; mergedFrom?: string | null; role?: string }) {
  const detail = useLoad(() => loadCustomer(id), [id]);
  // An old link of a merged customer: show the kept one at its own address.
  const movedTo = detail.data ? mergedInto(id, detail.data) : null;
  useEffect(() => {
    if (movedTo) navigate(`/customers/${movedTo}${qs({ merged: id })}`, true);
  }, [movedTo]);
  const [types, setTypes] = useState<string[]>([]);
  const [q, setQ] = useState('');
  const search = useDebounced(q.trim(), SEARCH_DEBOUNCE_MS);
  const timeline = usePages((cursor) => timelinePage(id, { type: types.join(','), q: search, limit: 100 }, cursor), [id, types.join(','), search], joinDays);
  const textPages = usePages((cursor) => timelinePage(id, { type: 'message', limit: 100 }, cursor), [id], joinDays);
  const texts = textsFromTimeline(textPages.items);
  const notePages = usePages((cursor) => timelinePage(id, { type: 'note', limit: 100 }, cursor), [id], joinDays);
  const notes = notesFromTimeline(notePages.items);
  const milestones = useLoad(() => timelinePage(id, { type: 'milestone', limit: 100 }, null), [id]);
  const [editing, setEditing] = useState(false);
  const editButton = useRef<HTMLButtonElement>(null);
  const [busy, setBusy] = useState(false);
  const [tag, setTag] = useState('');
  const [note, setNote] = useState('');
  const [sms, setSms] = useState('');
  const [error, setError] = useState<unknown>(null);
  // What the last screen left to say (a customer just added).
  const [notice, setNotice] = useState(takeFlash);
  if (detail.loading && !detail.data) return <Loading what="Loading the customer" />;
  if (!detail.data) return <ErrorMessage error={detail.error} retry={detail.reload} />;
  if (movedTo) return <Loading what="Opening the customer this one was merged into" />;
  const { customer: c, kpis: k } = detail.data;
  const refresh = () => {
    detail.reload();
    timeline.reload();
    textPages.reload();
    notePages.reload();
  };
  const closeEditor = (said: string) => {
    setEditing(false);
    setNotice(said);
    requestAnimationFrame(() => editButton.current?.focus());
  };
  /** Runs one action at a time (a second click while one is on its way does nothing):
   * true when it succeeded. */
  const act = async (f: () => Promise<unknown>, done = '') => {
    if (busy) return false;
    setBusy(true);
    try {
      setError(null);
      setNotice('');
      await f();
      setNotice(done);
      refresh();
      return true;
    } catch (e) {
      setError(e);
      return false;
    } finally {
      setBusy(false);
    }
  };
  const kpi = (label: string, value: string | number) => (
    <div class="kpi">
      <span class="kpi-value">{value}</span>
      <span class="kpi-label">{label}</span>
    </div>
  );
  return (
    <section aria-labelledby="customer-title">
      <p>
        <Link to="/customers">← Customers</Link>
      </p>
      <div class="toolbar">
        <h1 id="customer-title">{c.name}</h1>
        <span class="badge">{c.segment}</span>
        <span class="badge">{c.stage}</span>
        <span class="badge">{c.tier}</span>
        {c.at_risk && <span class="badge stale">at risk</span>}
      </div>
      <p class="muted">
        {c.phones.join(', ')} {c.emails.length > 0 && <>· {c.emails.join(', ')}</>} · member since {shortDate(c.member_since)}
      </p>
      {mergedFrom && mergedFrom !== c.id && (
        <p class="panel merged-from">
          The customer at the link you opened was merged into {c.name}: this is their profile now, with everything that was theirs.
        </p>
      )}
      <ErrorMessage error={error} />
      {/* A refresh after an action that failed: the figures below may be out of date. */}
      <ErrorMessage error={detail.error} retry={detail.reload} />
      <p class="notice" role="status">
        {notice}
      </p>
      <div class="kpis">
        {kpi('Lifetime value', money(k.lifetime_value))}
        {kpi('Visits', k.visits)}
        {kpi('Average spend', money(k.average_spend))}
        {kpi('Last visit', shortDate(k.last_visit))}
        {kpi('Next booking', shortDate(k.next_booking))}
        {kpi('No-shows', k.no_shows)}
        {kpi('Cancellations', k.cancellations)}
        {kpi('Completion', k.completion_rate == null ? '—' : `${Math.round(k.completion_rate * 100)}%`)}
        {kpi('Points', k.points)}
        {kpi('Favourite', k.most_booked_service ?? '—')}
      </div>
      <div class="grid2">
        <section class="panel" aria-labelledby="profile-title">
          <div class="toolbar">
            <h2 id="profile-title">Profile</h2>
            {mayEditCustomers(role) && !editing && (
              <button
                type="button"
                class="secondary"
                ref={editButton}
                onClick={() => {
                  setNotice('');
                  setEditing(true);
                }}
              >
                Edit profile
              </button>
            )}
          </div>
          {editing ? (
            <EditProfile
              key={c.version}
              customer={c}
              onSaved={(saved) => {
                closeEditor(saved ? 'Profile saved.' : 'Nothing changed.');
                if (!saved) return;
                // The saved customer (and its version) at once: an edit begun before the
                // reload lands must not send the old version.
                detail.setData({ ...detail.data!, customer: saved });
                refresh();
              }}
              onCancel={() => closeEditor('')}
              onReload={detail.reload}
            />
          ) : (
            <ProfileFacts customer={c} />
          )}
        </section>
        <Journey customer={c} leads={detail.data.leads} milestoneAt={milestoneDates(milestones.data?.items ?? [])}>
          <RedeemPoints
            customer={c}
            onRedeemed={(saved, said) => {
              setError(null);
              setNotice(said);
              // The new balance and version at once (a second redeem must not send the old
              // version), then everything the redeem changed (KPIs, timeline).
              detail.setData({ ...detail.data!, customer: saved });
              refresh();
            }}
            onStale={detail.reload}
          />
        </Journey>
      </div>
      <div class="grid2">
        <div class="panel">
          <h2>Tags</h2>
          <ul class="chips" aria-label="Tags">
            {c.tags.map((t) => (
              <li class="chip" key={t}>
                {t}
                <button type="button" class="link" aria-label={`Remove tag ${t}`} onClick={() => act(() => api.del(`/customers/${c.id}/tags/${encodeURIComponent(t)}`))}>
                  ×
                </button>
              </li>
            ))}
            {(c.auto_tags ?? []).map((t) => (
              <li class="chip auto" key={`auto-${t}`} title="Automatic tag">
                {t}
              </li>
            ))}
            {c.tags.length + (c.auto_tags?.length ?? 0) === 0 && (
              <li class="state empty">No tags.</li>
            )}
          </ul>
          <form
            class="inline"
            onSubmit={(e) => {
              e.preventDefault();
              const t = tag.trim();
              if (t) void act(() => api.post(`/customers/${c.id}/tags/${encodeURIComponent(t)}`)).then((ok) => ok && setTag(''));
            }}
          >
            <label class="sr-only" for="new-tag">
              New tag
            </label>
            <input id="new-tag" value={tag} maxLength={40} placeholder="Add a tag" onInput={(e) => setTag((e.target as HTMLInputElement).value)} />
            <button type="submit" disabled={busy}>
              Add tag
            </button>
          </form>
          <h2 id="notes-title" tabIndex={-1}>
            Notes
          </h2>
          <form
            class="inline"
            onSubmit={(e) => {
              e.preventDefault();
              const n = note.trim();
              if (n) void act(() => api.post(`/customers/${c.id}/notes`, { body: n })).then((ok) => ok && setNote(''));
            }}
          >
            <label class="sr-only" for="new-note">
              New note
            </label>
            <input id="new-note" value={note} placeholder="Write a note" onInput={(e) => setNote((e.target as HTMLInputElement).value)} />
            <button type="submit" disabled={busy}>
              Add note
            </button>
          </form>
          {notePages.loading && notes.length === 0 && <Loading what="Loading notes" />}
          <ErrorMessage error={notePages.error} retry={notePages.reload} />
          {/* Kept on screen while they reload after an edit (the focus stays where it was). */}
          {!notePages.error && !(notePages.loading && notes.length === 0) && (
            <CustomerNotes
              customerId={c.id}
              notes={notes}
              onChanged={() => {
                notePages.reload();
                timeline.reload();
              }}
            />
          )}
          <LoadMore pages={notePages} what="older notes" />
          <h2>Messages</h2>
          <form
            class="compose"
            onSubmit={(e) => {
              e.preventDefault();
              const body = sms.trim();
              if (body) void act(() => api.post(`/customers/${c.id}/messages`, { body }), 'Text queued.').then((ok) => ok && setSms(''));
            }}
          >
            <label for="new-sms">Send a text</label>
            <textarea id="new-sms" rows={3} maxLength={1600} value={sms} placeholder={c.phones.length ? `To ${c.phones[0]}` : 'This customer has no phone number'} onInput={(e) => setSms((e.target as HTMLTextAreaElement).value)} />
            <div class="actions">
              <button type="button" class="secondary" disabled={busy} onClick={() => act(() => api.post(`/customers/${c.id}/review-request`), 'Review request queued.')}>
                Request review
              </button>
              <button type="submit" disabled={!sms.trim() || busy}>
                Send text
              </button>
            </div>
          </form>
          {textPages.loading && texts.length === 0 && <Loading what="Loading texts" />}
          <ErrorMessage error={textPages.error} retry={textPages.reload} />
          {!textPages.loading && !textPages.error && texts.length === 0 && <Empty>No texts yet.</Empty>}
          {texts.length > 0 && (
            <ul class="notes texts" aria-label="Texts">
              {texts.map((m) => (
                <li key={m.message_id}>
                  {m.body}
                  <small>
                    {' '}
                    · {m.kind.replace(/_/g, ' ')} · <StatusBadge status={m.status} /> {m.reason && <>({m.reason}) </>}· {dateTime(m.at)}
                  </small>
                </li>
              ))}
            </ul>
          )}
          <LoadMore pages={textPages} what="older texts" />
          <h2>Bookings</h2>
          {detail.data.bookings.length === 0 ? (
            <Empty>No bookings.</Empty>
          ) : (
            <ul class="notes">
              {detail.data.bookings.map((b) => (
                <li key={b.booking_id}>
                  {b.service ?? 'Booking'} · {dateTime(b.start)} · {b.status}
                  {b.paid_amount > 0 && <> · {money(b.paid_amount, b.currency ?? undefined)}</>}
                </li>
              ))}
            </ul>
          )}
        </div>
        <div class="panel">
          <div class="toolbar">
            <h2>Timeline</h2>
            <button type="button" class="secondary" onClick={() => act(() => exportCsv(c.id, c.name))}>
              Export CSV
            </button>
          </div>
          <div class="field timeline-search">
            <label for="timeline-q">Search the timeline</label>
            <input id="timeline-q" type="search" value={q} maxLength={100} placeholder="Words in a note, text, booking…" onInput={(e) => setQ((e.target as HTMLInputElement).value)} />
          </div>
          <fieldset class="types">
            <legend>Show</legend>
            {TIMELINE_TYPES.map((t) => (
              <label class="check" key={t}>
                <input
                  type="checkbox"
                  name="type"
                  value={t}
                  checked={types.includes(t)}
                  onChange={(e) => setTypes((ts) => ((e.target as HTMLInputElement).checked ? [...ts, t] : ts.filter((x) => x !== t)))}
                />
                {t}
              </label>
            ))}
          </fieldset>
          {timeline.loading && <Loading what="Loading the timeline" />}
          <ErrorMessage error={timeline.error} retry={timeline.reload} />
          {!timeline.loading && !timeline.error && timeline.items.length === 0 && !search && <Empty>Nothing on the timeline{types.length ? ' of these types' : ''}.</Empty>}
          <p class="state empty timeline-matches" role="status">
            {search && !timeline.loading && !timeline.error && timeline.items.length === 0 && `No matches for “${search}”${types.length ? ' among these types' : ''}.`}
          </p>
          {timeline.items.map((d) => (
            <div class="day" key={d.date}>
              <h3>
                {shortDate(`${d.date}T12:00:00Z`)}{' '}
                <small>
                  {Object.entries(d.counts)
                    .map(([t, n]) => `${n} ${t}`)
                    .join(', ')}
                </small>
              </h3>
              <ul class="timeline">
                {d.entries.map((e) => (
                  <li key={e.id} data-type={e.type}>
                    <span class={`badge t-${e.type}`}>{e.type}</span> {e.text}
                    <small> · {new Date(e.at).toLocaleTimeString('en-IE', { timeStyle: 'short' })}</small>
                  </li>
                ))}
              </ul>
            </div>
          ))}
          <LoadMore pages={timeline} what="older entries" />
        </div>
      </div>
      {mayDeleteCustomers(role) && <DeleteCustomer customer={c} />}
    </section>
  );
}
