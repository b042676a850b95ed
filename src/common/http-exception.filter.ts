import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { Response } from 'express';
import { ErrorBody, STATUS_CODES } from './api-error';

/** Every error leaves the API in one shape; anything unexpected is a logged 500, never a 400. */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpError');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const request = host.switchToHttp().getRequest();
    const { status, body } = toErrorResponse(exception);
    if (status >= 500) {
      this.logger.error(`${request.method} ${request.url} failed: ${exception instanceof Error ? exception.stack : String(exception)}`);
    }
    response.status(status).json(body);
  }
}

export function toErrorResponse(exception: unknown): { status: number; body: ErrorBody } {
  if (!(exception instanceof HttpException)) {
    return { status: 500, body: { status: STATUS_CODES[500], message: 'Internal server error' } };
  }
  const status = exception.getStatus();
  const raw = exception.getResponse();
  if (typeof raw === 'object' && raw !== null && 'status' in raw && 'message' in raw) {
    return { status, body: raw as ErrorBody };
  }
  const message = typeof raw === 'string' ? raw : Array.isArray((raw as any).message) ? (raw as any).message.join('; ') : String((raw as any).message ?? exception.message);
  return { status, body: { status: STATUS_CODES[status] ?? `http_${status}`, message } };
}
