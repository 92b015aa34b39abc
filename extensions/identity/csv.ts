/**
 * Pure: RFC 4180 CSV (quotes, doubled quotes, CRLF, a UTF-8 BOM), comma- or
 * semicolon-separated (spreadsheets in a Russian locale save with ';'), first line the
 * header. Header names are trimmed and lower-cased.
 */
export interface CsvRecord {
  /** 1-based line number of the record's first line in the file, for reports. */
  line: number;
  values: Record<string, string>;
}

export function parseCsv(text: string): { header: string[]; records: CsvRecord[] } {
  const source = text.replace(/^\uFEFF/, '');
  const firstLine = source.slice(0, source.search(/\r?\n|$/));
  const separator = firstLine.includes(';') && !firstLine.includes(',') ? ';' : ',';
  const rows = splitRows(source, separator);
  const [head, ...body] = rows;
  if (!head) return { header: [], records: [] };
  const header = head.cells.map((h) => h.trim().toLowerCase());
  const records = body
    .filter((r) => r.cells.some((c) => c.trim() !== ''))
    .map((r) => ({ line: r.line, values: Object.fromEntries(header.map((h, i) => [h, r.cells[i] ?? ''])) }));
  return { header, records };
}

function splitRows(text: string, separator: string): { line: number; cells: string[] }[] {
  const rows: { line: number; cells: string[] }[] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') {
        quoted = false;
      } else {
        if (ch === '\n') line++;
        cell += ch;
      }
    } else if (ch === '"' && cell === '') {
      quoted = true;
    } else if (ch === separator) {
      cells.push(cell);
      cell = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      cells.push(cell);
      rows.push({ line: rowLine, cells });
      cells = [];
      cell = '';
      line++;
      rowLine = line;
    } else {
      cell += ch;
    }
  }
  if (cell !== '' || cells.length) rows.push({ line: rowLine, cells: [...cells, cell] });
  return rows;
}
