import { INestApplicationContext, Logger } from '@nestjs/common';
import { ResolvedConfig } from '../config/app-config';
import { ApiKeysService } from './api-keys.service';
import { OrganizationsService } from './organizations.service';

/**
 * Local mode starts with an organization to use: BOOTSTRAP_API_KEY's (created if missing, in any mode),
 * else, on an empty database, one with a generated key printed once.
 */
export async function ensureDefaultOrganization(app: INestApplicationContext, config: ResolvedConfig): Promise<void> {
  const organizations = app.get(OrganizationsService);
  const apiKeys = app.get(ApiKeysService);
  const logger = new Logger('Bootstrap');
  const { apiKey, maxConcurrentCalls } = config.bootstrap;
  if (apiKey) {
    // A key that was revoked stays revoked: it is not issued again.
    if (!(await apiKeys.exists(apiKey))) {
      await organizations.create('Default organization', maxConcurrentCalls, apiKey);
      logger.log(`Created the default organization for BOOTSTRAP_API_KEY (${maxConcurrentCalls} concurrent calls)`);
    }
    return;
  }
  if (config.localMode && (await organizations.count()) === 0) {
    const created = await organizations.create('Default organization', maxConcurrentCalls);
    // Printed once, on purpose: the key is stored only as a hash.
    logger.log(`Created the default organization (${maxConcurrentCalls} concurrent calls). Its API key, shown only now:`);
    process.stdout.write(`\n    x-credential-api-key: ${created.apiKey}\n\n`);
  }
}
