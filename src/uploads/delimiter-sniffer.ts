/** Field delimiters the reader accepts, in the order that breaks a tie in {@link sniffDelimiter}. */
export const DELIMITER_CANDIDATES = [',', ';', '\t'] as const;
export type Delimiter = (typeof DELIMITER_CANDIDATES)[number];

/** How far {@link sniffDelimiter} reads when looking for the end of the header line. */
export const SNIFF_LIMIT_BYTES = 64 * 1024;

const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;
const SPACE = 0x20;
const TAB = 0x09;
const CODES: readonly number[] = DELIMITER_CANDIDATES.map((d) => d.charCodeAt(0));
const BOM = [0xef, 0xbb, 0xbf];

/**
 * Picks the field delimiter from the header line: the first line that is not blank (spaces and tabs only), after
 * an optional UTF-8 BOM, up to its first line break outside double quotes. A quote opens a quoted field only at
 * the start of a field (after spaces, the line start or any candidate delimiter), as the parser reads it; one
 * inside an unquoted field (`Height 5'6"`) is a character. The candidate that occurs most often
 * outside quotes on that line wins; a tie goes to the earlier of `,` `;` tab; when none occurs the file has a
 * single column and the delimiter is `,`.
 *
 * Returns null while `head` (the start of the file) ends before the header line does and `final` is false, so
 * the caller reads more; with `final` (end of file, or {@link SNIFF_LIMIT_BYTES} read) it decides on what it has.
 */
export function sniffDelimiter(head: Uint8Array, final: true): Delimiter;
export function sniffDelimiter(head: Uint8Array, final: boolean): Delimiter | null;
export function sniffDelimiter(head: Uint8Array, final: boolean): Delimiter | null {
  let i = BOM.every((byte, k) => head[k] === byte) ? BOM.length : 0;
  // Skip blank lines before the header.
  let lineStart = i;
  for (; i < head.length; i++) {
    const c = head[i];
    if (c === CR || c === LF) lineStart = i + 1;
    else if (c !== SPACE && c !== TAB) break;
  }
  const counts = CODES.map(() => 0);
  let quoting = false;
  // Only spaces since the line start or a candidate delimiter: a quote here opens a quoted field.
  let fieldStart = true;
  // The previous character closed a quoted field: a quote here is the second of a doubled quote.
  let closed = false;
  let ended = false;
  for (i = lineStart; i < head.length; i++) {
    const c = head[i];
    if (quoting) {
      if (c === QUOTE) {
        quoting = false;
        closed = true;
      }
      continue;
    }
    if (c === QUOTE) {
      // As the parser reads it (relax_quotes): a quote inside an unquoted field is a character.
      if (fieldStart || closed) quoting = true;
      fieldStart = closed = false;
      continue;
    }
    closed = false;
    if (c === CR || c === LF) {
      ended = true;
      break;
    }
    const k = CODES.indexOf(c);
    if (k !== -1) {
      counts[k]++;
      fieldStart = true;
    } else if (c !== SPACE) {
      fieldStart = false;
    }
  }
  if (!ended && !final) return null;
  let best = 0;
  for (let k = 1; k < counts.length; k++) if (counts[k] > counts[best]) best = k;
  return counts[best] === 0 ? ',' : DELIMITER_CANDIDATES[best];
}
