import ExcelJS from 'exceljs';
import type { GrantFileProblem } from './messages.ts';

/**
 * A teacher's file as lines: a CSV (read by identity's own CSV reader, passed in) or the
 * first sheet of an XLSX (exceljs: maintained, typed, reads what Excel, LibreOffice and
 * Google Sheets save; it also writes, which the tests use to make real files). A CSV that is
 * not UTF-8 is read as Windows-1251, which a Russian Excel saves by default.
 */
export interface FileLine { line: number; values: Record<string, string> }
export type CsvReader = (text: string) => { header: string[]; records: FileLine[] };

export const MAX_FILE_BYTES = 5 * 1024 * 1024;
export const MAX_LINES = 5000;

export function kindOf(name: string | null | undefined, mimetype: string | null | undefined): 'csv' | 'xlsx' | null {
  const n = (name ?? '').toLowerCase();
  if (n.endsWith('.xlsx') || mimetype === 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet') return 'xlsx';
  if (n.endsWith('.csv') || mimetype === 'text/csv') return 'csv';
  return null;
}

export async function readLines(bytes: Buffer, kind: 'csv' | 'xlsx', readCsv: CsvReader): Promise<{ header: string[]; lines: FileLine[] } | GrantFileProblem> {
  let header: string[];
  let lines: FileLine[];
  if (kind === 'csv') {
    const parsed = readCsv(decodeText(bytes));
    header = parsed.header;
    lines = parsed.records;
  } else {
    const sheet = await firstSheet(bytes);
    if (!sheet) return { key: 'unreadable', kind: 'XLSX' };
    ({ header, lines } = sheet);
  }
  if (!header.includes('email')) return { key: 'noEmailColumn', header: header.filter(Boolean).join(', ') };
  if (lines.length === 0) return { key: 'noLines' };
  if (lines.length > MAX_LINES) return { key: 'tooManyLines', lines: lines.length, max: MAX_LINES };
  return { header, lines };
}

function decodeText(bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder('windows-1251').decode(bytes);
  }
}

async function firstSheet(bytes: Buffer): Promise<{ header: string[]; lines: FileLine[] } | null> {
  const book = new ExcelJS.Workbook();
  try {
    await book.xlsx.load(bytes as unknown as ArrayBuffer);
  } catch {
    return null;
  }
  const sheet = book.worksheets[0];
  if (!sheet) return null;
  const rows: { line: number; cells: string[] }[] = [];
  sheet.eachRow({ includeEmpty: false }, (row, n) => {
    const cells: string[] = [];
    for (let i = 1; i <= row.cellCount; i++) cells.push(row.getCell(i).text.trim());
    rows.push({ line: n, cells });
  });
  const [head, ...body] = rows;
  if (!head) return { header: [], lines: [] };
  const header = head.cells.map((h) => h.trim().toLowerCase());
  const lines = body
    .filter((r) => r.cells.some((c) => c !== ''))
    .map((r) => ({ line: r.line, values: Object.fromEntries(header.map((h, i) => [h, r.cells[i] ?? ''])) }));
  return { header, lines };
}

/** Lines back to a CSV the student import reads (one record a line: a cell's line breaks become spaces). */
export function toCsv(header: string[], lines: Record<string, string>[]): string {
  const cell = (v: string) => {
    const flat = v.replace(/[\r\n]+/g, ' ');
    return /[",;]/.test(flat) || flat !== flat.trim() ? `"${flat.replace(/"/g, '""')}"` : flat;
  };
  return [header.map(cell).join(','), ...lines.map((l) => header.map((h) => cell(l[h] ?? '')).join(','))].join('\n');
}
