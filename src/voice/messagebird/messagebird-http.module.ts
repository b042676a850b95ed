import { BullModule } from '@nestjs/bull';
import { DynamicModule, Module } from '@nestjs/common';
import { FlowTemplatesCache } from '../../call-flow/flow-templates-cache';
import { APP_CONFIG, ResolvedConfig } from '../../config/app-config';
import { OrganizationsModule } from '../../organizations/organizations.module';
import { CallFlowFetchService } from './call-flow-fetch.service';
import { createMessageBirdClient } from './create-messagebird-client';
import { LeftMessageJobs } from './left-message-collector';
import { MessageBirdClient } from './messagebird-client';
import { MessageBirdEventLog } from './messagebird-event-log';
import { MessageBirdWebhooksController } from './messagebird-webhooks.controller';
import { MessageBirdWebhooksService } from './messagebird-webhooks.service';
import { RECORDINGS_QUEUE } from './recordings-queue';

/**
 * MessageBird's routes on our HTTP API, in every process that serves HTTP when VOICE_PROVIDER=messagebird
 * (nothing otherwise): the webhooks and call-flow fetches MessageBird makes.
 */
@Module({})
export class MessageBirdHttpModule {
  static forConfig(config: ResolvedConfig): DynamicModule {
    if (config.voiceProvider !== 'messagebird' || config.role === 'worker') return { module: MessageBirdHttpModule };
    return {
      module: MessageBirdHttpModule,
      // The recordings queue: a fetch after a record step queues the reading of its recording (a worker does it).
      imports: [OrganizationsModule, BullModule.registerQueue({ name: RECORDINGS_QUEUE })],
      controllers: [MessageBirdWebhooksController],
      providers: [
        MessageBirdWebhooksService,
        CallFlowFetchService,
        MessageBirdEventLog,
        LeftMessageJobs,
        FlowTemplatesCache,
        { provide: MessageBirdClient, inject: [APP_CONFIG], useFactory: (c: ResolvedConfig) => createMessageBirdClient(c.messagebird!) },
      ],
    };
  }
}
