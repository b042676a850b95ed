import { Readable } from 'node:stream';
import { TRANSCRIBE_LOCALES } from '../../call-flow/call-flow.types';
import { RecordingRecord } from '../../campaigns/call.entity';
import { CallRecordingsSource, RecordingAudioSource, VoicePlatformProfile } from '../voice-provider';
import { simulatedRecordingWav } from './simulated-recording-wav';

/** The simulator honours every record option of the flow language. */
export class SimulatorPlatformProfile extends VoicePlatformProfile {
  readonly platform = 'the simulator';
  readonly transcribeLocales = TRANSCRIBE_LOCALES;
  readonly recordEndKeys = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#'];
}

/** A simulated recording is a tone of its length, made again on every read (nothing is stored). */
export class SimulatorRecordingAudio extends RecordingAudioSource {
  async open(recording: { recordingId: string; durationSeconds: number }): Promise<NodeJS.ReadableStream> {
    return Readable.from(simulatedRecordingWav(recording.durationSeconds));
  }
}

/** The simulator records no whole call (enableCallRecording): a call has no such recording. */
export class SimulatorCallRecordings extends CallRecordingsSource {
  async list(): Promise<RecordingRecord[]> {
    return [];
  }

  async open(): Promise<undefined> {
    return undefined;
  }
}
