import { Module } from '@nestjs/common';
import { SimulatorProvider } from './simulator/simulator.provider';
import { VoiceProvider } from './voice-provider';

/** Binds the VoiceProvider port to the configured adapter (VOICE_PROVIDER; the simulator by default). */
@Module({
  providers: [{ provide: VoiceProvider, useClass: SimulatorProvider }],
  exports: [VoiceProvider],
})
export class VoiceModule {}
