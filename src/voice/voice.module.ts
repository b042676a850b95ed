import { BullModule } from '@nestjs/bull';
import { DynamicModule, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, ResolvedConfig } from '../config/app-config';
import { RedisService } from '../redis/redis.service';
import { BirdClient } from './bird/bird-client';
import { BirdFollowUpJobs, BirdFollowUpProcessor, BirdRecordingsCollector, BirdTranscriptionReader } from './bird/bird-follow-ups';
import { BIRD_RECORDINGS_QUEUE } from './bird/bird-recordings-queue';
import { BirdProvider } from './bird/bird.provider';
import { createBirdClient } from './bird/create-bird-client';
import { createMessageBirdClient } from './messagebird/create-messagebird-client';
import { LeftMessageCollector, LeftMessageJobs } from './messagebird/left-message-collector';
import { MessageBirdClient } from './messagebird/messagebird-client';
import { MessageBirdProvider } from './messagebird/messagebird.provider';
import { RecordingsCollector, RecordingsProcessor } from './messagebird/recordings-collector';
import { RECORDINGS_QUEUE } from './messagebird/recordings-queue';
import { SimulatorProvider } from './simulator/simulator.provider';
import { VoiceProvider } from './voice-provider';

/**
 * Binds the VoiceProvider port to the configured adapter (VOICE_PROVIDER; the simulator by default), in
 * the processes that work calls. With MessageBird it also collects recorded calls' recordings and record
 * steps' messages (the recordings queue); with Bird, recorded calls' recordings and record steps'
 * transcriptions (the bird-recordings queue). Nothing but the port leaves this module.
 */
@Module({})
export class VoiceModule {
  static forConfig(config: ResolvedConfig): DynamicModule {
    if (config.voiceProvider === 'bird') {
      return {
        module: VoiceModule,
        imports: [BullModule.registerQueue({ name: BIRD_RECORDINGS_QUEUE })],
        providers: [
          { provide: BirdClient, inject: [APP_CONFIG], useFactory: (c: ResolvedConfig) => createBirdClient(c.bird!) },
          BirdFollowUpJobs,
          BirdRecordingsCollector,
          BirdTranscriptionReader,
          BirdFollowUpProcessor,
          {
            provide: VoiceProvider,
            inject: [APP_CONFIG, RedisService, BirdClient, DataSource, BirdFollowUpJobs, BirdTranscriptionReader],
            useFactory: (c: ResolvedConfig, redis: RedisService, client: BirdClient, db: DataSource, followUps: BirdFollowUpJobs, transcriptions: BirdTranscriptionReader) =>
              new BirdProvider(c.bird!, redis, client, db, followUps, transcriptions),
          },
        ],
        exports: [VoiceProvider],
      };
    }
    if (config.voiceProvider !== 'messagebird') {
      return {
        module: VoiceModule,
        providers: [{ provide: VoiceProvider, inject: [APP_CONFIG], useFactory: (c: ResolvedConfig) => new SimulatorProvider(c) }],
        exports: [VoiceProvider],
      };
    }
    return {
      module: VoiceModule,
      imports: [BullModule.registerQueue({ name: RECORDINGS_QUEUE })],
      providers: [
        { provide: MessageBirdClient, inject: [APP_CONFIG], useFactory: (c: ResolvedConfig) => createMessageBirdClient(c.messagebird!) },
        RecordingsCollector,
        LeftMessageJobs,
        LeftMessageCollector,
        RecordingsProcessor,
        {
          provide: VoiceProvider,
          inject: [APP_CONFIG, RedisService, MessageBirdClient, RecordingsCollector, DataSource, LeftMessageJobs, LeftMessageCollector],
          useFactory: (
            c: ResolvedConfig,
            redis: RedisService,
            client: MessageBirdClient,
            recordings: RecordingsCollector,
            db: DataSource,
            leftMessageJobs: LeftMessageJobs,
            leftMessages: LeftMessageCollector,
          ) => new MessageBirdProvider(c.messagebird!, redis, client, recordings, db, leftMessageJobs, leftMessages),
        },
      ],
      exports: [VoiceProvider],
    };
  }
}
