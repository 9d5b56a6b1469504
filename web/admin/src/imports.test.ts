import { describe, expect, it } from 'vitest';
import { ApiError } from './api';
import {
  changed,
  changeOf,
  doubled,
  errorsFileName,
  fileKind,
  formOf,
  Import,
  isFinal,
  mayImport,
  outcomeCounts,
  outcomeDetail,
  parseTags,
  percentOf,
  placeErrors,
  PreviewRow,
  shouldGzip,
  sizeProblem,
  stepFor,
  uploadProblem,
  XLSX_TYPE,
} from './imports';

const imp = (over: Partial<Import> = {}): Import => ({
  id: '01IMPORT',
  tenant_id: 'demo',
  file_name: 'clients.csv',
  format: 'csv',
  bytes: 100,
  columns: ['Full Name', 'Mobile', 'Email', 'Favourite colour'],
  mapping: ['name', 'phone', 'email', null],
  on_existing: 'update',
  tags: [],
  status: 'mapping',
  counts: { total: 10, done: 0, created: 0, updated: 0, skipped: 0, refused: 0 },
  percent: 0,
  created_by: 'owner',
  created_at: '',
  updated_at: '',
  version: 1,
  ...over,
});

describe('who may import', () => {
  it('owners and admins, as the API allows; staff get 403 there, so no button', () => {
    expect(mayImport('owner')).toBe(true);
    expect(mayImport('admin')).toBe(true);
    expect(mayImport('staff')).toBe(false);
    expect(mayImport(undefined)).toBe(false);
  });
});

describe('sending the file', () => {
  it('sends a CSV as text/csv and a workbook as XLSX, and says why another file cannot be read', () => {
    expect(fileKind('clients.csv')).toEqual({ contentType: 'text/csv' });
    expect(fileKind('CLIENTS.CSV')).toEqual({ contentType: 'text/csv' });
    expect(fileKind('export.txt')).toEqual({ contentType: 'text/csv' });
    expect(fileKind('clients.xlsx')).toEqual({ contentType: XLSX_TYPE });
    expect(fileKind('download', XLSX_TYPE)).toEqual({ contentType: XLSX_TYPE });
    expect(fileKind('old.xls')).toEqual({ refused: expect.stringMatching(/\.xls file cannot be read.*CSV.*\.xlsx/) });
    expect(fileKind('photo.jpg')).toEqual({ refused: expect.stringMatching(/CSV file.*Excel workbook/) });
  });

  it('compresses files over 1 MB when the browser can, never small ones', () => {
    expect(shouldGzip(200_000, true)).toBe(false);
    expect(shouldGzip(1024 * 1024, true)).toBe(false);
    expect(shouldGzip(1024 * 1024 + 1, true)).toBe(true);
    expect(shouldGzip(5_000_000, false)).toBe(false);
  });

  it('refuses before sending what the API would: empty, over 25 MB, over 4 MB as sent', () => {
    expect(sizeProblem(0)).toMatch(/empty/);
    expect(sizeProblem(1000, 1000)).toBeNull();
    expect(sizeProblem(20 * 1024 * 1024, 3 * 1024 * 1024)).toBeNull();
    expect(sizeProblem(26 * 1024 * 1024)).toMatch(/larger than 25 MB/);
    expect(sizeProblem(10 * 1024 * 1024, 5 * 1024 * 1024)).toMatch(/over 4 MB even compressed/);
  });

  it("tells the person the API's reason for refusing a file", () => {
    expect(uploadProblem(new ApiError(422, { status: 422, title: 'x', errors: [{ field: 'file', reason: 'the file has a header row but no rows' }] }))).toBe(
      'This file cannot be imported: the file has a header row but no rows.',
    );
    expect(uploadProblem(new ApiError(413, { status: 413, title: 'Content Too Large' }))).toMatch(/too large: at most 4 MB as sent and 25 MB/);
    expect(uploadProblem(new ApiError(403, { status: 403, title: 'Forbidden' }))).toBe('Your role may not do this.');
  });
});

describe('the step an import shows', () => {
  it('mapping → columns; queued and running → progress; ended → summary', () => {
    expect(stepFor('mapping')).toBe('mapping');
    expect(stepFor('queued')).toBe('progress');
    expect(stepFor('running')).toBe('progress');
    expect(stepFor('done')).toBe('summary');
    expect(stepFor('cancelled')).toBe('summary');
    expect(stepFor('failed')).toBe('summary');
    expect(['mapping', 'queued', 'running', 'done', 'cancelled', 'failed'].filter((s) => isFinal(s as Import['status']))).toEqual(['done', 'cancelled', 'failed']);
  });

  it('shows the percent the API says, whole and within 0–100; done is 100', () => {
    expect(percentOf(imp({ status: 'running', percent: 45 }))).toBe(45);
    expect(percentOf(imp({ status: 'running', percent: 140 }))).toBe(100);
    expect(percentOf(imp({ status: 'done', percent: 99 }))).toBe(100);
    expect(percentOf(imp({ status: 'running', percent: NaN, counts: { total: 8, done: 3, created: 3, updated: 0, skipped: 0, refused: 0 } }))).toBe(37);
  });
});

describe('the mapping form', () => {
  it("starts from the import's suggestion, a skipped column as ''", () => {
    expect(formOf(imp({ tags: ['vip', 'old list'] }))).toEqual({ mapping: ['name', 'phone', 'email', ''], onExisting: 'update', tags: 'vip, old list' });
  });

  it('PATCHes one field or null per column, the choice, and the tags trimmed, lowercased, once each', () => {
    expect(changeOf({ mapping: ['first_name', 'last_name', '', 'phone'], onExisting: 'skip', tags: ' VIP, from old tool,,vip ; Dublin ' })).toEqual({
      mapping: ['first_name', 'last_name', null, 'phone'],
      on_existing: 'skip',
      tags: ['vip', 'from old tool', 'dublin'],
    });
    expect(parseTags('')).toEqual([]);
  });

  it('knows when the form says something the import does not', () => {
    const i = imp();
    expect(changed(i, formOf(i))).toBe(false);
    expect(changed(i, { ...formOf(i), onExisting: 'skip' })).toBe(true);
    expect(changed(i, { ...formOf(i), mapping: ['name', 'phone', '', ''] })).toBe(true);
    expect(changed(i, { ...formOf(i), tags: 'new' })).toBe(true);
    expect(changed(imp({ tags: ['a'] }), { ...formOf(i), tags: ' A ' })).toBe(false);
  });

  it('finds a field chosen for two columns', () => {
    expect(doubled(['name', 'phone', 'phone', '', ''])).toEqual(['phone']);
    expect(doubled(['name', '', ''])).toEqual([]);
  });

  it("places a 422's reasons: what is missing above the table, a doubled field at its columns, tags at the tags", () => {
    const placed = placeErrors(
      {
        status: 422,
        errors: [
          { field: 'mapping.name', reason: 'no column is mapped to the name (or first and last name)' },
          { field: 'mapping.phone', reason: 'is mapped from more than one column' },
          { field: 'mapping[3]', reason: 'is not a field: "colour"' },
          { field: 'tags[1]', reason: 'must be text of 1 to 40 characters' },
          { field: 'on_existing', reason: 'must be update or skip' },
        ],
      },
      ['', 'phone', 'phone', 'email'],
    );
    expect(placed.general).toEqual(['Full name: no column is mapped to the name (or first and last name).']);
    expect(placed.columns).toEqual({ 1: ['Phone is mapped from more than one column'], 2: ['Phone is mapped from more than one column'], 3: ['is not a field: "colour"'] });
    expect(placed.tags).toEqual(['Tag 2 must be text of 1 to 40 characters']);
    expect(placed.onExisting).toEqual(['must be update or skip']);
    expect(placeErrors(null, [])).toEqual({ columns: {}, onExisting: [], tags: [], general: [] });
  });
});

describe('the preview', () => {
  const rows: PreviewRow[] = [
    { row: 2, cells: ['Ann', '087 100 0001'], outcome: 'create', client: { name: 'Ann', phone: '+353871000001', tags: [], marketing_consent: false } },
    { row: 3, cells: [], outcome: 'update', customer_id: 'C1' },
    { row: 4, cells: [], outcome: 'skip', reason: 'the same phone or email as row 2' },
    { row: 5, cells: ['', '12'], outcome: 'refuse', errors: [{ field: 'phone', reason: 'is not a valid phone number' }, { field: 'name', reason: 'is empty' }] },
  ];

  it('says why a row is skipped or refused, field by field', () => {
    expect(rows.map(outcomeDetail)).toEqual(['', '', 'the same phone or email as row 2', 'Phone: is not a valid phone number; Full name: is empty']);
  });

  it('counts the outcomes', () => {
    expect(outcomeCounts(rows)).toEqual({ create: 1, update: 1, skip: 1, refuse: 1 });
  });

  it('names the refused rows file after the upload', () => {
    expect(errorsFileName('Clients (2024).csv')).toBe('clients-2024-refused-rows.csv');
    expect(errorsFileName('.csv')).toBe('import-refused-rows.csv');
  });
});
