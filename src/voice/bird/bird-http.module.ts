import { DynamicModule, Module } from '@nestjs/common';
import { ResolvedConfig } from '../../config/app-config';
import { BirdEventLog } from './bird-event-log';
import { BirdWebhooksController } from './bird-webhooks.controller';
import { BirdWebhooksService } from './bird-webhooks.service';

/** Bird's route on our HTTP API (its webhooks), in every process that serves HTTP when VOICE_PROVIDER=bird; nothing otherwise. */
@Module({})
export class BirdHttpModule {
  static forConfig(config: ResolvedConfig): DynamicModule {
    if (config.voiceProvider !== 'bird' || config.role === 'worker') return { module: BirdHttpModule };
    return { module: BirdHttpModule, controllers: [BirdWebhooksController], providers: [BirdWebhooksService, BirdEventLog] };
  }
}
