import { E164_PATTERN } from '../../call-flow/normalize-call-flow';

/**
 * CSV cells and rows for the campaign export (RFC 4180), written by hand rather than with csv-stringify:
 * the whole format is "quote a field holding `,` `"` CR or LF, double its quotes, end rows with CRLF",
 * and the one rule that needs care, formula neutralization, has to be decided per column (phone and
 * caller are exempt), which csv-stringify's all-or-nothing `escape_formulas` option cannot express.
 * The export's test parses the output back with csv-parse, so the two stay in agreement.
 */

/** Byte order mark: Excel reads a CSV as UTF-8 only when it starts with one (else as the ANSI code page). */
export const UTF8_BOM = '\uFEFF';
export const CSV_LINE_END = '\r\n';

/**
 * First characters that make Excel, LibreOffice or Google Sheets read a cell as a formula (OWASP's
 * "CSV injection" list). Such a cell is prefixed with `'`, which spreadsheets show as text and hide.
 */
const FORMULA_TRIGGERS = new Set(['=', '+', '-', '@', '\t', '\r']);

const NEEDS_QUOTES = /[",\r\n]/;

/** `'`-prefixes a value that a spreadsheet would otherwise evaluate (`=HYPERLINK(…)`, `@SUM(1)`, `-2+3`). */
export function neutralizeFormula(value: string): string {
  return value.length > 0 && FORMULA_TRIGGERS.has(value[0]) ? `'${value}` : value;
}

/** RFC 4180 quoting: a field holding `,` `"` CR or LF is enclosed in quotes, its quotes doubled. */
export function quoteField(value: string): string {
  return NEEDS_QUOTES.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** One cell: null/undefined as empty, formula-neutralized, then quoted as needed. */
export function csvCell(value: string | null | undefined): string {
  return value === null || value === undefined ? '' : quoteField(neutralizeFormula(value));
}

/**
 * A phone or caller cell. Decision: these columns are NOT `'`-prefixed although an E.164 number such as
 * `+6588893322` starts with `+`. They were validated at submission against `^\+?[1-9]\d{1,14}$`, so
 * the most a spreadsheet can do with one is read it as the number 6588893322 (no function call, no
 * link, nothing executed); a `'` would make every phone in the file differ from what was submitted and
 * from GET /status, and break re-importing the file. The exemption is only as good as that validation,
 * so it is checked again here: anything that is not such a number is neutralized like any other cell.
 * Phone-looking *properties* get no exemption: they are free text.
 */
export function phoneCell(value: string | null | undefined): string {
  if (value !== null && value !== undefined && E164_PATTERN.test(value)) return value;
  return csvCell(value);
}

/** A finished CSV line (already-built cells joined with `,`, ending with CRLF). */
export function csvLine(cells: readonly string[]): string {
  return cells.join(',') + CSV_LINE_END;
}
