import { DynamicModule, Module } from '@nestjs/common';
import { ResolvedConfig } from '../../config/app-config';
import { OrganizationsModule } from '../../organizations/organizations.module';
import { BirdEventLog } from './bird-event-log';
import { BirdWebhooksController } from './bird-webhooks.controller';
import { BirdWebhooksService } from './bird-webhooks.service';

/**
 * Bird's routes on our HTTP API, in every process that serves HTTP when VOICE_PROVIDER=bird (nothing
 * otherwise): the webhooks Bird sends.
 */
@Module({})
export class BirdHttpModule {
  static forConfig(config: ResolvedConfig): DynamicModule {
    if (config.voiceProvider !== 'bird' || config.role === 'worker') return { module: BirdHttpModule };
    return {
      module: BirdHttpModule,
      imports: [OrganizationsModule],
      controllers: [BirdWebhooksController],
      providers: [BirdWebhooksService, BirdEventLog],
    };
  }
}
