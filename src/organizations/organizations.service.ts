import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { EntityLookup } from '../database/entity-lookup';
import { generateApiKey, hashApiKey } from './api-keys';
import { Organization } from './organization.entity';

@Injectable()
export class OrganizationsService {
  private readonly byKeyHash: EntityLookup<Organization>;

  constructor(
    @InjectRepository(Organization) private readonly organizations: Repository<Organization>,
    db: DataSource,
  ) {
    this.byKeyHash = new EntityLookup(db, Organization, 'api_key_hash = $1');
  }

  /** Creates an organization; the returned API key is the only time it is ever visible. */
  async create(name: string, maxConcurrentCalls: number, apiKey = generateApiKey()): Promise<{ organization: Organization; apiKey: string }> {
    const organization = await this.organizations.save(
      this.organizations.create({ name, maxConcurrentCalls, apiKeyHash: hashApiKey(apiKey), externalOngoingCalls: 0 }),
    );
    return { organization, apiKey };
  }

  findByApiKey(apiKey: string): Promise<Organization | null> {
    return this.byKeyHash.find(hashApiKey(apiKey));
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
