import { Request, Response, NextFunction } from 'express';
import { httpResponsesTotal } from './metrics';

/** Counts every HTTP response of this process by status class, once it is sent. */
export function countHttpResponses(_req: Request, res: Response, next: NextFunction): void {
  res.once('finish', () => httpResponsesTotal.inc({ status_class: `${Math.floor(res.statusCode / 100)}xx` }));
  next();
}
