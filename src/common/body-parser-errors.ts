import { NextFunction, Request, Response } from 'express';
import { STATUS_CODES } from './api-error';

/** Express error middleware for what the JSON body parser refuses (before any controller runs). */
export function bodyParserErrorHandler(error: any, _req: Request, res: Response, next: NextFunction): void {
  if (error?.type === 'entity.parse.failed') {
    res.status(400).json({ status: STATUS_CODES[400], message: `Malformed JSON body: ${error.message}` });
  } else if (error?.type === 'entity.too.large') {
    res.status(413).json({ status: STATUS_CODES[413], message: `Body is larger than the ${error.limit} byte limit` });
  } else if (error?.type === 'encoding.unsupported' || error?.type === 'charset.unsupported') {
    res.status(415).json({ status: STATUS_CODES[415], message: error.message });
  } else {
    next(error);
  }
}
