import { ConsoleLogger, LogLevel } from '@nestjs/common';
import { parsePhoneNumberFromString } from 'libphonenumber-js';

/**
 * Phone numbers in international form, as they appear in log lines: `+6588893322`, URL-encoded
 * `%2B6588893322` (a request path), or written with spaces, dashes or dots (`+65 8889-3322`).
 * Numbers without a `+` are left alone: they cannot be told from ids, counts and timestamps.
 */
const PHONE = /(\+|%2B)([1-9](?:[ \-.]?\d){6,14})(?!\d)/gi;

/**
 * Masks every phone number in `text`, keeping its country code and last 2 digits:
 * `+6588893322` → `+65******22`. The country code is libphonenumber's (1 to 3 digits); a number it
 * cannot place keeps only its first digit.
 */
export function redactPhoneNumbers(text: string): string {
  return text.replace(PHONE, (_match, plus: string, number: string) => {
    const digits = number.replace(/\D/g, '');
    const countryCode = parsePhoneNumberFromString(`+${digits}`)?.countryCallingCode ?? digits.slice(0, 1);
    const kept = Math.min(2, Math.max(0, digits.length - countryCode.length - 1));
    const masked = digits.length - countryCode.length - kept;
    return `${plus}${countryCode}${'*'.repeat(masked)}${digits.slice(digits.length - kept)}`;
  });
}

/** Nest's console logger with every message (and stack) passed through redactPhoneNumbers (LOG_REDACT_PII=true). */
export class PiiRedactingLogger extends ConsoleLogger {
  constructor(logLevels: LogLevel[]) {
    super({ logLevels });
  }

  protected override formatMessage(logLevel: LogLevel, message: unknown, pidMessage: string, formattedLogLevel: string, contextMessage: string, timestampDiff: string): string {
    return redactPhoneNumbers(super.formatMessage(logLevel, message, pidMessage, formattedLogLevel, contextMessage, timestampDiff));
  }

  protected override printStackTrace(stack: string): void {
    // Called without a stack too (an error logged with a message only).
    super.printStackTrace(typeof stack === 'string' ? redactPhoneNumbers(stack) : stack);
  }
}
