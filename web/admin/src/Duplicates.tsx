// Possible duplicates (GET /duplicates, POST /duplicates/{id}/resolve): each pending pair as a
// card with both customers side by side (the existing one left, the later one right), the
// match score and why it was flagged, and the ways to settle it — merge into one side (after
// a confirm step saying what moves), keep both, or ignore. A settled pair leaves the list and
// the screen says what was done. The list comes a page at a time ("Show more" while the API
// gives a next_cursor); a pair a later page repeats is listed once.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, qs } from './api';
import {
  Action,
  differing,
  failure,
  Hand,
  joinPairs,
  mergePlan,
  pairTitle,
  resolution,
  Resolved,
  resolvedText,
  Review,
  Reviews,
  scoreText,
  showsBirthday,
  Side,
  sideFacts,
} from './duplicates';
import { Link } from './router';
import { Empty, ErrorMessage, Loading, usePages } from './ui';

const HAND_LABEL: Record<Hand, string> = { left: 'Left · existing customer', right: 'Right · added later' };

/** What the screen last said: the text, and the kept customer to open after a merge. */
interface Said {
  text: string;
  open?: { id: string; name: string };
}

/** Pairs a page asks for. */
export const PAGE_SIZE = 50;

export function DuplicatesView() {
  const pages = usePages<Review>(
    (cursor) => api.get<Reviews>(`/duplicates${qs({ limit: PAGE_SIZE, cursor })}`).then((p) => ({ items: p.pairs, next: p.next_cursor ?? null })),
    [],
    joinPairs,
  );
  const [said, setSaid] = useState<Said | null>(null);
  const titleRef = useRef<HTMLHeadingElement>(null);

  /** Takes `pair` off the list, says `s`, and moves the focus to the next pair (or the title). */
  const settle = (pair: Review, s: Said) => {
    const list = pages.items;
    const at = list.findIndex((p) => p.id === pair.id);
    const rest = list.filter((p) => p.id !== pair.id);
    pages.update((items) => items.filter((p) => p.id !== pair.id));
    setSaid(s);
    const next = rest[Math.min(at, rest.length - 1)];
    requestAnimationFrame(() => {
      const target = next ? document.getElementById(`pair-${next.id}-title`) : titleRef.current;
      target?.focus();
    });
  };

  const shown = pages.items;
  const firstLoad = pages.loading && shown.length === 0;
  return (
    <section aria-labelledby="duplicates-title">
      <p>
        <Link to="/customers">← Customers</Link>
      </p>
      <div class="toolbar">
        <h1 id="duplicates-title" ref={titleRef} tabIndex={-1}>
          Possible duplicates
        </h1>
        <button type="button" class="secondary" onClick={pages.reload} disabled={pages.loading}>
          Refresh
        </button>
      </div>
      <p class="hint">
        Two customers are flagged when they have a similar name and also a phone one digit apart (or differing in its last two
        digits), the same birthday, or an email at the same business domain — or the same email name at another domain. A name alone
        never makes a pair. Merge the two records when they are one person, keep both when they are two, or ignore the pair.
      </p>
      <p class="notice" role="status" aria-live="polite">
        {said && (
          <>
            {said.text}{' '}
            {said.open && <Link to={`/customers/${said.open.id}`}>Open {said.open.name}</Link>}
          </>
        )}
      </p>
      {firstLoad && <Loading what="Loading possible duplicates" />}
      {/* A failed next page tries that page again; a failed first page loads it again. */}
      <ErrorMessage error={pages.error} retry={pages.hasMore ? pages.more : pages.reload} />
      {!pages.loading && !pages.error && shown.length === 0 && !pages.hasMore && (
        <Empty>No possible duplicates. Pairs to review appear here as customers are added.</Empty>
      )}
      {!pages.loading && !pages.error && shown.length === 0 && pages.hasMore && <Empty>None to review so far; there may be more further on.</Empty>}
      {shown.map((p) => (
        <PairCard key={p.id} pair={p} onSettled={settle} />
      ))}
      {pages.hasMore && !pages.loading && (
        <button type="button" class="secondary more-button" disabled={pages.loadingMore} aria-busy={pages.loadingMore} onClick={pages.more}>
          {pages.loadingMore ? 'Loading…' : 'Show more'}
        </button>
      )}
    </section>
  );
}

function PairCard({ pair, onSettled }: { pair: Review; onSettled: (pair: Review, said: Said) => void }) {
  const [confirming, setConfirming] = useState<Hand | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const mergeButtons = useRef<Record<Hand, HTMLButtonElement | null>>({ left: null, right: null });
  const id = `pair-${pair.id}`;
  const differs = differing(pair);
  const birthday = showsBirthday(pair);

  const resolve = async (action: Action, hand?: Hand) => {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      const answer = await api.post<Resolved>(`/duplicates/${pair.id}/resolve`, resolution(pair, action, hand));
      const kept = answer.customer ?? null;
      onSettled(pair, {
        text: resolvedText(pair, action, kept?.id ?? answer.pair.kept_id),
        open: action === 'merge' && kept ? { id: kept.id, name: kept.name } : undefined,
      });
    } catch (e) {
      const f = failure(e, pair);
      if (f?.drop) {
        onSettled(pair, { text: f.text });
        return;
      }
      setError(f ? new Error(f.text) : e);
      setBusy(false);
    }
  };

  const cancel = () => {
    const hand = confirming;
    setConfirming(null);
    if (hand) requestAnimationFrame(() => mergeButtons.current[hand]?.focus());
  };

  return (
    <article class="pair panel" aria-labelledby={`${id}-title`} data-pair={pair.id}>
      <div class="pair-head">
        <h2 id={`${id}-title`} tabIndex={-1}>
          {pairTitle(pair)}
        </h2>
        <span class="score">{scoreText(pair.score)}</span>
      </div>
      <div class="why">
        <span id={`${id}-why`}>Why flagged:</span>
        <ul class="reasons" aria-labelledby={`${id}-why`}>
          {pair.reasons.map((r) => (
            <li key={r}>{r}</li>
          ))}
        </ul>
      </div>
      <div class="sides">
        <SideCard side={pair.existing} hand="left" differs={differs} birthday={birthday} pairId={pair.id} />
        <SideCard side={pair.new} hand="right" differs={differs} birthday={birthday} pairId={pair.id} />
      </div>
      {confirming && <ConfirmMerge pair={pair} hand={confirming} busy={busy} onConfirm={() => resolve('merge', confirming)} onCancel={cancel} />}
      <ErrorMessage error={error} />
      {!confirming && (
        <div class="actions pair-actions" role="group" aria-label={`Settle: ${pairTitle(pair)}`}>
          {(['left', 'right'] as const).map((hand) => (
            <button
              key={hand}
              type="button"
              ref={(b) => {
                mergeButtons.current[hand] = b;
              }}
              disabled={busy}
              aria-describedby={`${id}-${hand}-name`}
              onClick={() => {
                setError(null);
                setConfirming(hand);
              }}
            >
              Merge into {hand}
            </button>
          ))}
          <button type="button" class="secondary" disabled={busy} onClick={() => resolve('keep_both')}>
            Keep both
          </button>
          <button type="button" class="secondary" disabled={busy} onClick={() => resolve('ignore')}>
            Ignore
          </button>
        </div>
      )}
    </article>
  );
}

function SideCard({ side, hand, differs, birthday, pairId }: { side: Side; hand: Hand; differs: Set<string>; birthday: boolean; pairId: string }) {
  return (
    <section class={`side side-${hand}`} aria-labelledby={`pair-${pairId}-${hand}-label pair-${pairId}-${hand}-name`}>
      <p class="side-label" id={`pair-${pairId}-${hand}-label`}>
        {HAND_LABEL[hand]}
      </p>
      <h3 id={`pair-${pairId}-${hand}-name`}>
        <Link to={`/customers/${side.id}`}>{side.name || 'No name'}</Link>
      </h3>
      <dl class="facts">
        {sideFacts(side, birthday).map(([label, text]) => (
          <div key={label} class={differs.has(label) ? 'differs' : undefined}>
            <dt>{label}</dt>
            <dd>{text}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

function ConfirmMerge({ pair, hand, busy, onConfirm, onCancel }: { pair: Review; hand: Hand; busy: boolean; onConfirm: () => void; onCancel: () => void }) {
  const { keep, remove, moves } = mergePlan(pair, hand);
  const other: Hand = hand === 'left' ? 'right' : 'left';
  const ref = useRef<HTMLParagraphElement>(null);
  const id = `pair-${pair.id}-confirm`;
  useEffect(() => {
    ref.current?.focus();
  }, []);
  return (
    <div class="confirm" role="group" aria-labelledby={`${id}-title`}>
      <p id={`${id}-title`} class="confirm-title" ref={ref} tabIndex={-1}>
        Merge into {keep.name} ({hand})?
      </p>
      <p>
        {keep.name} ({hand}) stays. From {remove.name} ({other}) these move to them:
      </p>
      <ul class="moves">
        {moves.map((m) => (
          <li key={m}>{m}</li>
        ))}
      </ul>
      <p>
        Then {remove.name} ({other}) is removed, and links to them open {keep.name}. A merge cannot be undone.
      </p>
      <div class="actions">
        <button type="button" class="secondary" disabled={busy} onClick={onCancel}>
          Cancel
        </button>
        <button type="button" class="danger" disabled={busy} onClick={onConfirm}>
          {busy ? 'Merging…' : 'Confirm merge'}
        </button>
      </div>
    </div>
  );
}
