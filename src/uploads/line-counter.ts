const CR = 0x0d;
const LF = 0x0a;

/**
 * Counts physical lines over a stream of UTF-8 (or any ASCII-compatible) byte chunks the way the CSV reader numbers
 * them: CRLF, LF and a CR alone each end one line, also inside quoted values, and a CRLF split between two chunks
 * is one line end. Uses `indexOf` (memchr), about 10 ms for 60 MB, so it can run on every chunk of an upload and
 * an error found anywhere in the file can name its line.
 */
export class LineCounter {
  /** Line ends seen in the chunks added so far. */
  private ends = 0;
  /** Whether the last byte added was a CR (a LF starting the next chunk then completes that CRLF). */
  private lastWasCr = false;

  /** Counts the line ends of the next chunk of the stream. */
  add(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.ends += this.endsIn(chunk);
    this.lastWasCr = chunk[chunk.length - 1] === CR;
  }

  /** The 1-based line of the byte at `offset` in `chunk`, the chunk that follows those added so far (it is not added). */
  lineAt(chunk: Uint8Array, offset: number): number {
    return 1 + this.ends + this.endsIn(chunk.subarray(0, offset));
  }

  /** The 1-based line the stream is on after the chunks added so far: where the next byte would be. */
  get currentLine(): number {
    return 1 + this.ends;
  }

  private endsIn(bytes: Uint8Array): number {
    const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let ends = 0;
    for (let i = buffer.indexOf(CR); i !== -1; i = buffer.indexOf(CR, i + 1)) ends++;
    // A LF ends a line unless it is the second half of a CRLF, whose CR was counted.
    for (let i = buffer.indexOf(LF); i !== -1; i = buffer.indexOf(LF, i + 1)) {
      const afterCr = i === 0 ? this.lastWasCr : buffer[i - 1] === CR;
      if (!afterCr) ends++;
    }
    return ends;
  }
}
