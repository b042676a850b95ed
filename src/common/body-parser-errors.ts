import { IncomingMessage, ServerResponse } from 'node:http';
import { isUtf8 } from 'node:buffer';
import { NextFunction, Request, Response } from 'express';
import { STATUS_CODES } from './api-error';
import { findUnstorableJsonEscape } from './unstorable-text';

/** Error types of the checks below (body-parser reports a `verify` error with the type it carries). */
const INVALID_UTF8 = 'entity.invalid.utf8';
const UNSTORABLE_TEXT = 'entity.unstorable.text';

/**
 * express.json's `verify` hook for every JSON body: refuses bytes that are not UTF-8 (the decoder
 * would silently turn them into U+FFFD, storing something other than what was sent) and the escapes
 * PostgreSQL cannot store (see unstorable-text.ts). Both are 400s.
 */
export function verifyJsonText(_req: IncomingMessage, _res: ServerResponse, body: Buffer, encoding: string): void {
  if (/^utf-?8$/i.test(encoding) && !isUtf8(body)) {
    throw Object.assign(new Error('Body is not valid UTF-8 text'), { status: 400, type: INVALID_UTF8 });
  }
  const unstorable = findUnstorableJsonEscape(body);
  if (unstorable) throw Object.assign(new Error(`Body holds ${unstorable}, which cannot be stored`), { status: 400, type: UNSTORABLE_TEXT });
}

/** Express error middleware for what the JSON body parser refuses (before any controller runs). */
export function bodyParserErrorHandler(error: any, _req: Request, res: Response, next: NextFunction): void {
  if (error?.type === 'entity.parse.failed') {
    res.status(400).json({ status: STATUS_CODES[400], message: `Malformed JSON body: ${error.message}` });
  } else if (error?.type === 'entity.too.large') {
    res.status(413).json({ status: STATUS_CODES[413], message: `Body is larger than the ${error.limit} byte limit` });
  } else if (error?.type === 'encoding.unsupported' || error?.type === 'charset.unsupported') {
    res.status(415).json({ status: STATUS_CODES[415], message: error.message });
  } else if (error?.type === INVALID_UTF8 || error?.type === UNSTORABLE_TEXT) {
    res.status(400).json({ status: STATUS_CODES[400], message: error.message });
  } else if ((typeof error?.type === 'string' || error?.expose === true) && error.status >= 400 && error.status < 500) {
    // Anything else the parser refuses (a Content-Encoding whose bytes do not decode, a body shorter than
    // its Content-Length, ...) is the client's: its own 4xx, never a 500.
    res.status(error.status).json({ status: STATUS_CODES[error.status] ?? `http_${error.status}`, message: `The body could not be read: ${error.message}` });
  } else {
    next(error);
  }
}
