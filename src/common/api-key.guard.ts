import { CanActivate, createParamDecorator, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { Organization } from '../organizations/organization.entity';
import { OrganizationsService } from '../organizations/organizations.service';

export const API_KEY_HEADER = 'x-credential-api-key';

/** Identifies the organization from its API key; every route behind it sees only that organization's data. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(private readonly organizations: OrganizationsService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest();
    const apiKey = request.headers[API_KEY_HEADER];
    if (typeof apiKey !== 'string' || apiKey === '') {
      throw new UnauthorizedException(`Missing ${API_KEY_HEADER} header`);
    }
    const organization = await this.organizations.findByApiKey(apiKey);
    if (!organization) throw new UnauthorizedException(`Unknown API key in ${API_KEY_HEADER}`);
    request.organization = organization;
    return true;
  }
}

export const CurrentOrganization = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Organization => context.switchToHttp().getRequest().organization,
);
