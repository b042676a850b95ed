import { DataSourceOptions } from 'typeorm';
import { CallRequest } from '../campaigns/call-request.entity';
import { Call } from '../campaigns/call.entity';
import { InitialSchema1763776000000 } from '../migrations/1763776000000-initial-schema';
import { CsvImportReport1763900000000 } from '../migrations/1763900000000-csv-import-report';
import { CampaignCompliance1764000000000 } from '../migrations/1764000000000-campaign-compliance';
import { ContactAttempts1764100000000 } from '../migrations/1764100000000-contact-attempts';
import { CallsWithoutRequestForeignKey1764300000000 } from '../migrations/1764300000000-calls-without-request-foreign-key';
import { MessageBirdEvents1764200000000 } from '../migrations/1764200000000-messagebird-events';
import { RecordingsAndMachineDetection1764400000000 } from '../migrations/1764400000000-recordings-and-machine-detection';
import { UnfinishedRequestsIndex1764500000000 } from '../migrations/1764500000000-unfinished-requests-index';
import { LeftMessages1764600000000 } from '../migrations/1764600000000-left-messages';
import { BirdEvents1764700000000 } from '../migrations/1764700000000-bird-events';
import { Webhooks1765000000000 } from '../migrations/1765000000000-webhooks';
import { ApiKeys1765100000000 } from '../migrations/1765100000000-api-keys';
import { SavedCallFlows1765200000000 } from '../migrations/1765200000000-saved-call-flows';
import { CampaignFunnel1765300000000 } from '../migrations/1765300000000-campaign-funnel';
import { CampaignSharing1765400000000 } from '../migrations/1765400000000-campaign-sharing';
import { CampaignVersions1765500000000 } from '../migrations/1765500000000-campaign-versions';
import { ClaimOneCampaign1765600000000 } from '../migrations/1765600000000-claim-one-campaign';
import { Organization } from '../organizations/organization.entity';

export const ENTITIES = [Organization, CallRequest, Call];
export const MIGRATIONS = [InitialSchema1763776000000, CsvImportReport1763900000000, CampaignCompliance1764000000000, ContactAttempts1764100000000, MessageBirdEvents1764200000000, CallsWithoutRequestForeignKey1764300000000, RecordingsAndMachineDetection1764400000000, UnfinishedRequestsIndex1764500000000, LeftMessages1764600000000, BirdEvents1764700000000, Webhooks1765000000000, ApiKeys1765100000000, SavedCallFlows1765200000000, CampaignFunnel1765300000000, CampaignSharing1765400000000, CampaignVersions1765500000000, ClaimOneCampaign1765600000000];

/** One place that says how we talk to PostgreSQL: migrations, never synchronize. */
export function typeormOptions(databaseUrl: string, poolSize = 20): DataSourceOptions {
  return {
    type: 'postgres',
    url: databaseUrl,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    // Run by runMigrations() before the application starts, under a lock shared by every process.
    migrationsRun: false,
    synchronize: false,
    // Keys come from gen_random_uuid(), built into PostgreSQL 13+: no extension to install.
    installExtensions: false,
    uuidExtension: 'pgcrypto',
    extra: { max: poolSize },
    // Query errors reach our own handlers, which log the unexpected ones; TypeORM's echo would repeat expected ones.
    logging: false,
  };
}
