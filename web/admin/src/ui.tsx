// Loading, empty and error states, a form field with its error, a sentence for the next
// screen, and hooks that load data (one answer, or a list page by page) with them.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { ComponentChildren } from 'preact';
import { ApiError, problemMessage } from './api';

export function Loading({ what = 'Loading' }: { what?: string }) {
  return (
    <p class="state" role="status" aria-live="polite">
      {what}…
    </p>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="state empty">{children}</p>;
}

export function ErrorMessage({ error, retry }: { error: unknown; retry?: () => void }) {
  if (!error) return null;
  const text = error instanceof ApiError ? error.message : error instanceof Error ? error.message : problemMessage(null, 0);
  return (
    <div class="error" role="alert">
      <span>{text}</span>
      {retry && (
        <button type="button" class="link" onClick={retry}>
          Retry
        </button>
      )}
    </div>
  );
}

export interface Loaded<T> {
  data: T | null;
  error: unknown;
  loading: boolean;
  reload: () => void;
  setData: (d: T) => void;
}

/** Loads `load()` now and whenever `deps` change; `reload` loads again. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setLoading(true);
    load().then(
      (d) => {
        if (!live) return;
        setData(d);
        setError(null);
        setLoading(false);
      },
      (e) => {
        if (!live) return;
        setError(e);
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, loading, reload, setData };
}

/** One page of a list and the cursor of the next (null: the last page). */
export interface PageOf<T> {
  items: T[];
  next: string | null;
}

export interface Pages<T> {
  items: T[];
  /** The first page is loading (after a change of `deps` or a reload). */
  loading: boolean;
  /** The next page is loading. */
  loadingMore: boolean;
  error: unknown;
  hasMore: boolean;
  more: () => void;
  reload: () => void;
  /** Changes the rows shown in place (after an action on one), keeping the pages read. */
  update: (change: (items: T[]) => T[]) => void;
}

/**
 * A cursor-paged list: the first page now and whenever `deps` change, the next one on
 * `more()`. An answer for deps that have since changed is dropped.
 */
export function usePages<T>(
  load: (cursor: string | null) => Promise<PageOf<T>>,
  deps: unknown[],
  /** How a next page joins the rows so far (default: after them). */
  join: (have: T[], page: T[]) => T[] = (have, page) => [...have, ...page],
): Pages<T> {
  const [state, setState] = useState<{ items: T[]; next: string | null; loading: boolean; loadingMore: boolean; error: unknown }>({
    items: [],
    next: null,
    loading: true,
    loadingMore: false,
    error: null,
  });
  const [tick, setTick] = useState(0);
  const generation = useRef(0);
  const depsKey = JSON.stringify(deps);
  const shown = useRef(depsKey);
  useEffect(() => {
    const mine = ++generation.current;
    // Another list (other filters): drop the old rows; the same list reloading keeps them.
    const other = shown.current !== depsKey;
    shown.current = depsKey;
    setState((s) => ({ ...s, items: other ? [] : s.items, next: other ? null : s.next, loading: true, error: null }));
    load(null).then(
      (p) => mine === generation.current && setState({ items: p.items, next: p.next, loading: false, loadingMore: false, error: null }),
      (e) => mine === generation.current && setState({ items: [], next: null, loading: false, loadingMore: false, error: e }),
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);
  const more = () => {
    if (!state.next || state.loadingMore) return;
    const mine = generation.current;
    setState((s) => ({ ...s, loadingMore: true, error: null }));
    load(state.next).then(
      (p) => mine === generation.current && setState((s) => ({ ...s, items: join(s.items, p.items), next: p.next, loadingMore: false })),
      (e) => mine === generation.current && setState((s) => ({ ...s, loadingMore: false, error: e })),
    );
  };
  const reload = useCallback(() => setTick((t) => t + 1), []);
  const update = (change: (items: T[]) => T[]) => setState((s) => ({ ...s, items: change(s.items) }));
  return { ...state, hasMore: state.next !== null, more, reload, update };
}

/** The "Load more" button of a paged list (nothing once the last page is in). */
export function LoadMore({ pages, what = 'more' }: { pages: Pick<Pages<unknown>, 'hasMore' | 'loading' | 'loadingMore' | 'more'>; what?: string }) {
  if (!pages.hasMore || pages.loading) return null;
  return (
    <button type="button" class="secondary more-button" disabled={pages.loadingMore} onClick={pages.more}>
      {pages.loadingMore ? 'Loading…' : `Load ${what}`}
    </button>
  );
}

export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge s-${status}`}>{status.replace(/_/g, ' ')}</span>;
}

/** What a field's input needs to be tied to its label and its message. */
export interface FieldAttrs {
  id: string;
  'aria-invalid'?: 'true';
  'aria-describedby'?: string;
}

/** A labelled input with its error (or else its hint) under it, read out with the input. */
export function Field({
  id,
  label,
  error,
  hint,
  children,
}: {
  id: string;
  label: ComponentChildren;
  error?: string | null;
  hint?: string;
  children: (a: FieldAttrs) => ComponentChildren;
}) {
  const said = error || hint;
  return (
    <div class={`field${error ? ' invalid' : ''}`}>
      <label for={id}>{label}</label>
      {children({ id, 'aria-invalid': error ? 'true' : undefined, 'aria-describedby': said ? `${id}-msg` : undefined })}
      {said && (
        <p id={`${id}-msg`} class={error ? 'field-error' : 'hint'}>
          {said}
        </p>
      )}
    </div>
  );
}

/** What a form refused by a 422 says above its fields (each field says its own). */
export function CheckFields({ rest = [] }: { rest?: string[] }) {
  return (
    <div class="error" role="alert">
      <span>
        Please check the marked fields.{rest.length > 0 && ` ${rest.join('; ')}.`}
      </span>
    </div>
  );
}

/** After a refused submit (`error` set), the focus goes to the form's first field marked invalid. */
export function useFocusFirstInvalid(form: { current: HTMLFormElement | null }, error: unknown): void {
  useEffect(() => {
    if (error) form.current?.querySelector<HTMLElement>('[aria-invalid=true]')?.focus();
  }, [error]);
}

let flashed = '';
/** A sentence for the next screen to say (a deleted customer's list says so). */
export function flash(text: string): void {
  flashed = text;
}
/** The sentence left for this screen, once. */
export function takeFlash(): string {
  const t = flashed;
  flashed = '';
  return t;
}
