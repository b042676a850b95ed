import { DynamicModule, Module } from '@nestjs/common';
import { FlowTemplatesCache } from '../../call-flow/flow-templates-cache';
import { APP_CONFIG, ResolvedConfig } from '../../config/app-config';
import { OrganizationsModule } from '../../organizations/organizations.module';
import { CallFlowFetchService } from './call-flow-fetch.service';
import { createMessageBirdClient } from './create-messagebird-client';
import { MessageBirdClient } from './messagebird-client';
import { MessageBirdEventLog } from './messagebird-event-log';
import { MessageBirdRecordingsController } from './messagebird-recordings.controller';
import { MessageBirdRecordingsService } from './messagebird-recordings.service';
import { MessageBirdWebhooksController } from './messagebird-webhooks.controller';
import { MessageBirdWebhooksService } from './messagebird-webhooks.service';

/**
 * MessageBird's routes on our HTTP API, in every process that serves HTTP when VOICE_PROVIDER=messagebird
 * (nothing otherwise): the webhooks and call-flow fetches MessageBird makes, and call recordings.
 */
@Module({})
export class MessageBirdHttpModule {
  static forConfig(config: ResolvedConfig): DynamicModule {
    if (config.voiceProvider !== 'messagebird' || config.role === 'worker') return { module: MessageBirdHttpModule };
    return {
      module: MessageBirdHttpModule,
      imports: [OrganizationsModule],
      controllers: [MessageBirdWebhooksController, MessageBirdRecordingsController],
      providers: [
        MessageBirdWebhooksService,
        CallFlowFetchService,
        MessageBirdEventLog,
        MessageBirdRecordingsService,
        FlowTemplatesCache,
        { provide: MessageBirdClient, inject: [APP_CONFIG], useFactory: (c: ResolvedConfig) => createMessageBirdClient(c.messagebird!) },
      ],
    };
  }
}
