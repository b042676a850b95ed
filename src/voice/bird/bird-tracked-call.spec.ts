import { CallFlow } from '../../call-flow/call-flow.types';
import { DialRequest, VoiceEvent } from '../voice-provider';
import { BirdWebhookBody } from './bird-api.types';
import { BirdTrackedCall } from './bird-tracked-call';

const flow: CallFlow = {
  steps: [
    {
      name: 'gather',
      message: { msg: 'Press 1', messageIndex: 0 },
      maxRetries: 2,
      branches: [{ digit: '1', default: false, callFlow: { steps: [{ name: 'record', maxLength: 60, timeout: 5, endKey: '#', beep: true, transcribe: true, transcribeLocale: 'en-US' }] } }],
    },
  ],
};
const request: DialRequest = { callId: 'call-1', phone: '+6512345678', caller: '+6587654321', flow, messages: ['Press 1'], enableCallRecording: false, machineDetection: null };
const options = { gatherTimeoutSeconds: 5, ringTimeoutSeconds: 30 };
const hook = (status: string, command?: object): BirdWebhookBody => ({ service: 'channels', event: 'voice.outbound', payload: { id: 'bird-1', status: status as never, ...(command && { command: command as never }) } });
const kinds = (events: VoiceEvent[]) => events.map((e) => (e.type === 'step-finished' ? `${e.type}:${e.stepName}:${e.status}` : e.type === 'step-started' ? `${e.type}:${e.stepName}` : e.type));

describe('BirdTrackedCall', () => {
  let call: BirdTrackedCall;
  beforeEach(() => {
    call = new BirdTrackedCall(request, options);
    call.placed('bird-1');
  });

  it('places the first step with the call, re-prompts a gather itself, then follows the branch and hangs up after the last step', () => {
    expect(call.initialCallFlow()).toEqual([{ command: 'gather', options: { maxNumKeys: 1, timeout: 5, retries: 0, input: 'dtmf', say: { text: 'Press 1', locale: 'en-US', voice: 'female' } } }]);
    expect(kinds(call.onWebhook(hook('ringing')).events)).toEqual(['ringing']);
    const answered = call.onWebhook(hook('ongoing'));
    expect(kinds(answered.events)).toEqual(['answered', 'step-started:gather']);
    expect(answered.action).toBeUndefined();
    const silence = call.onWebhook(hook('ongoing', { id: 'c1', command: 'gather', status: 'completed', result: { keys: '' } }));
    expect(silence.events).toEqual([]);
    expect(silence.action).toMatchObject({ kind: 'command', position: { seq: 0, prompt: 2 }, command: { command: 'gather' } });
    call.commandSent({ seq: 0, path: [0], prompt: 2 }, 'c2');
    const pressed = call.onWebhook(hook('ongoing', { id: 'c2', command: 'gather', status: 'completed', result: { keys: '1' } }));
    expect(kinds(pressed.events)).toEqual(['step-finished:gather:success_ok', 'step-started:record']);
    expect(pressed.action).toMatchObject({ kind: 'command', command: { command: 'record', options: { maxLength: 60, endKey: '#', transcribe: true, transcribeLocale: 'en-US' } } });
    const recorded = call.onWebhook(hook('ongoing', { id: 'c3', command: 'record', status: 'completed', result: { recordingId: 'rec-1', duration: 7, endCause: 'key' } }));
    expect(recorded.events[0]).toMatchObject({ type: 'step-finished', status: 'success_ok', recording: { id: 'rec-1', durationSeconds: 7, endedBy: 'key' }, transcriptionPending: true });
    expect(recorded.transcriptions).toEqual([{ callId: 'call-1', seq: 1, recordingId: 'rec-1' }]);
    expect(recorded.action).toEqual({ kind: 'hangup' });
    expect(kinds(call.onWebhook(hook('completed')).events)).toEqual(['ended']);
  });

  it('ignores a repeated or stale command result, news after the end, and reports another Bird call as a stray', () => {
    call.onWebhook(hook('ongoing'));
    call.onWebhook(hook('ongoing', { id: 'c1', command: 'gather', status: 'completed', result: { keys: '9' } }));
    call.commandSent({ seq: 0, path: [0], prompt: 2 }, 'c2');
    expect(call.onWebhook(hook('ongoing', { id: 'c1', command: 'gather', status: 'completed', result: { keys: '1' } })).events).toEqual([]);
    expect(call.onWebhook(hook('ongoing', { id: 'other', command: 'gather', status: 'completed', result: { keys: '1' } })).events).toEqual([]);
    expect(call.onWebhook({ ...hook('ringing'), payload: { id: 'bird-2', status: 'ringing' } }).stray).toBe('bird-2');
    const end = call.onWebhook(hook('completed'));
    expect(kinds(end.events)).toEqual(['step-finished:gather:interrupted', 'ended']);
    expect(end.events[1]).toMatchObject({ outcome: 'answered' });
    expect(call.onWebhook(hook('ringing')).events).toEqual([]);
  });

  it('rebuilds the same state when its webhooks are replayed, and ends unanswered calls with their outcome', () => {
    const replayed = new BirdTrackedCall(request, options);
    replayed.placed('bird-1');
    for (const body of [hook('ongoing'), hook('ongoing', { id: 'x', command: 'gather', status: 'completed', result: { keys: '1' } })]) replayed.onWebhook(body);
    expect(replayed.pending).toMatchObject({ kind: 'command', command: { command: 'record' } });

    const busy = new BirdTrackedCall(request, options);
    busy.placed('bird-1');
    expect(busy.onWebhook(hook('busy')).events).toEqual([expect.objectContaining({ type: 'ended', outcome: 'busy' })]);
    const cancelled = new BirdTrackedCall(request, options);
    cancelled.placed('bird-1');
    cancelled.hangupRequested = true;
    expect(cancelled.onWebhook(hook('canceled')).events).toEqual([expect.objectContaining({ type: 'ended', outcome: 'cancelled' })]);
  });

  it('holds news that comes before the placement answered, and applies it once it has', () => {
    const early = new BirdTrackedCall(request, options);
    expect(early.onWebhook(hook('ringing')).events).toEqual([]);
    expect(kinds(early.placed('bird-1').events)).toEqual(['ringing']);
  });
});
