/** A problem with the file as a whole: nothing of it can be used. `line` is 1-based, null when not tied to a line. */
export class CsvFileError extends Error {
  constructor(
    message: string,
    readonly line: number | null,
  ) {
    super(message);
    this.name = 'CsvFileError';
  }
}
