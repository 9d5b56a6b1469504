// Follow-up tasks (GET /tasks): open ones soonest due first, overdue ones marked; complete
// one with a click. The lead's own tasks show on its page through TaskList too.
import { useState } from 'preact/hooks';
import { api, qs } from './api';
import { dateTime, dueIn, isOverdue, Task } from './model';
import { Link, navigate } from './router';
import { Empty, ErrorMessage, LoadMore, Loading, StatusBadge, usePages } from './ui';

interface Page {
  tasks: Task[];
  next_cursor?: string | null;
}

/** Tasks as a table; `onComplete` completes one (the caller reloads). */
export function TaskTable({ tasks, onComplete, showLead = true, label = 'Tasks' }: { tasks: Task[]; onComplete: (t: Task) => void; showLead?: boolean; label?: string }) {
  const now = new Date();
  return (
    <table class="table" aria-label={label}>
      <thead>
        <tr>
          <th>Due</th>
          <th>Task</th>
          {showLead && <th>Lead</th>}
          <th>Assignee</th>
          <th>Status</th>
          <th>
            <span class="sr-only">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {tasks.map((t) => {
          const overdue = isOverdue(t, now);
          return (
            <tr key={t.id} data-task={t.id} class={overdue ? 'overdue' : undefined}>
              <td>
                {dateTime(t.due_at)}
                {t.status === 'open' && <div class={overdue ? 'late' : 'muted'}>{dueIn(t.due_at, now)}</div>}
              </td>
              <td>{t.title}</td>
              {showLead && (
                <td>
                  <Link to={`/leads/${t.lead_id}`}>{t.lead_name || 'Open lead'}</Link>
                </td>
              )}
              <td>{t.assignee ?? <span class="muted">Anyone</span>}</td>
              <td>
                <StatusBadge status={t.status} />
                {overdue && <span class="badge stale">overdue</span>}
                {t.completed_at && (
                  <div class="muted">
                    by {t.completed_by} · {dateTime(t.completed_at)}
                  </div>
                )}
              </td>
              <td>
                {t.status === 'open' && (
                  <button type="button" aria-label={`Complete: ${t.title}${showLead ? ` (${t.lead_name})` : ''}`} onClick={() => onComplete(t)}>
                    Complete
                  </button>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

export function TasksView({ query }: { query: URLSearchParams }) {
  const f = {
    status: query.get('status') ?? 'open',
    assignee: query.get('assignee') ?? 'all',
    due: query.get('due') ?? '',
  };
  const key = JSON.stringify(f);
  const page = usePages((cursor) => api.get<Page>(`/tasks${qs({ ...f, limit: 50, cursor })}`).then((p) => ({ items: p.tasks, next: p.next_cursor ?? null })), [key]);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState('');
  const items = page.items;
  const set = (name: string, value: string) => navigate(`/tasks${qs({ ...f, [name]: value })}`, true);
  const overdue = items.filter((t) => isOverdue(t)).length;

  return (
    <section aria-labelledby="tasks-title">
      <div class="toolbar">
        <h1 id="tasks-title">Tasks</h1>
        {overdue > 0 && <span class="badge stale">{overdue} overdue</span>}
      </div>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Status
          <select value={f.status} onChange={(e) => set('status', (e.target as HTMLSelectElement).value)}>
            <option value="open">Open</option>
            <option value="done">Done</option>
            <option value="all">All</option>
          </select>
        </label>
        <label>
          Assignee
          <select value={f.assignee} onChange={(e) => set('assignee', (e.target as HTMLSelectElement).value)}>
            <option value="all">Everyone's</option>
            <option value="me">Mine</option>
          </select>
        </label>
        <label class="check">
          <input type="checkbox" checked={f.due === 'true'} onChange={(e) => set('due', (e.target as HTMLInputElement).checked ? 'true' : '')} />
          Due now only
        </label>
      </form>
      <p class="notice" role="status">
        {notice}
      </p>
      <ErrorMessage error={error} />
      {page.loading && <Loading what="Loading tasks" />}
      <ErrorMessage error={page.error} retry={page.reload} />
      {!page.loading && !page.error && items.length === 0 && <Empty>{f.status === 'open' ? 'Nothing to do: no open tasks.' : 'No tasks here.'}</Empty>}
      {items.length > 0 && (
        <TaskTable
          tasks={items}
          onComplete={async (t) => {
            setError(null);
            setNotice('');
            try {
              const done = await api.post<Task>(`/tasks/${t.id}/complete`);
              setNotice(`Done: ${t.title}${t.lead_name ? ` (${t.lead_name})` : ''}.`);
              // In place, so the pages read so far stay: gone from the open list, done elsewhere.
              page.update((rows) => (f.status === 'open' ? rows.filter((r) => r.id !== t.id) : rows.map((r) => (r.id === t.id ? { ...r, ...done } : r))));
            } catch (e) {
              setError(e);
              page.reload();
            }
          }}
        />
      )}
      <LoadMore pages={page} />
    </section>
  );
}
