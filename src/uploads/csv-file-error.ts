/**
 * A problem with the file as a whole: nothing of it can be used. `line` is 1-based, null when not tied to a line;
 * `column` is the header of the column at fault, when one is.
 */
export class CsvFileError extends Error {
  constructor(
    message: string,
    readonly line: number | null,
    readonly column: string | null = null,
  ) {
    super(message);
    this.name = 'CsvFileError';
  }
}
