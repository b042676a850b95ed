import { applyDecorators } from '@nestjs/common';
import { ApiResponse, ApiSecurity, getSchemaPath } from '@nestjs/swagger';
import type { ResponseObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { ApiErrorDto } from './api-error.dto';

/** Name of the API-key security scheme (the header the contract names). */
export const API_KEY_SCHEME = 'x-credential-api-key';

/** The error statuses an operation may answer, each described once for the whole document. */
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 429 | 500 | 503;

const ERROR_DESCRIPTIONS: Record<ErrorStatus, string> = {
  400: 'Bad request: a field is missing or wrong (`errors` names each, `errorCount` counts them), or the body is malformed',
  401: 'Missing, unknown or revoked API key',
  403: 'The API key has scope read: only GET routes are open to it',
  404: 'No such resource for this organization (another organization’s is indistinguishable from none)',
  409: 'Conflict with the current state',
  413: 'Body larger than the limit',
  415: 'Unsupported Content-Type',
  429: 'Too many requests for this API key (see the Retry-After header)',
  500: 'Internal error (logged with its stack)',
  503: 'PostgreSQL or Redis does not answer',
};

/** An error status as the document's response object, for statuses added after the decorators (the 403 of read keys). */
export function errorResponse(status: ErrorStatus): ResponseObject {
  return { description: ERROR_DESCRIPTIONS[status], content: { 'application/json': { schema: { $ref: getSchemaPath(ApiErrorDto) } } } };
}

/**
 * Documents each error status with the API's one error shape. `descriptions` overrides the general text
 * where an operation has something more precise to say (e.g. what a 409 means there).
 */
export function ApiErrors(statuses: ErrorStatus[], descriptions: Partial<Record<ErrorStatus, string>> = {}): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...statuses.map((status) => ApiResponse({ status, description: descriptions[status] ?? ERROR_DESCRIPTIONS[status], type: ApiErrorDto })),
  );
}

/**
 * An operation (or every operation of a controller) that needs the organization's API key: the security
 * requirement, and the errors the key guard answers (401 without a valid key, 429 over the key's rate
 * limit) plus a 500 any operation may answer.
 */
export function ApiKeyAuth(): MethodDecorator & ClassDecorator {
  return applyDecorators(ApiSecurity(API_KEY_SCHEME), ApiErrors([401, 429, 500]));
}
