import { CanActivate, createParamDecorator, ExecutionContext, ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import { Request, Response } from 'express';
import { ApiKeysService, AuthenticatedKey } from '../organizations/api-keys.service';
import { Organization } from '../organizations/organization.entity';
import { ApiRateLimiter, TooManyRequestsException } from './api-rate-limiter';

export const API_KEY_HEADER = 'x-credential-api-key';

/** A `read` key may use only the methods that change nothing; every other needs a `write` key. */
export function needsWriteScope(method: string): boolean {
  return !['GET', 'HEAD', 'OPTIONS'].includes(method.toUpperCase());
}

/**
 * Identifies the organization from its API key; every route behind it sees only that organization's
 * data. Refuses a write with a read key (403). Then takes one request from the key's rate limit (a 429
 * with Retry-After when it is used up).
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly apiKeys: ApiKeysService,
    private readonly rateLimiter: ApiRateLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<Request & { organization?: Organization; apiKey?: AuthenticatedKey['key'] }>();
    const apiKey = request.headers[API_KEY_HEADER];
    if (typeof apiKey !== 'string' || apiKey === '') {
      throw new UnauthorizedException(`Missing ${API_KEY_HEADER} header`);
    }
    const found = await this.apiKeys.authenticate(apiKey);
    if (!found) throw new UnauthorizedException(`Unknown or revoked API key in ${API_KEY_HEADER}`);
    if (found.key.scope !== 'write' && needsWriteScope(request.method)) {
      throw new ForbiddenException(`The API key "${found.key.name}" has scope ${found.key.scope}: it can only read; ${request.method} needs a key with scope write`);
    }
    try {
      await this.rateLimiter.take(found.key.hash);
    } catch (error) {
      if (error instanceof TooManyRequestsException) context.switchToHttp().getResponse<Response>().setHeader('Retry-After', String(error.retryAfterSeconds));
      throw error;
    }
    request.organization = found.organization;
    request.apiKey = found.key;
    return true;
  }
}

export const CurrentOrganization = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Organization => context.switchToHttp().getRequest().organization,
);

/** The API key the request came with (its id, name and scope). */
export const CurrentApiKey = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AuthenticatedKey['key'] => context.switchToHttp().getRequest().apiKey,
);
