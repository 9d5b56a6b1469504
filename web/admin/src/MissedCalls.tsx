// The missed-call recovery queue (GET /missed-calls): open ones first; text the caller back
// (the missed_call template or your own words) or mark the call handled.
import { useState } from 'preact/hooks';
import { api, qs } from './api';
import { dateTime, dueIn, MissedCall } from './model';
import { Link } from './router';
import { Empty, ErrorMessage, LoadMore, Loading, StatusBadge, usePages } from './ui';

interface Page {
  missed_calls: MissedCall[];
  next_cursor?: string | null;
}

const FILTERS: [string, string][] = [
  ['open', 'Open'],
  ['handled', 'Handled'],
  ['all', 'All'],
];

export function MissedCallsView() {
  const [status, setStatus] = useState('open');
  const page = usePages(
    (cursor) => api.get<Page>(`/missed-calls${qs({ status, limit: 25, cursor })}`).then((p) => ({ items: p.missed_calls, next: p.next_cursor ?? null })),
    [status],
  );
  const [writing, setWriting] = useState<string | null>(null);
  const [body, setBody] = useState('');
  const [error, setError] = useState<{ id: string; error: unknown } | null>(null);
  const [notice, setNotice] = useState('');
  const [busy, setBusy] = useState(false);
  const items = page.items;

  /** Runs one action on `m` (one at a time); the row changes in place, so the pages read
   * so far stay; a refused action reloads, since the call changed meanwhile. */
  const act = async (m: MissedCall, f: () => Promise<MissedCall>, done: string) => {
    if (busy) return;
    setBusy(true);
    setError(null);
    setNotice('');
    try {
      const now = await f();
      setNotice(done);
      setWriting(null);
      setBody('');
      page.update((rows) => (status === 'open' && now.status !== 'open' ? rows.filter((r) => r.id !== m.id) : rows.map((r) => (r.id === m.id ? now : r))));
    } catch (e) {
      setError({ id: m.id, error: e });
      page.reload();
    } finally {
      setBusy(false);
    }
  };
  const who = (m: MissedCall) => m.name || m.phone;

  return (
    <section aria-labelledby="missed-title">
      <h1 id="missed-title">Missed calls</h1>
      <div class="tabs" role="group" aria-label="Show">
        {FILTERS.map(([v, l]) => (
          <button type="button" key={v} class={status === v ? '' : 'secondary'} aria-pressed={status === v} onClick={() => setStatus(v)}>
            {l}
          </button>
        ))}
      </div>
      <p class="notice" role="status">
        {notice}
      </p>
      {error && !items.some((m) => m.id === error.id) && <ErrorMessage error={error.error} />}
      {page.loading && <Loading what="Loading missed calls" />}
      <ErrorMessage error={page.error} retry={page.reload} />
      {!page.loading && !page.error && items.length === 0 && (
        <Empty>{status === 'open' ? 'No missed calls waiting. Every caller has been dealt with.' : 'No missed calls here.'}</Empty>
      )}
      {items.length > 0 && (
        <table class="table" aria-label="Missed calls">
          <thead>
            <tr>
              <th>Caller</th>
              <th>When</th>
              <th>Status</th>
              <th>
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((m) => (
              <tr key={m.id} data-missed-call={m.id}>
                <td>
                  <Link to={`/customers/${m.customer_id}`}>{who(m)}</Link>
                  {m.name && (
                    <div class="muted">
                      <a href={`tel:${m.phone}`}>{m.phone}</a>
                    </div>
                  )}
                </td>
                <td>
                  {dateTime(m.at)}
                  <div class="muted">{dueIn(m.at).replace(' overdue', ' ago')}</div>
                </td>
                <td>
                  <StatusBadge status={m.status} />
                  {m.call_status === 'voicemail' && <span class="badge">voicemail</span>}
                  {m.sms_message_id && <span class="badge s-booked">text sent</span>}
                  {m.handled_at && (
                    <div class="muted">
                      by {m.handled_by} · {dateTime(m.handled_at)}
                    </div>
                  )}
                </td>
                <td>
                  {m.status === 'open' && (
                    <div class="row-actions">
                      {!m.sms_message_id && writing !== m.id && (
                        <button
                          type="button"
                          class="secondary"
                          aria-label={`Send text to ${who(m)}`}
                          onClick={() => {
                            setWriting(m.id);
                            setBody('');
                            setError(null);
                          }}
                        >
                          Send text
                        </button>
                      )}
                      <button type="button" aria-label={`Mark ${who(m)} handled`} disabled={busy} onClick={() => act(m, () => api.post<MissedCall>(`/missed-calls/${m.id}/handled`), `${who(m)} marked handled.`)}>
                        Mark handled
                      </button>
                    </div>
                  )}
                  {writing === m.id && (
                    <form
                      class="compose"
                      onSubmit={(e) => {
                        e.preventDefault();
                        const text = body.trim();
                        void act(
                          m,
                          () => api.post<{ missed_call: MissedCall }>(`/missed-calls/${m.id}/sms`, text ? { body: text } : {}).then((r) => r.missed_call),
                          `Text to ${who(m)} queued.`,
                        );
                      }}
                    >
                      <label for={`sms-${m.id}`}>Text to {who(m)}</label>
                      <textarea
                        id={`sms-${m.id}`}
                        rows={3}
                        maxLength={1600}
                        value={body}
                        placeholder="Leave empty to send your missed-call template"
                        onInput={(e) => setBody((e.target as HTMLTextAreaElement).value)}
                      />
                      <div class="actions">
                        <button type="button" class="secondary" onClick={() => setWriting(null)}>
                          Cancel
                        </button>
                        <button type="submit" disabled={busy}>
                          Send
                        </button>
                      </div>
                    </form>
                  )}
                  {error?.id === m.id && <ErrorMessage error={error.error} />}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <LoadMore pages={page} />
    </section>
  );
}
