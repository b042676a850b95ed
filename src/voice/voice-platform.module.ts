import { DynamicModule, Global, Module } from '@nestjs/common';
import { ResolvedConfig } from '../config/app-config';
import { BirdCallRecordings, BirdPlatformProfile, BirdRecordingAudio } from './bird/bird-platform';
import { createBirdClient } from './bird/create-bird-client';
import { createMessageBirdClient } from './messagebird/create-messagebird-client';
import { MessageBirdPlatformProfile } from './messagebird/messagebird-platform';
import { MessageBirdCallRecordings, MessageBirdRecordingAudio } from './messagebird/messagebird-recording-audio';
import { SimulatorCallRecordings, SimulatorPlatformProfile, SimulatorRecordingAudio } from './simulator/simulator-platform';
import { CallRecordingsSource, RecordingAudioSource, VoicePlatformProfile } from './voice-provider';

/** Every platform's profile by its VOICE_PROVIDER name, for checking a flow against a platform that is not the configured one (the preview). */
export class VoicePlatformProfiles {
  constructor(
    readonly byName: Readonly<Record<ResolvedConfig['voiceProvider'], VoicePlatformProfile>>,
    /** The configured platform's name. */
    readonly configured: ResolvedConfig['voiceProvider'],
  ) {}
}

/** The configured platform's answers to what every process may ask of it. */
function platformParts(config: ResolvedConfig): { profile: VoicePlatformProfile; audio: RecordingAudioSource; recordings: CallRecordingsSource } {
  switch (config.voiceProvider) {
    case 'messagebird': {
      const client = createMessageBirdClient(config.messagebird!);
      return { profile: new MessageBirdPlatformProfile(), audio: new MessageBirdRecordingAudio(client), recordings: new MessageBirdCallRecordings(client) };
    }
    case 'bird': {
      const client = createBirdClient(config.bird!);
      return { profile: new BirdPlatformProfile(), audio: new BirdRecordingAudio(client), recordings: new BirdCallRecordings(client) };
    }
    case 'simulator':
      return { profile: new SimulatorPlatformProfile(), audio: new SimulatorRecordingAudio(), recordings: new SimulatorCallRecordings() };
  }
}

/**
 * What every process (API and worker) knows of the configured voice platform: its profile (what a flow
 * may ask of it, checked at submission), where a record step's audio comes from, and a call's whole-call
 * recordings. The one place besides VoiceModule and VoiceHttpModule that names the platforms.
 */
@Global()
@Module({})
export class VoicePlatformModule {
  static forConfig(config: ResolvedConfig): DynamicModule {
    const { profile, audio, recordings } = platformParts(config);
    return {
      module: VoicePlatformModule,
      providers: [
        { provide: VoicePlatformProfile, useValue: profile },
        { provide: RecordingAudioSource, useValue: audio },
        { provide: CallRecordingsSource, useValue: recordings },
        {
          provide: VoicePlatformProfiles,
          useValue: new VoicePlatformProfiles(
            { simulator: config.voiceProvider === 'simulator' ? profile : new SimulatorPlatformProfile(), messagebird: config.voiceProvider === 'messagebird' ? profile : new MessageBirdPlatformProfile(), bird: config.voiceProvider === 'bird' ? profile : new BirdPlatformProfile() },
            config.voiceProvider,
          ),
        },
      ],
      exports: [VoicePlatformProfile, RecordingAudioSource, CallRecordingsSource, VoicePlatformProfiles],
    };
  }
}
