import { Module } from '@nestjs/common';
import { APP_CONFIG, ResolvedConfig } from '../config/app-config';
import { RedisService } from '../redis/redis.service';
import { createMessageBirdClient } from './messagebird/create-messagebird-client';
import { MessageBirdProvider } from './messagebird/messagebird.provider';
import { SimulatorProvider } from './simulator/simulator.provider';
import { VoiceProvider } from './voice-provider';

/** Binds the VoiceProvider port to the configured adapter (VOICE_PROVIDER; the simulator by default). */
@Module({
  providers: [
    {
      provide: VoiceProvider,
      inject: [APP_CONFIG, RedisService],
      useFactory: (config: ResolvedConfig, redis: RedisService): VoiceProvider =>
        config.voiceProvider === 'messagebird'
          ? new MessageBirdProvider(config.messagebird!, redis, createMessageBirdClient(config.messagebird!))
          : new SimulatorProvider(config),
    },
  ],
  exports: [VoiceProvider],
})
export class VoiceModule {}
