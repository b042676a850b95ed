import { DataSource } from 'typeorm';
import { VoiceEvent } from '../voice-provider';
import { BirdClient } from './bird-client';
import { BirdTranscriptionReader } from './bird-follow-ups';
import { READ_BIRD_TRANSCRIPTION_ATTEMPTS, ReadBirdTranscriptionJobData } from './bird-recordings-queue';

const data: ReadBirdTranscriptionJobData = { callId: 'call-1', providerCallId: 'bird-1', seq: 1, recordingId: 'rec-1' };
const job = (attemptsMade: number) => ({ data, attemptsMade, opts: { attempts: READ_BIRD_TRANSCRIPTION_ATTEMPTS } });

describe('BirdTranscriptionReader', () => {
  let row: { provider_call_id: string | null; recording_id: string | null; transcription: string | null } | undefined;
  let transcriptions: { id: string; status: string }[];
  let events: VoiceEvent[];
  let reader: BirdTranscriptionReader;
  const client = {
    listTranscriptions: jest.fn(async () => transcriptions),
    transcriptionText: jest.fn(async () => 'I will pay on Friday'),
  };

  beforeEach(() => {
    row = { provider_call_id: 'bird-1', recording_id: 'rec-1', transcription: 'pending' };
    transcriptions = [{ id: 'tr-1', status: 'accepted' }];
    events = [];
    client.listTranscriptions.mockClear();
    const db = { query: async () => (row ? [row] : []) } as unknown as DataSource;
    reader = new BirdTranscriptionReader(client as unknown as BirdClient, db);
    // As CallEventsService would: the event lands on the step.
    reader.events.subscribe((event) => {
      events.push(event);
      if (event.type === 'transcription' && row) row.transcription = event.status;
    });
  });

  it('throws while Bird has not transcribed the recording, so bull tries again later', async () => {
    await expect(reader.read(job(0))).rejects.toThrow('has not transcribed');
    expect(events).toEqual([]);
  });

  it('emits the text once Bird has it', async () => {
    transcriptions = [{ id: 'tr-1', status: 'available' }];
    await reader.read(job(3));
    expect(events).toEqual([{ type: 'transcription', callId: 'call-1', at: expect.any(Date), seq: 1, recordingId: 'rec-1', status: 'done', text: 'I will pay on Friday' }]);
  });

  it('settles a transcription still pending at the last attempt as failed, never pending forever', async () => {
    await reader.read(job(READ_BIRD_TRANSCRIPTION_ATTEMPTS - 1));
    expect(events).toEqual([expect.objectContaining({ type: 'transcription', status: 'failed', seq: 1, recordingId: 'rec-1' })]);
  });

  it('fails the transcription when Bird cannot be read at the last attempt', async () => {
    client.listTranscriptions.mockRejectedValueOnce(new Error('connection refused'));
    await reader.read(job(READ_BIRD_TRANSCRIPTION_ATTEMPTS - 1));
    expect(events).toEqual([expect.objectContaining({ type: 'transcription', status: 'failed' })]);
  });

  it('is tried again when its event has not reached the step (the process applying it died): the next attempt emits it again', async () => {
    transcriptions = [{ id: 'tr-1', status: 'available' }];
    reader = new BirdTranscriptionReader(client as unknown as BirdClient, { query: async () => [{ ...row }] } as unknown as DataSource);
    reader.events.subscribe((event) => events.push(event));
    await expect(reader.read(job(2), 100)).rejects.toThrow('was not recorded yet');
    await expect(reader.read(job(3), 100)).rejects.toThrow('was not recorded yet');
    expect(events).toEqual([expect.objectContaining({ status: 'done' }), expect.objectContaining({ status: 'done' })]);
  });

  it('waits for the step to be recorded before reading, and reads nothing for a settled transcription or a call dialed again', async () => {
    row!.recording_id = null;
    await expect(reader.read(job(0))).rejects.toThrow('not recorded yet');
    row = { provider_call_id: 'bird-1', recording_id: 'rec-1', transcription: 'done' };
    await reader.read(job(0));
    row = { provider_call_id: 'bird-2', recording_id: 'rec-1', transcription: 'pending' };
    await reader.read(job(0));
    expect(client.listTranscriptions).not.toHaveBeenCalled();
    expect(events).toEqual([]);
  });
});
