import { DynamicModule, Global, Module } from '@nestjs/common';
import { ResolvedConfig } from '../config/app-config';
import { BirdPlatformProfile, BirdRecordingAudio } from './bird/bird-platform';
import { createBirdClient } from './bird/create-bird-client';
import { createMessageBirdClient } from './messagebird/create-messagebird-client';
import { MessageBirdPlatformProfile } from './messagebird/messagebird-platform';
import { MessageBirdRecordingAudio } from './messagebird/messagebird-recording-audio';
import { SimulatorPlatformProfile, SimulatorRecordingAudio } from './simulator/simulator-platform';
import { RecordingAudioSource, VoicePlatformProfile } from './voice-provider';

/**
 * What every process (API and worker) knows of the configured voice platform: its profile (what a flow
 * may ask of it, checked at submission) and, for the simulator, where a record step's audio comes from.
 * The one place besides VoiceModule that names the platforms.
 */
@Global()
@Module({})
export class VoicePlatformModule {
  static forConfig(config: ResolvedConfig): DynamicModule {
    const profile =
      config.voiceProvider === 'messagebird' ? new MessageBirdPlatformProfile() : config.voiceProvider === 'bird' ? new BirdPlatformProfile() : new SimulatorPlatformProfile();
    const audio =
      config.voiceProvider === 'simulator'
        ? new SimulatorRecordingAudio()
        : config.voiceProvider === 'bird'
          ? new BirdRecordingAudio(createBirdClient(config.bird!))
          : config.voiceProvider === 'messagebird'
            ? new MessageBirdRecordingAudio(createMessageBirdClient(config.messagebird!))
            : undefined;
    return {
      module: VoicePlatformModule,
      providers: [{ provide: VoicePlatformProfile, useValue: profile }, ...(audio ? [{ provide: RecordingAudioSource, useValue: audio }] : [])],
      exports: [VoicePlatformProfile, ...(audio ? [RecordingAudioSource] : [])],
    };
  }
}
