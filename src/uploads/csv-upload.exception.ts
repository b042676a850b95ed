import { HttpException, HttpStatus } from '@nestjs/common';
import { ImportReport } from '../campaigns/call-request.entity';
import { STATUS_CODES } from '../common/api-error';
import { CsvFileError } from './debtor-csv-reader';

/**
 * A refused CSV upload (400, nothing stored), in the API's error shape. Each entry of `errors` is a
 * field error on `file` that also says where: `line` (1-based, the header is line 1), `column` and `value`.
 */
export class CsvUploadException extends HttpException {
  private constructor(message: string, report: ImportReport, errors = report.errors) {
    super(
      {
        status: STATUS_CODES[400],
        message,
        errors: errors.map((error) => ({ field: 'file', ...error })),
        errorCount: Math.max(report.rowsRejected, errors.length),
        importReport: { ...report, rowsAccepted: 0 },
      },
      HttpStatus.BAD_REQUEST,
    );
  }

  static invalidRows(report: ImportReport): CsvUploadException {
    const first = report.errors[0];
    return new CsvUploadException(
      `${report.rowsRejected} of ${report.rowsRead} rows are invalid, so nothing was stored (send skipInvalidRows=true to import the valid rows only); ` +
        `first at line ${first.line}${first.column ? `, column ${first.column}` : ''}: ${first.message}`,
      report,
    );
  }

  static noRows(report: ImportReport): CsvUploadException {
    return new CsvUploadException(`None of the ${report.rowsRead} rows can be called, so nothing was stored`, report);
  }

  static badFile(error: CsvFileError): CsvUploadException {
    const where = error.line === null ? '' : `line ${error.line}: `;
    const rowError = { line: error.line, column: error.column, value: null, message: error.message };
    return new CsvUploadException(`The CSV file cannot be read, so nothing was stored: ${where}${error.message}`, { rowsRead: 0, rowsAccepted: 0, rowsRejected: 0, errors: [] }, [rowError]);
  }
}
