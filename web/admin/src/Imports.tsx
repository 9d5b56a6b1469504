// Import clients (POST/GET/PATCH /imports, preview, start, cancel, errors.csv): a wizard in
// four steps — choose the file, say which field each column fills, preview the first rows,
// then start and watch the import run on the imports queue. The import's id is in the URL
// (/imports/<id>), so a reload or a later visit shows where it stands.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, qs } from './api';
import { fetchCsv, saveFile } from './Customers';
import {
  changed,
  changeOf,
  doubled,
  errorsFileName,
  FIELDS,
  fieldLabel,
  fileKind,
  forgetImport,
  formOf,
  Import,
  isFinal,
  lastImport,
  MappingForm,
  outcomeCounts,
  outcomeDetail,
  OUTCOME_LABEL,
  percentOf,
  placeErrors,
  PlacedErrors,
  Preview,
  PreviewRow,
  rememberImport,
  sizeProblem,
  Step,
  stepFor,
  uploadBody,
  uploadProblem,
} from './imports';
import { Link, navigate } from './router';
import { ErrorMessage, Loading, useLoad } from './ui';

const n = (x: number) => x.toLocaleString('en-IE');

const size = (bytes: number) =>
  bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : bytes >= 1024 ? `${Math.round(bytes / 1024)} KB` : `${bytes} bytes`;

const STEPS: [string, string][] = [
  ['upload', 'Choose a file'],
  ['mapping', 'Match columns'],
  ['preview', 'Preview'],
  ['run', 'Import'],
];

/** Where the wizard is, as a list of its steps with the current one marked. */
function Steps({ at }: { at: string }) {
  const index = STEPS.findIndex(([k]) => k === at);
  return (
    <ol class="steps" aria-label="Steps">
      {STEPS.map(([k, label], i) => (
        <li key={k} class={i < index ? 'done' : i === index ? 'current' : ''} aria-current={i === index ? 'step' : undefined}>
          {label}
        </li>
      ))}
    </ol>
  );
}

/** A heading that takes the focus when it appears (a new step of the wizard). */
function StepHeading({ children, id }: { children: preact.ComponentChildren; id: string }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    ref.current?.focus();
  }, []);
  return (
    <h2 id={id} ref={ref} tabIndex={-1}>
      {children}
    </h2>
  );
}

/** `/imports`: choose a file (or drop it) and upload it. */
export function ImportUpload() {
  const [file, setFile] = useState<File | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [over, setOver] = useState(false);
  const last = useLoad(() => {
    const id = lastImport();
    return id
      ? api.get<Import>(`/imports/${id}`).catch(() => {
          forgetImport();
          return null;
        })
      : Promise.resolve(null);
  }, []);
  const choose = (f: File | null | undefined) => {
    setError(null);
    setFile(f ?? null);
    if (f) {
      const kind = fileKind(f.name, f.type);
      if ('refused' in kind) setError(kind.refused);
      else setError(sizeProblem(f.size));
    }
  };
  const upload = async (e: Event) => {
    e.preventDefault();
    if (!file) {
      setError('Choose a file first.');
      return;
    }
    const kind = fileKind(file.name, file.type);
    if ('refused' in kind) {
      setError(kind.refused);
      return;
    }
    setError(null);
    try {
      setBusy('Preparing the file');
      const { body, headers } = await uploadBody(file, kind.contentType);
      const tooLarge = sizeProblem(file.size, body.size);
      if (tooLarge) {
        setError(tooLarge);
        return;
      }
      setBusy('Uploading');
      const imp = await api.upload<Import>(`/imports${qs({ file_name: file.name })}`, body, headers);
      rememberImport(imp.id);
      navigate(`/imports/${imp.id}`);
    } catch (err) {
      setError(uploadProblem(err));
    } finally {
      setBusy(null);
    }
  };
  const previous = last.data;
  return (
    <section aria-labelledby="import-title">
      <p>
        <Link to="/customers">← Customers</Link>
      </p>
      <h1 id="import-title">Import clients</h1>
      <Steps at="upload" />
      {previous && (
        <p class="panel resume">
          Your last import: <strong>{previous.file_name}</strong> ({previous.status === 'mapping' ? 'not started' : previous.status},{' '}
          {n(previous.counts.total)} rows). <Link to={`/imports/${previous.id}`}>Open it</Link>
        </p>
      )}
      <form class="panel form upload" aria-labelledby="upload-title" onSubmit={upload}>
        <h2 id="upload-title">Choose your client list</h2>
        <p class="hint">
          A CSV file or an Excel workbook (.xlsx) exported from your previous system, with the column names in its first row. Up to
          200,000 rows; large files are compressed before they are sent.
        </p>
        <div
          class={`dropzone${over ? ' over' : ''}`}
          onDragOver={(e) => {
            e.preventDefault();
            setOver(true);
          }}
          onDragLeave={() => setOver(false)}
          onDrop={(e) => {
            e.preventDefault();
            setOver(false);
            choose(e.dataTransfer?.files?.[0]);
          }}
        >
          <label>
            Client list file
            <input
              type="file"
              name="file"
              accept=".csv,.tsv,.txt,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
              aria-describedby="file-chosen"
              onChange={(e) => choose((e.target as HTMLInputElement).files?.[0])}
            />
          </label>
          <p id="file-chosen" class="muted">
            {file ? `Chosen: ${file.name} (${size(file.size)})` : 'Or drop the file here.'}
          </p>
        </div>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        {busy && <Loading what={busy} />}
        <div class="actions">
          <button type="submit" disabled={!!busy || !file}>
            Upload
          </button>
        </div>
      </form>
    </section>
  );
}

/** `/imports/<id>`: the import where it stands — columns, preview, progress or summary. */
export function ImportView({ id }: { id: string }) {
  const loaded = useLoad(() => api.get<Import>(`/imports/${id}`), [id]);
  const imp = loaded.data;
  const setImp = loaded.setData;
  const [view, setView] = useState<'mapping' | 'preview'>('mapping');
  const [preview, setPreview] = useState<PreviewRow[]>([]);
  const [pollError, setPollError] = useState<unknown>(null);
  const [retry, setRetry] = useState(0);
  useEffect(() => {
    if (imp) rememberImport(imp.id);
  }, [imp?.id]);
  // While it runs: its progress every second, until it ends (a failed poll tries again).
  useEffect(() => {
    if (!imp || stepFor(imp.status) !== 'progress') return;
    let live = true;
    const timer = setTimeout(async () => {
      try {
        const next = await api.get<Import>(`/imports/${id}`);
        if (!live) return;
        setPollError(null);
        setImp(next);
      } catch (e) {
        if (!live) return;
        setPollError(e);
        if (!(e instanceof ApiError && (e.status === 404 || e.status === 401 || e.status === 403))) setRetry((r) => r + 1);
      }
    }, 1000);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [imp, retry]);
  if (!imp) {
    if (loaded.loading) return <Loading what="Loading the import" />;
    return (
      <section aria-labelledby="import-title">
        <p>
          <Link to="/imports">← Import clients</Link>
        </p>
        <h1 id="import-title">Import clients</h1>
        <ErrorMessage error={loaded.error} retry={loaded.reload} />
      </section>
    );
  }
  const step: Step = stepFor(imp.status);
  const at = step === 'mapping' ? view : 'run';
  return (
    <section aria-labelledby="import-title">
      <p>
        <Link to="/customers">← Customers</Link>
      </p>
      <h1 id="import-title">Import clients</h1>
      <Steps at={at} />
      <p class="muted file-facts">
        <strong>{imp.file_name}</strong> · {n(imp.counts.total)} rows · {imp.columns.length} columns · {imp.format.toUpperCase()}
        {imp.encoding && <>, {imp.encoding}</>}
        {imp.delimiter && <>, {delimiterName(imp.delimiter)}</>}
      </p>
      {step === 'mapping' && view === 'mapping' && (
        <MappingStep
          key={imp.id}
          imp={imp}
          onSaved={setImp}
          onReload={loaded.reload}
          onPreview={(rows) => {
            setPreview(rows);
            setView('preview');
          }}
        />
      )}
      {step === 'mapping' && view === 'preview' && <PreviewStep imp={imp} rows={preview} onBack={() => setView('mapping')} onStarted={setImp} />}
      {step === 'progress' && <ProgressStep imp={imp} onChange={setImp} pollError={pollError} />}
      {step === 'summary' && <SummaryStep imp={imp} />}
    </section>
  );
}

function delimiterName(d: string): string {
  return d === ',' ? 'comma-separated' : d === ';' ? 'semicolon-separated' : d === '\t' ? 'tab-separated' : d === '|' ? 'pipe-separated' : `separated by ${d}`;
}

const NO_ERRORS: PlacedErrors = { columns: {}, onExisting: [], tags: [], general: [] };

function MappingStep({
  imp,
  onSaved,
  onReload,
  onPreview,
}: {
  imp: Import;
  onSaved: (imp: Import) => void;
  onReload: () => void;
  onPreview: (rows: PreviewRow[]) => void;
}) {
  const [form, setForm] = useState<MappingForm>(() => formOf(imp));
  const [errors, setErrors] = useState<PlacedErrors>(NO_ERRORS);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const twice = doubled(form.mapping);
  const setField = (i: number, f: string) => {
    setForm((s) => ({ ...s, mapping: s.mapping.map((m, j) => (j === i ? (f as MappingForm['mapping'][number]) : m)) }));
    // What was said of the mapping as it was no longer holds for this column, nor above the table.
    setErrors((e) => ({ ...e, general: [], columns: { ...e.columns, [i]: [] } }));
  };
  const save = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    setError(null);
    if (twice.length) {
      setErrors({ ...NO_ERRORS, general: twice.map((f) => `${fieldLabel(f)} is chosen for more than one column; choose it once.`) });
      return;
    }
    setBusy(true);
    setErrors(NO_ERRORS);
    try {
      let saved = imp;
      if (changed(imp, form)) {
        saved = await api.patch<Import>(`/imports/${imp.id}`, changeOf(form), imp.version);
        onSaved(saved);
      }
      const answer = await api.post<Preview>(`/imports/${imp.id}/preview`);
      onPreview(answer.rows);
    } catch (err) {
      if (err instanceof ApiError && err.status === 422 && err.problem.errors?.length) {
        setErrors(placeErrors(err.problem, form.mapping));
      } else {
        setError(err);
        // Changed elsewhere (another tab, or started): show it as it is now.
        if (err instanceof ApiError && (err.status === 412 || err.status === 409)) onReload();
      }
    } finally {
      setBusy(false);
    }
  };
  const mappedTo = (i: number) => [...(errors.columns[i] ?? []), ...(form.mapping[i] && twice.includes(form.mapping[i] as never) ? ['is chosen for another column too'] : [])];
  return (
    <form class="import-mapping" aria-labelledby="mapping-title" onSubmit={save} noValidate>
      <StepHeading id="mapping-title">Match your columns</StepHeading>
      <p class="hint">
        We suggested a field for each column we recognised. A client needs a name (or a first and last name) and a phone or an email;
        choose “— skip column —” for a column to leave out.
      </p>
      {errors.general.length > 0 && (
        <div class="error" role="alert">
          <ul class="reasons">
            {errors.general.map((r) => (
              <li key={r}>{r}</li>
            ))}
          </ul>
        </div>
      )}
      <ErrorMessage error={error} />
      <table class="table mapping" aria-label="Columns and the fields they fill">
        <thead>
          <tr>
            <th scope="col">Column in your file</th>
            <th scope="col">Fills the field</th>
          </tr>
        </thead>
        <tbody>
          {imp.columns.map((column, i) => {
            const why = mappedTo(i);
            const label = column.trim() || `Column ${i + 1}`;
            return (
              <tr key={i} data-column={i}>
                <th scope="row">{label}</th>
                <td>
                  <select
                    id={`map-${i}`}
                    aria-label={`Field for column ${label}`}
                    aria-invalid={why.length > 0 ? 'true' : undefined}
                    aria-describedby={why.length > 0 ? `map-${i}-msg` : undefined}
                    value={form.mapping[i] ?? ''}
                    onChange={(e) => setField(i, (e.target as HTMLSelectElement).value)}
                  >
                    <option value="">— skip column —</option>
                    {FIELDS.map(([v, l]) => (
                      <option key={v} value={v}>
                        {l}
                      </option>
                    ))}
                  </select>
                  {why.length > 0 && (
                    <p id={`map-${i}-msg`} class="field-error">
                      {why.join('; ')}
                    </p>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <div class="grid2 options">
        <fieldset class="panel" aria-describedby={errors.onExisting.length ? 'on-existing-msg' : undefined}>
          <legend>Clients you already have (same phone or email)</legend>
          <label class="check">
            <input type="radio" name="on_existing" value="update" checked={form.onExisting === 'update'} onChange={() => setForm((s) => ({ ...s, onExisting: 'update' }))} />
            Update them: fill in what they lack, add the tags and notes
          </label>
          <label class="check">
            <input type="radio" name="on_existing" value="skip" checked={form.onExisting === 'skip'} onChange={() => setForm((s) => ({ ...s, onExisting: 'skip' }))} />
            Skip them: leave them as they are
          </label>
          {errors.onExisting.length > 0 && (
            <p id="on-existing-msg" class="field-error">
              {errors.onExisting.join('; ')}
            </p>
          )}
        </fieldset>
        <div class="panel form">
          <label>
            Tags for every imported client (optional)
            <input
              name="tags"
              value={form.tags}
              placeholder="e.g. from old system, 2024 list"
              aria-invalid={errors.tags.length ? 'true' : undefined}
              aria-describedby={errors.tags.length ? 'import-tags-msg' : 'import-tags-hint'}
              onInput={(e) => setForm((s) => ({ ...s, tags: (e.target as HTMLInputElement).value }))}
            />
          </label>
          {errors.tags.length > 0 ? (
            <p id="import-tags-msg" class="field-error">
              {errors.tags.join('; ')}
            </p>
          ) : (
            <p id="import-tags-hint" class="hint">
              Separate tags with commas; at most 10.
            </p>
          )}
        </div>
      </div>
      {busy && <Loading what="Reading the first rows" />}
      <div class="actions">
        <Link to="/imports" class="button secondary">
          Choose another file
        </Link>
        <button type="submit" disabled={busy}>
          Save and preview
        </button>
      </div>
    </form>
  );
}

function PreviewStep({ imp, rows, onBack, onStarted }: { imp: Import; rows: PreviewRow[]; onBack: () => void; onStarted: (imp: Import) => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const counts = outcomeCounts(rows);
  const start = async () => {
    setBusy(true);
    setError(null);
    try {
      onStarted(await api.post<Import>(`/imports/${imp.id}/start`));
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  };
  return (
    <div class="import-preview">
      <StepHeading id="preview-title">Preview</StepHeading>
      <p>
        What the first {rows.length} rows would do: {counts.create} new, {counts.update} updated, {counts.skip} skipped, {counts.refuse} refused. Existing
        clients are {imp.on_existing === 'skip' ? 'skipped' : 'updated'}
        {imp.tags && imp.tags.length > 0 && <>; every imported client is tagged {imp.tags.join(', ')}</>}.
      </p>
      <ErrorMessage error={error} />
      {rows.length === 0 ? (
        <p class="state empty">The file has no rows to preview.</p>
      ) : (
        <table class="table preview" aria-labelledby="preview-title">
          <thead>
            <tr>
              <th scope="col">Row</th>
              <th scope="col">Name</th>
              <th scope="col">Phone</th>
              <th scope="col">Email</th>
              <th scope="col">Outcome</th>
              <th scope="col">Why</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.row} data-row={r.row} data-outcome={r.outcome}>
                <td>{r.row}</td>
                <td>{r.client?.name ?? '—'}</td>
                <td>{r.client?.phone ?? '—'}</td>
                <td>{r.client?.email ?? '—'}</td>
                <td>
                  <span class={`badge o-${r.outcome}`}>{OUTCOME_LABEL[r.outcome]}</span>
                </td>
                <td>
                  {outcomeDetail(r)}
                  {r.outcome === 'update' && <Link to={`/customers/${r.customer_id}`}>Existing client</Link>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div class="actions">
        <button type="button" class="secondary" onClick={onBack} disabled={busy}>
          Back to columns
        </button>
        <button type="button" onClick={start} disabled={busy}>
          {busy ? 'Starting…' : `Start import (${n(imp.counts.total)} rows)`}
        </button>
      </div>
    </div>
  );
}

function Counts({ imp }: { imp: Import }) {
  const c = imp.counts;
  const item = (label: string, value: number, key: string) => (
    <div class="kpi" data-count={key}>
      <span class="kpi-value">{n(value)}</span>
      <span class="kpi-label">{label}</span>
    </div>
  );
  return (
    <div class="kpis" role="group" aria-label="Rows so far">
      {item('Rows done', c.done, 'done')}
      {item('New customers', c.created, 'created')}
      {item('Updated', c.updated, 'updated')}
      {item('Skipped', c.skipped, 'skipped')}
      {item('Refused', c.refused, 'refused')}
    </div>
  );
}

function ProgressBar({ imp }: { imp: Import }) {
  const pct = percentOf(imp);
  return (
    <div class="progress-row">
      <div
        class="progress"
        role="progressbar"
        aria-label="Import progress"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={pct}
        aria-valuetext={`${pct}%: ${n(imp.counts.done)} of ${n(imp.counts.total)} rows`}
      >
        <span class="progress-fill" style={{ width: `${pct}%` }} />
      </div>
      <span class="progress-text" aria-hidden="true">
        {pct}%
      </span>
    </div>
  );
}

function ProgressStep({ imp, onChange, pollError }: { imp: Import; onChange: (imp: Import) => void; pollError: unknown }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const cancel = async () => {
    if (!confirm('Stop this import? The rows imported so far stay.')) return;
    setBusy(true);
    setError(null);
    try {
      onChange(await api.post<Import>(`/imports/${imp.id}/cancel`));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="import-progress">
      <StepHeading id="progress-title">{imp.status === 'queued' ? 'Waiting to start' : 'Importing'}</StepHeading>
      <p class="muted">
        {imp.status === 'queued'
          ? 'The import is queued and starts in a moment.'
          : `${n(imp.counts.done)} of ${n(imp.counts.total)} rows done.`}{' '}
        It keeps running if you leave this page; come back here to see how it went.
      </p>
      <ProgressBar imp={imp} />
      <Counts imp={imp} />
      <ErrorMessage error={pollError} />
      <ErrorMessage error={error} />
      <div class="actions">
        <button type="button" class="danger" onClick={cancel} disabled={busy}>
          Cancel import
        </button>
      </div>
    </div>
  );
}

function SummaryStep({ imp }: { imp: Import }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const c = imp.counts;
  const download = async () => {
    setBusy(true);
    setError(null);
    try {
      const res = await fetchCsv(`/imports/${imp.id}/errors.csv`);
      saveFile(await res.blob(), errorsFileName(imp.file_name));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const title = imp.status === 'done' ? 'Import done' : imp.status === 'cancelled' ? 'Import cancelled' : 'Import failed';
  return (
    <div class="import-summary">
      <StepHeading id="summary-title">{title}</StepHeading>
      <p role="status">
        {imp.status === 'done' && <>All {n(c.total)} rows were read: </>}
        {imp.status === 'cancelled' && <>Stopped after {n(c.done)} of {n(c.total)} rows: </>}
        {imp.status === 'failed' && <>The import stopped after {n(c.done)} of {n(c.total)} rows: </>}
        {n(c.created)} new {c.created === 1 ? 'customer' : 'customers'}, {n(c.updated)} updated, {n(c.skipped)} skipped, {n(c.refused)} refused.
      </p>
      {imp.status === 'failed' && imp.error && (
        <p class="error" role="alert">
          {imp.error}
        </p>
      )}
      <ProgressBar imp={imp} />
      <Counts imp={imp} />
      {c.skipped > 0 && <p class="hint">Skipped rows repeat the phone or email of an earlier row, or belong to a client you already had.</p>}
      <ErrorMessage error={error} />
      <div class="actions">
        {c.refused > 0 && (
          <button type="button" class="secondary" onClick={download} disabled={busy}>
            {busy ? 'Downloading…' : `Download refused rows (${n(c.refused)})`}
          </button>
        )}
        <Link to="/imports" class="button secondary">
          Import another file
        </Link>
        <Link
          to="/customers?source=import"
          class="button"
        >
          See imported customers
        </Link>
      </div>
    </div>
  );
}
