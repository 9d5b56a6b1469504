// The lead board: a column per status with count and money; drag a card to change its status.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError } from './api';
import { boardColumns, canMove, Column, Lead, money, moveOnBoard, shortDate, Status, statusLabel, STATUSES } from './model';
import { Link } from './router';
import { Empty, ErrorMessage, Loading, useLoad } from './ui';

export interface MoveRequest {
  lead: Lead;
  to: Status;
}

/** Asks for the reason a lead is lost; resolves with it, or null when cancelled. */
export function LostReasonDialog(props: { lead: Lead; onDone: (reason: string | null) => void }) {
  const [reason, setReason] = useState('');
  const [touched, setTouched] = useState(false);
  const missing = reason.trim() === '';
  const box = useRef<HTMLTextAreaElement>(null);
  // Focus goes into the dialog when it opens and back where it was when it closes.
  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    box.current?.focus();
    return () => before?.focus?.();
  }, []);
  return (
    <div class="backdrop">
      <form
        class="dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="lost-title"
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.preventDefault();
            props.onDone(null);
          }
        }}
        onSubmit={(e) => {
          e.preventDefault();
          setTouched(true);
          if (!missing) props.onDone(reason.trim());
        }}
      >
        <h2 id="lost-title">Why was {props.lead.name} lost?</h2>
        <label for="lost-reason">Reason</label>
        <textarea
          id="lost-reason"
          ref={box}
          value={reason}
          maxLength={500}
          aria-invalid={touched && missing}
          aria-describedby="lost-reason-err"
          onInput={(e) => setReason((e.target as HTMLTextAreaElement).value)}
        />
        <p id="lost-reason-err" class="field-error">
          {touched && missing ? 'A lost lead needs a reason.' : ''}
        </p>
        <div class="actions">
          <button type="button" class="secondary" onClick={() => props.onDone(null)}>
            Cancel
          </button>
          <button type="submit">Mark lost</button>
        </div>
      </form>
    </div>
  );
}

/** Changes a lead's status (If-Match its version); answers the updated lead. */
export async function changeStatus(lead: Lead, to: Status, reason?: string): Promise<Lead> {
  const body: Record<string, string> = { status: to };
  if (reason) body.reason = reason;
  const r = await api.post<{ lead: Lead }>(`/leads/${lead.id}/status`, body, { 'if-match': `"${lead.version}"` });
  return r.lead;
}

export function Board() {
  const board = useLoad(() => api.get<{ columns: Column[] }>('/leads/board?limit=50'), []);
  const [dragging, setDragging] = useState<Lead | null>(null);
  const [over, setOver] = useState<Status | null>(null);
  const [asking, setAsking] = useState<MoveRequest | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);

  if (board.loading && !board.data) return <Loading what="Loading the board" />;
  if (board.error && !board.data) return <ErrorMessage error={board.error} retry={board.reload} />;
  const columns = boardColumns(board.data?.columns ?? []);

  async function move(lead: Lead, to: Status, reason?: string) {
    if (lead.status === to) return;
    if (!canMove(lead.status, to)) {
      setError(new Error(`A lead cannot move from ${statusLabel(lead.status)} to ${statusLabel(to)}.`));
      return;
    }
    if (to === 'lost' && !reason) {
      setAsking({ lead, to });
      return;
    }
    setError(null);
    const before = board.data;
    board.setData({ columns: moveOnBoard(columns, lead, to) });
    try {
      await changeStatus(lead, to, reason);
      setNotice(`${lead.name} moved to ${statusLabel(to)}.`);
      board.reload();
    } catch (e) {
      if (before) board.setData(before);
      setError(e);
      if (e instanceof ApiError && (e.status === 412 || e.status === 409)) board.reload();
    }
  }

  return (
    <section aria-labelledby="board-title">
      <div class="toolbar">
        <h1 id="board-title">Lead board</h1>
        <button type="button" class="secondary" onClick={board.reload}>
          Refresh
        </button>
      </div>
      <ErrorMessage error={error} />
      {/* A refresh that failed: the columns below are from the last one that worked. */}
      {board.data && <ErrorMessage error={board.error} retry={board.reload} />}
      <p class="notice" role="status" aria-live="polite">
        {notice}
      </p>
      <div class="board">
        {columns.map((col) => {
          const allowed = dragging ? canMove(dragging.status, col.status) : false;
          return (
            <div
              key={col.status}
              class={`column${over === col.status ? (allowed ? ' over' : ' refuse') : ''}`}
              data-status={col.status}
              role="region"
              aria-label={`${statusLabel(col.status)}: ${col.count} leads, ${money(col.expected_value)}`}
              onDragOver={(e) => {
                if (!dragging) return;
                if (allowed) e.preventDefault();
                setOver(col.status);
              }}
              onDragLeave={() => setOver((o) => (o === col.status ? null : o))}
              onDrop={(e) => {
                e.preventDefault();
                const lead = dragging;
                setDragging(null);
                setOver(null);
                if (lead) void move(lead, col.status);
              }}
            >
              <h2 class="col-head">
                <span>{statusLabel(col.status)}</span>
                <span class="count" data-testid="count">
                  {col.count}
                </span>
                <span class="sum">{money(col.expected_value)}</span>
              </h2>
              {col.leads.length === 0 && <Empty>No leads</Empty>}
              <ul class="cards">
                {col.leads.map((lead) => (
                  <li
                    key={lead.id}
                    class="card"
                    draggable={TRANSITIONS_FROM(lead.status)}
                    data-lead={lead.id}
                    onDragStart={(e) => {
                      e.dataTransfer?.setData('text/plain', lead.id);
                      setDragging(lead);
                    }}
                    onDragEnd={() => {
                      setDragging(null);
                      setOver(null);
                    }}
                  >
                    <Link to={`/leads/${lead.id}`} class="card-name">
                      {lead.name}
                    </Link>
                    {lead.stale && (
                      <span class="badge stale" title="No booking within the stale window">
                        stale
                      </span>
                    )}
                    <div class="card-meta">
                      {lead.service ?? 'No service'} · {money(lead.expected_value)} · {shortDate(lead.created_at)}
                    </div>
                    <label class="sr-only" for={`move-${lead.id}`}>
                      Move {lead.name} to
                    </label>
                    <select
                      id={`move-${lead.id}`}
                      class="move"
                      value=""
                      disabled={!TRANSITIONS_FROM(lead.status)}
                      onChange={(e) => {
                        const to = (e.target as HTMLSelectElement).value as Status;
                        (e.target as HTMLSelectElement).value = '';
                        if (to) void move(lead, to);
                      }}
                    >
                      <option value="">Move to…</option>
                      {STATUSES.filter((s) => canMove(lead.status, s)).map((s) => (
                        <option key={s} value={s}>
                          {statusLabel(s)}
                        </option>
                      ))}
                    </select>
                  </li>
                ))}
              </ul>
              {col.count > col.leads.length && (
                <Link to={`/leads?status=${col.status}`} class="more">
                  All {col.count} {statusLabel(col.status).toLowerCase()} leads
                </Link>
              )}
            </div>
          );
        })}
      </div>
      {asking && (
        <LostReasonDialog
          lead={asking.lead}
          onDone={(reason) => {
            const req = asking;
            setAsking(null);
            if (reason) void move(req.lead, req.to, reason);
          }}
        />
      )}
    </section>
  );
}

function TRANSITIONS_FROM(s: Status): boolean {
  return STATUSES.some((t) => canMove(s, t));
}
