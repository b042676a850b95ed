import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { generateApiKey } from './api-keys';
import { ApiKeysService } from './api-keys.service';
import { Organization } from './organization.entity';

/** The name of the write key an organization is created with. */
export const FIRST_API_KEY_NAME = 'default';

@Injectable()
export class OrganizationsService {
  constructor(
    @InjectRepository(Organization) private readonly organizations: Repository<Organization>,
    private readonly db: DataSource,
    private readonly apiKeys: ApiKeysService,
  ) {}

  /** Creates an organization with one write key; the returned API key is the only time it is ever visible. */
  create(name: string, maxConcurrentCalls: number, apiKey = generateApiKey()): Promise<{ organization: Organization; apiKey: string }> {
    return this.db.transaction(async (manager) => {
      const organization = await manager.save(manager.create(Organization, { name, maxConcurrentCalls, externalOngoingCalls: 0 }));
      await this.apiKeys.create(organization.id, FIRST_API_KEY_NAME, 'write', apiKey, manager);
      return { organization, apiKey };
    });
  }

  /** The organization of an active API key. */
  async findByApiKey(apiKey: string): Promise<Organization | null> {
    return (await this.apiKeys.authenticate(apiKey))?.organization ?? null;
  }

  findById(id: string): Promise<Organization | null> {
    return this.organizations.findOneBy({ id });
  }

  async setExternalOngoingCalls(id: string, externalOngoingCalls: number): Promise<Organization> {
    await this.organizations.update({ id }, { externalOngoingCalls });
    return this.organizations.findOneByOrFail({ id });
  }

  async count(): Promise<number> {
    return this.organizations.count();
  }
}
