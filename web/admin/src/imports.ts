// Importing a client list (POST/GET/PATCH /imports…): the pure logic of the wizard — how a
// file is sent, which step an import's status shows, the PATCH body from the mapping form,
// and the 422s placed beside what they name.

import type { components } from './api.gen';
import { ApiError, type Problem } from './api';

type Schemas = components['schemas'];

export type Import = Schemas['Import'];
export type ImportStatus = Schemas['ImportStatus'];
export type ImportChange = Schemas['ImportChange'];
export type Field = Schemas['Field'];
export type OnExisting = Schemas['OnExisting'];
export type PreviewRow = Schemas['PreviewRow'];
export type Preview = Schemas['Preview'];
export type ImportCounts = Schemas['ImportCounts'];

/** Every field a column can fill, with its label, in the order the select offers them. */
export const FIELDS = [
  ['name', 'Full name'],
  ['first_name', 'First name'],
  ['last_name', 'Last name'],
  ['phone', 'Phone'],
  ['email', 'Email'],
  ['tags', 'Tags'],
  ['notes', 'Notes'],
  ['birthday', 'Birthday'],
  ['address', 'Address'],
  ['city', 'City'],
  ['postcode', 'Postcode'],
  ['country', 'Country'],
  ['source', 'Source'],
  ['member_since', 'Client since'],
  ['visits', 'Visits (old system)'],
  ['spend', 'Total spend (old system)'],
  ['marketing_consent', 'Marketing consent'],
] as const satisfies readonly (readonly [Field, string])[];

/** A field the API has and FIELDS leaves out fails the type-check here. */
export const EVERY_FIELD_LISTED: [Exclude<Field, (typeof FIELDS)[number][0]>] extends [never] ? true : never = true;

export function fieldLabel(f: string): string {
  return FIELDS.find(([v]) => v === f)?.[1] ?? f.replace(/_/g, ' ');
}

/** Who may import (the API's route table: owners and admins). */
export function mayImport(role: string | undefined): boolean {
  return role === 'owner' || role === 'admin';
}

// ---------------------------------------------------------------------------------------
// Sending the file

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
/** Over this, a file is gzip-compressed before it is sent (a CSV shrinks 5–10×). */
export const GZIP_OVER = 1024 * 1024;
/** The API's limits: as sent (Lambda's request limit), and once decompressed. */
export const MAX_SENT = 4 * 1024 * 1024;
export const MAX_FILE = 25 * 1024 * 1024;

/** The Content-Type a file is sent with, from its name (and the browser's type); null for a
 *  file the API cannot read, with why. */
export function fileKind(name: string, type = ''): { contentType: string } | { refused: string } {
  const ext = name.toLowerCase().match(/\.([a-z0-9]+)$/)?.[1] ?? '';
  if (ext === 'xlsx' || type === XLSX_TYPE) return { contentType: XLSX_TYPE };
  if (['csv', 'tsv', 'txt'].includes(ext) || type === 'text/csv') return { contentType: 'text/csv' };
  if (ext === 'xls' || ext === 'numbers' || ext === 'ods')
    return { refused: `A .${ext} file cannot be read here. Save it as CSV or as an Excel workbook (.xlsx) and choose that.` };
  return { refused: 'Choose a CSV file (.csv) or an Excel workbook (.xlsx).' };
}

/** Whether a file of `bytes` is compressed before sending (when the browser can). */
export function shouldGzip(bytes: number, canCompress: boolean): boolean {
  return canCompress && bytes > GZIP_OVER;
}

/** Why a file of `bytes` (sent as `sentBytes`, once known) cannot be uploaded, or null when
 *  it can. */
export function sizeProblem(bytes: number, sentBytes = 0): string | null {
  const mb = (n: number) => `${Math.round(n / 1024 / 1024)} MB`;
  if (bytes === 0) return 'The file is empty.';
  if (bytes > MAX_FILE) return `The file is larger than ${mb(MAX_FILE)}. Split it into smaller files and import each.`;
  if (sentBytes > MAX_SENT) return `The file is too large to send (over ${mb(MAX_SENT)} even compressed). Split it into smaller files and import each.`;
  return null;
}

/** `data` gzip-compressed with the browser's CompressionStream. */
export async function gzip(data: Blob): Promise<Blob> {
  const stream = data.stream().pipeThrough(new CompressionStream('gzip'));
  return new Response(stream).blob();
}

/** The body and headers a file is uploaded with: compressed when large and the browser can. */
export async function uploadBody(file: Blob, contentType: string): Promise<{ body: Blob; headers: Record<string, string> }> {
  const headers: Record<string, string> = { 'content-type': contentType };
  if (shouldGzip(file.size, typeof CompressionStream === 'function')) {
    return { body: await gzip(file), headers: { ...headers, 'content-encoding': 'gzip' } };
  }
  return { body: file, headers };
}

/** What to tell the person whose upload failed: the API's reason for refusing the file. */
export function uploadProblem(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.status === 413)
      return `The file is too large: at most ${MAX_SENT / 1024 / 1024} MB as sent and ${MAX_FILE / 1024 / 1024} MB uncompressed. Split it into smaller files and import each.`;
    const file = err.problem.errors?.filter((e) => e.field === 'file') ?? [];
    if (err.status === 422 && file.length > 0) {
      const why = file.map((e) => e.reason).join('; ');
      return `This file cannot be imported: ${why}${why.endsWith('.') ? '' : '.'}`;
    }
    return err.message;
  }
  return err instanceof Error ? err.message : 'The file could not be uploaded. Please try again.';
}

// ---------------------------------------------------------------------------------------
// Steps

export type Step = 'mapping' | 'progress' | 'summary';

/** The step an import in `status` is shown at (after a reload too). */
export function stepFor(status: ImportStatus): Step {
  switch (status) {
    case 'mapping':
      return 'mapping';
    case 'queued':
    case 'running':
      return 'progress';
    default:
      return 'summary';
  }
}

/** Whether an import in `status` has ended (nothing more will change it). */
export function isFinal(status: ImportStatus): boolean {
  return status === 'done' || status === 'cancelled' || status === 'failed';
}

// ---------------------------------------------------------------------------------------
// The mapping form

/** What the mapping form holds: a field or '' (skip) per column, the choice for existing
 *  customers, and the tags as typed. */
export interface MappingForm {
  mapping: (Field | '')[];
  onExisting: OnExisting;
  tags: string;
}

export function formOf(imp: Import): MappingForm {
  return {
    mapping: imp.columns.map((_, i) => imp.mapping[i] ?? ''),
    onExisting: imp.on_existing,
    tags: (imp.tags ?? []).join(', '),
  };
}

/** Tags as typed ("vip, from old tool"): trimmed, lowercased as the API keeps them, no
 *  empty ones, each once. */
export function parseTags(text: string): string[] {
  const out: string[] = [];
  for (const t of text.split(/[,;]/)) {
    const tag = t.trim().toLowerCase();
    if (tag && !out.includes(tag)) out.push(tag);
  }
  return out;
}

/** The PATCH body from the form: one field or null per column, the choice, the tags. */
export function changeOf(form: MappingForm): Required<Pick<ImportChange, 'mapping' | 'on_existing' | 'tags'>> {
  return {
    mapping: form.mapping.map((f) => (f === '' ? null : f)),
    on_existing: form.onExisting,
    tags: parseTags(form.tags),
  };
}

/** Whether the form says something the import does not (it needs saving before a preview). */
export function changed(imp: Import, form: MappingForm): boolean {
  const c = changeOf(form);
  return (
    JSON.stringify(c.mapping) !== JSON.stringify(imp.columns.map((_, i) => imp.mapping[i] ?? null)) ||
    c.on_existing !== imp.on_existing ||
    JSON.stringify(c.tags) !== JSON.stringify(imp.tags ?? [])
  );
}

/** Fields chosen for more than one column (the API refuses them; said before saving). */
export function doubled(mapping: (Field | '')[]): Field[] {
  const seen = new Set<Field>();
  const twice = new Set<Field>();
  for (const f of mapping) {
    if (!f) continue;
    if (seen.has(f)) twice.add(f);
    seen.add(f);
  }
  return [...twice];
}

/** A 422 of the mapping form, placed: the reasons for each column (by index), for the
 *  existing-customers choice, for the tags, and the rest (what no single column carries,
 *  like "no column is mapped to the name"). */
export interface PlacedErrors {
  columns: Record<number, string[]>;
  onExisting: string[];
  tags: string[];
  general: string[];
}

export function placeErrors(problem: Problem | null | undefined, mapping: (Field | '')[]): PlacedErrors {
  const out: PlacedErrors = { columns: {}, onExisting: [], tags: [], general: [] };
  const toColumn = (i: number, reason: string) => (out.columns[i] ??= []).push(reason);
  for (const e of problem?.errors ?? []) {
    const at = e.field.match(/^mapping\[(\d+)\]$/);
    const field = e.field.match(/^mapping\.(\w+)$/)?.[1];
    if (at) {
      toColumn(Number(at[1]), e.reason);
    } else if (field) {
      const columns = mapping.flatMap((f, i) => (f === field ? [i] : []));
      // A field mapped twice is said at each of its columns; a missing one, above the table.
      if (columns.length > 1) columns.forEach((i) => toColumn(i, `${fieldLabel(field)} ${e.reason}`));
      else out.general.push(`${fieldLabel(field)}: ${e.reason}.`);
    } else if (e.field === 'on_existing') {
      out.onExisting.push(e.reason);
    } else if (e.field === 'tags' || e.field.startsWith('tags[')) {
      out.tags.push(e.field === 'tags' ? e.reason : `${e.field.replace(/^tags\[(\d+)\]$/, (_, n) => `Tag ${Number(n) + 1}`)} ${e.reason}`);
    } else {
      out.general.push(`${e.field.replace(/_/g, ' ')} ${e.reason}.`);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// The preview and the progress

export const OUTCOME_LABEL: Record<PreviewRow['outcome'], string> = {
  create: 'new customer',
  update: 'updates a customer',
  skip: 'skipped',
  refuse: 'refused',
};

/** Why a previewed row does what it does, in words (empty for a plain create or update). */
export function outcomeDetail(row: PreviewRow): string {
  if (row.outcome === 'skip') return row.reason;
  if (row.outcome === 'refuse') return row.errors.map((e) => `${fieldLabel(e.field)}: ${e.reason}`).join('; ');
  return '';
}

/** How many previewed rows have each outcome. */
export function outcomeCounts(rows: PreviewRow[]): Record<PreviewRow['outcome'], number> {
  const n = { create: 0, update: 0, skip: 0, refuse: 0 };
  for (const r of rows) n[r.outcome] += 1;
  return n;
}

/** The progress in whole percent (0–100), from the API's percent or the counts. */
export function percentOf(imp: Pick<Import, 'percent' | 'counts' | 'status'>): number {
  if (imp.status === 'done') return 100;
  const p = Number.isFinite(imp.percent) ? imp.percent : imp.counts.total ? (100 * imp.counts.done) / imp.counts.total : 0;
  return Math.max(0, Math.min(100, Math.floor(p)));
}

/** The file the refused rows are saved as. */
export function errorsFileName(fileName: string): string {
  const stem = fileName.replace(/\.[^.]*$/, '').replace(/[^\w-]+/g, '-').replace(/^-+|-+$/g, '').toLowerCase();
  return `${stem || 'import'}-refused-rows.csv`;
}

const LAST_IMPORT = 'crm.lastImport';

/** The import last worked on here (offered again on /imports). */
export function rememberImport(id: string): void {
  try {
    localStorage.setItem(LAST_IMPORT, id);
  } catch {
    /* storage off: nothing remembered */
  }
}
export function lastImport(): string | null {
  try {
    return localStorage.getItem(LAST_IMPORT);
  } catch {
    return null;
  }
}
export function forgetImport(): void {
  try {
    localStorage.removeItem(LAST_IMPORT);
  } catch {
    /* nothing to forget */
  }
}
