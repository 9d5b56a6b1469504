// Texts sent, queued, failed or skipped (GET /messages), newest first, with a status filter.
import { useState } from 'preact/hooks';
import { api, qs } from './api';
import { dateTime } from './model';
import { Link } from './router';
import { Empty, ErrorMessage, LoadMore, Loading, StatusBadge, usePages } from './ui';

interface Message {
  id: string;
  kind: string;
  to: string;
  body: string;
  status: string;
  reason?: string | null;
  customer_id?: string | null;
  created_at: string;
}

export function MessagesView() {
  const [status, setStatus] = useState('');
  const page = usePages(
    (cursor) =>
      api.get<{ items: Message[]; next_cursor?: string | null }>(`/messages${qs({ status, limit: 50, cursor })}`).then((p) => ({ items: p.items, next: p.next_cursor ?? null })),
    [status],
  );
  return (
    <section aria-labelledby="messages-title">
      <h1 id="messages-title">Messages</h1>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Status
          <select value={status} onChange={(e) => setStatus((e.target as HTMLSelectElement).value)}>
            <option value="">Any</option>
            {['queued', 'sent', 'delivered', 'failed', 'skipped'].map((s) => (
              <option value={s}>{s}</option>
            ))}
          </select>
        </label>
      </form>
      {page.loading && <Loading what="Loading messages" />}
      <ErrorMessage error={page.error} retry={page.reload} />
      {!page.loading && !page.error && page.items.length === 0 && <Empty>No texts{status ? ` ${status}` : ''} yet.</Empty>}
      {page.items.length > 0 && (
        <table class="table">
          <thead>
            <tr>
              <th>When</th>
              <th>Kind</th>
              <th>To</th>
              <th>Text</th>
              <th>Status</th>
            </tr>
          </thead>
          <tbody>
            {page.items.map((m) => (
              <tr key={m.id}>
                <td>{dateTime(m.created_at)}</td>
                <td>{m.kind.replace(/_/g, ' ')}</td>
                <td>{m.customer_id ? <Link to={`/customers/${m.customer_id}`}>{m.to}</Link> : m.to}</td>
                <td>{m.body}</td>
                <td>
                  <StatusBadge status={m.status} />
                  {m.reason && <small> {m.reason}</small>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <LoadMore pages={page} what="older texts" />
    </section>
  );
}
