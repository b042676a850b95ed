import { CanActivate, createParamDecorator, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { Response } from 'express';
import { apiKeyMatches } from '../organizations/api-keys';
import { Organization } from '../organizations/organization.entity';
import { OrganizationsService } from '../organizations/organizations.service';
import { ApiRateLimiter, TooManyRequestsException } from './api-rate-limiter';

export const API_KEY_HEADER = 'x-credential-api-key';

/**
 * Identifies the organization from its API key; every route behind it sees only that organization's
 * data. Then takes one request from the key's rate limit (a 429 with Retry-After when it is used up).
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly organizations: OrganizationsService,
    private readonly rateLimiter: ApiRateLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest();
    const apiKey = request.headers[API_KEY_HEADER];
    if (typeof apiKey !== 'string' || apiKey === '') {
      throw new UnauthorizedException(`Missing ${API_KEY_HEADER} header`);
    }
    const organization = await this.organizations.findByApiKey(apiKey);
    if (!organization || !apiKeyMatches(apiKey, organization.apiKeyHash)) throw new UnauthorizedException(`Unknown API key in ${API_KEY_HEADER}`);
    try {
      await this.rateLimiter.take(organization.apiKeyHash);
    } catch (error) {
      if (error instanceof TooManyRequestsException) context.switchToHttp().getResponse<Response>().setHeader('Retry-After', String(error.retryAfterSeconds));
      throw error;
    }
    request.organization = organization;
    return true;
  }
}

export const CurrentOrganization = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Organization => context.switchToHttp().getRequest().organization,
);
