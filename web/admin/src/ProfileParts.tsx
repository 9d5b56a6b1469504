// Parts of a customer's profile: their details, their journey (first and last touch, stage,
// tier, milestones with dates, points), their notes (edit, delete after a confirm) and the
// owner's delete (the customer's name typed to confirm).
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ComponentChildren } from 'preact';
import { api } from './api';
import { customerFirstTouch, lastTouch } from './attribution';
import { Customer, milestoneLabel, pointBalance, tierHistory, words } from './customerForm';
import { CustomerNote, dateTime, dayDate, Lead, shortDate } from './model';
import { navigate } from './router';
import { TouchLine } from './Touches';
import { Empty, ErrorMessage, Field, flash } from './ui';

const or = (v: string | null | undefined) => (v && v.trim() ? v : '—');

/** The profile's details beyond the phones and emails the page's header shows. */
export function ProfileFacts({ customer: c }: { customer: Customer }) {
  const facts: [string, string][] = [
    ['Birthday', dayDate(c.date_of_birth)],
    ['Gender', or(c.gender)],
    ['Company', or(c.company)],
    ['Language', or(c.preferred_language)],
    ['Address', or(c.address)],
    ['Marketing', c.marketing_consent ? 'Agreed to marketing messages' : 'No consent to marketing'],
  ];
  return (
    <dl class="facts profile-facts">
      {facts.map(([label, text]) => (
        <div key={label}>
          <dt>{label}</dt>
          <dd>{text}</dd>
        </div>
      ))}
    </dl>
  );
}

/**
 * First and last touch, stage, tier and points, milestones with the day each was reached;
 * `children` (the points' actions) under the facts.
 */
export function Journey({
  customer: c,
  leads,
  milestoneAt,
  children,
}: {
  customer: Customer;
  leads: Pick<Lead, 'created_at' | 'touch'>[];
  milestoneAt: Record<string, string>;
  children?: ComponentChildren;
}) {
  const first = customerFirstTouch(c, leads);
  const last = lastTouch(c, first);
  const stageSince = c.stage_history.filter((s) => s.stage === c.stage).at(-1)?.at;
  const tiers = tierHistory(c);
  const { redeemed, available } = pointBalance(c);
  return (
    <section class="panel journey" aria-labelledby="journey-title">
      <h2 id="journey-title">Journey</h2>
      <dl class="facts">
        <div>
          <dt>First touch</dt>
          <dd class="first-touch">
            <TouchLine touch={first} unknown="Not known (added by hand or imported)" />
          </dd>
        </div>
        <div>
          <dt>Last touch</dt>
          <dd class="last-touch">{last ? <TouchLine touch={last} /> : <span class="muted">Same as the first</span>}</dd>
        </div>
        <div>
          <dt>Stage</dt>
          <dd class="stage">
            {words(c.stage)}
            {stageSince && <span class="muted"> · since {shortDate(stageSince)}</span>}
          </dd>
        </div>
        <div>
          <dt>Tier</dt>
          <dd class="tier">{words(c.tier)}</dd>
        </div>
        <div>
          <dt>Points</dt>
          <dd class="points">
            {c.points} earned
            {redeemed !== undefined && <>, {redeemed} redeemed</>}
            {available !== undefined && <>, {available} available</>}
          </dd>
        </div>
      </dl>
      {children}
      <h3 id="milestones-title">Milestones</h3>
      {c.milestones.length === 0 ? (
        <Empty>No milestones yet.</Empty>
      ) : (
        <ul class="milestones" aria-labelledby="milestones-title">
          {c.milestones.map((m) => (
            <li key={m} data-milestone={m}>
              {milestoneLabel(m)}
              {milestoneAt[m] && <span class="muted"> · {shortDate(milestoneAt[m])}</span>}
            </li>
          ))}
        </ul>
      )}
      {c.stage_history.length > 1 && (
        <>
          <h3 id="stages-title">Stages</h3>
          <ol class="history" aria-labelledby="stages-title">
            {c.stage_history.map((s, i) => (
              <li key={`${s.stage}-${i}`}>
                {words(s.stage)} <span class="muted">· {shortDate(s.at)}</span>
              </li>
            ))}
          </ol>
        </>
      )}
      {tiers.length > 0 && (
        <>
          <h3 id="tiers-title">Tier history</h3>
          <ol class="history tier-history" aria-labelledby="tiers-title">
            {tiers.map((t, i) => (
              <li key={`${t.tier}-${i}`}>
                <span class="tier-name">{words(t.tier)}</span> <span class="muted">· {shortDate(t.at)}</span>
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  );
}

/**
 * A customer's notes, newest first, under the heading `#notes-title`: each can be corrected
 * or, after a confirm, deleted. `onChanged` reloads what shows them (the notes and the
 * timeline).
 */
export function CustomerNotes({ customerId, notes, onChanged }: { customerId: string; notes: CustomerNote[]; onChanged: () => void }) {
  if (notes.length === 0) return <Empty>No notes yet.</Empty>;
  return (
    <ul class="note-list" aria-labelledby="notes-title">
      {notes.map((n) => (
        <NoteItem
          key={n.id}
          customerId={customerId}
          note={n}
          onChanged={onChanged}
          onDeleted={() => {
            onChanged();
            // The note and its buttons are gone: the focus goes to the list's heading.
            document.getElementById('notes-title')?.focus();
          }}
        />
      ))}
    </ul>
  );
}

function NoteItem({ customerId, note, onChanged, onDeleted }: { customerId: string; note: CustomerNote; onChanged: () => void; onDeleted: () => void }) {
  const [mode, setMode] = useState<'show' | 'edit' | 'confirm'>('show');
  const [body, setBody] = useState(note.body);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const editRef = useRef<HTMLButtonElement>(null);
  const deleteRef = useRef<HTMLButtonElement>(null);
  const focusRef = useRef<HTMLElement | null>(null);
  const id = `note-${note.id}`;
  const path = `/customers/${customerId}/notes/${note.id}`;
  useEffect(() => {
    focusRef.current?.focus();
  }, [mode]);
  const to = (m: typeof mode, back?: HTMLElement | null) => {
    setError(null);
    setMode(m);
    if (back) requestAnimationFrame(() => back.focus());
  };
  const run = async (f: () => Promise<unknown>, done: () => void) => {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      await f();
      done();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const save = (e: Event) => {
    e.preventDefault();
    const text = body.trim();
    if (!text) return setError(new Error('A note needs some text. To remove it, delete it instead.'));
    if (text === note.body) return to('show', editRef.current);
    void run(
      () => api.patch(path, { body: text }),
      () => {
        to('show', editRef.current);
        onChanged();
      },
    );
  };
  return (
    <li class="note" data-note={note.id}>
      {mode === 'edit' ? (
        <form class="compose" onSubmit={save}>
          <label for={`${id}-body`}>Edit note</label>
          <textarea
            id={`${id}-body`}
            ref={(t) => {
              focusRef.current = t;
            }}
            rows={3}
            maxLength={5000}
            value={body}
            onInput={(e) => setBody((e.target as HTMLTextAreaElement).value)}
          />
          <ErrorMessage error={error} />
          <div class="actions">
            <button type="button" class="secondary" disabled={busy} onClick={() => to('show', editRef.current)}>
              Cancel
            </button>
            <button type="submit" disabled={busy}>
              {busy ? 'Saving…' : 'Save note'}
            </button>
          </div>
        </form>
      ) : (
        <>
          <p class="note-body" id={`${id}-body`}>
            {note.body}
          </p>
          <small class="muted">
            {note.author} · {dateTime(note.created_at)}
            {note.edited_at && <> · edited {dateTime(note.edited_at)}</>}
          </small>
          {mode === 'confirm' ? (
            <div class="confirm" role="group" aria-labelledby={`${id}-confirm`}>
              <p
                id={`${id}-confirm`}
                class="confirm-title"
                tabIndex={-1}
                ref={(p) => {
                  focusRef.current = p;
                }}
              >
                Delete this note? It cannot be undone.
              </p>
              <ErrorMessage error={error} />
              <div class="actions">
                <button type="button" class="secondary" disabled={busy} onClick={() => to('show', deleteRef.current)}>
                  Cancel
                </button>
                <button type="button" class="danger" disabled={busy} onClick={() => run(() => api.del(path), onDeleted)}>
                  {busy ? 'Deleting…' : 'Delete note'}
                </button>
              </div>
            </div>
          ) : (
            <div class="row-actions">
              <button
                type="button"
                class="link"
                ref={editRef}
                aria-describedby={`${id}-body`}
                onClick={() => {
                  setBody(note.body);
                  to('edit');
                }}
              >
                Edit
              </button>
              <button type="button" class="link" ref={deleteRef} aria-describedby={`${id}-body`} onClick={() => to('confirm')}>
                Delete
              </button>
            </div>
          )}
        </>
      )}
    </li>
  );
}

/** The owner's delete: the button works once the customer's name is typed. */
export function DeleteCustomer({ customer }: { customer: Pick<Customer, 'id' | 'name'> }) {
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  const openRef = useRef<HTMLButtonElement>(null);
  const name = customer.name.trim();
  const matches = typed.trim() === name;
  useEffect(() => {
    if (open) inputRef.current?.focus();
  }, [open]);
  const del = async () => {
    if (!matches || busy) return;
    setBusy(true);
    setError(null);
    try {
      const r = await api.del<{ deleted: string; items?: number }>(`/customers/${customer.id}`);
      const items = r?.items ?? 0;
      flash(`Deleted ${name}${items > 0 ? ` and ${items} item${items === 1 ? '' : 's'} of theirs` : ''}.`);
      navigate('/customers');
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  };
  return (
    <section class="panel danger-zone" aria-labelledby="delete-title">
      <h2 id="delete-title">Delete customer</h2>
      <p class="hint">
        Deletes {name} and everything of theirs — bookings, notes, texts and the timeline — for good. A person asking to be forgotten
        everywhere is erased from Settings instead.
      </p>
      {!open ? (
        <button type="button" class="danger" ref={openRef} onClick={() => setOpen(true)}>
          Delete customer…
        </button>
      ) : (
        <div class="confirm">
          <Field
            id="delete-confirm"
            label={
              <>
                Type <strong>{name}</strong> to confirm
              </>
            }
            hint="The Delete button works once the name matches."
          >
            {(a) => (
              <input {...a} ref={inputRef} autoComplete="off" spellcheck={false} value={typed} onInput={(e) => setTyped((e.target as HTMLInputElement).value)} />
            )}
          </Field>
          <ErrorMessage error={error} />
          <div class="actions">
            <button
              type="button"
              class="secondary"
              disabled={busy}
              onClick={() => {
                setOpen(false);
                setTyped('');
                requestAnimationFrame(() => openRef.current?.focus());
              }}
            >
              Cancel
            </button>
            <button type="button" class="danger" disabled={!matches || busy} onClick={del}>
              {busy ? 'Deleting…' : `Delete ${name}`}
            </button>
          </div>
        </div>
      )}
    </section>
  );
}
