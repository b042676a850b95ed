/** Accepted names of the phone column of a CSV, compared case-insensitively, with spaces, dashes and dots read as `_` (`Phone Number`). */
export const PHONE_COLUMN_NAMES: readonly string[] = ['phone', 'phone_number', 'msisdn', 'number'];

/** Header names compare case-insensitively, with runs of spaces, dashes and dots read as `_`. */
export const comparableHeader = (header: string): string => header.trim().toLowerCase().replace(/[\s.-]+/g, '_');

/** Whether a header names the phone column (`phone`, `Phone Number`, `MSISDN`, ...). */
export const isPhoneColumnName = (header: string): boolean => PHONE_COLUMN_NAMES.includes(comparableHeader(header));
