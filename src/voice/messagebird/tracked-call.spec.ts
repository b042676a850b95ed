import { CallFlow } from '../../call-flow/call-flow.types';
import { DialRequest, VoiceEvent } from '../voice-provider';
import { MessageBirdLeg } from './messagebird-api.types';
import { TrackedCall } from './tracked-call';

const flow: CallFlow = {
  steps: [
    { name: 'play', message: { msg: 'hi', messageIndex: 0 } },
    { name: 'transfer', destination: 'Ext:1000' },
  ],
};
const request: DialRequest = { callId: 'ours', phone: '+6511111111', caller: '+6522222222', flow, messages: ['hi Kim'], enableCallRecording: false, machineDetection: null };
const callee = (status: MessageBirdLeg['status'], answeredAt: string | null = null): MessageBirdLeg => ({
  id: 'callee-leg', callId: 'mb-1', destination: '6511111111', direction: 'outgoing', status, answeredAt, createdAt: '2024-01-01T00:00:00Z',
});
const update = (legs: MessageBirdLeg[], status: 'starting' | 'ongoing' | 'ended' = 'ongoing', providerCallId = 'mb-1') => ({ providerCallId, status, legs });
const kinds = (events: VoiceEvent[]) => events.map((e) => (e.type === 'ended' ? `ended:${e.outcome}` : e.type === 'step-finished' ? `finished:${e.seq}:${e.status}` : e.type === 'step-started' ? `started:${e.seq}` : e.type));

const placed = () => {
  const call = new TrackedCall(request, 'pbx.example.com');
  call.placed('mb-1');
  return call;
};

describe('TrackedCall', () => {
  it('turns leg reports into ringing, answered (with the first step started) and ended, each once', () => {
    const call = placed();
    expect(kinds(call.onUpdate(update([callee('starting')], 'starting')))).toEqual([]);
    expect(kinds(call.onUpdate(update([callee('ringing')])))).toEqual(['ringing']);
    expect(kinds(call.onUpdate(update([callee('ringing')])))).toEqual([]);
    expect(kinds(call.onUpdate(update([callee('ongoing', '2024-01-01T00:00:03Z')])))).toEqual(['answered', 'started:0']);
    expect(kinds(call.onUpdate(update([callee('ringing')])))).toEqual([]);
    const finished: VoiceEvent = { type: 'step-finished', callId: 'ours', at: new Date(), seq: 0, stepName: 'play', path: 'steps[0]', status: 'success_ok' };
    expect(kinds(call.onSteps([finished], 'mb-1'))).toEqual(['finished:0:success_ok']);
    expect(kinds(call.onUpdate(update([callee('hangup', '2024-01-01T00:00:03Z')], 'ended')))).toEqual(['ended:answered']);
    expect(call.isEnded).toBe(true);
    expect(call.onUpdate(update([callee('ringing')]))).toEqual([]);
  });

  it('ends unanswered calls as their callee leg says; a hang-up we asked for before the answer is a cancellation', () => {
    for (const status of ['busy', 'no_answer', 'failed'] as const) expect(kinds(placed().onUpdate(update([callee(status)], 'ended')))).toEqual([`ended:${status}`]);
    expect(kinds(placed().onUpdate(update([callee('hangup')], 'ended')))).toEqual(['ended:no_answer']);
    const cancelled = placed();
    cancelled.hangupRequested = true;
    expect(kinds(cancelled.onUpdate(update([callee('hangup')], 'ended')))).toEqual(['ended:cancelled']);
    expect(kinds(placed().onUpdate(update([], 'ended')))).toEqual(['ended:failed']);
  });

  it('takes a fetch as proof of the answer when the webhooks lag', () => {
    const call = placed();
    const started: VoiceEvent = { type: 'step-started', callId: 'ours', at: new Date(), seq: 1, stepName: 'transfer', path: 'steps[1]' };
    expect(kinds(call.onSteps([started], 'mb-1'))).toEqual(['answered', 'started:0', 'started:1']);
  });

  it('closes the open step at the end: an answered transfer as answered with its leg, anything else as interrupted', () => {
    const call = placed();
    call.onSteps([{ type: 'step-started', callId: 'ours', at: new Date(), seq: 1, stepName: 'transfer', path: 'steps[1]' }], 'mb-1');
    const transfer: MessageBirdLeg = { id: 'transfer-leg', callId: 'mb-1', destination: 'sip:1000@pbx.example.com', direction: 'outgoing', status: 'hangup', answeredAt: '2024-01-01T00:00:09Z', createdAt: '2024-01-01T00:00:08Z' };
    const events = call.onUpdate(update([callee('hangup', '2024-01-01T00:00:03Z'), transfer], 'ended'));
    expect(kinds(events)).toEqual(['finished:1:success_ok', 'ended:answered']);
    expect(events[0]).toMatchObject({ transferStatus: 'answered', leg: { uuid: 'transfer-leg', type: 'transfer', dest: 'Ext:1000' } });

    const hungUp = placed();
    hungUp.onUpdate(update([callee('ongoing', '2024-01-01T00:00:03Z')]));
    expect(kinds(hungUp.onUpdate(update([callee('hangup', '2024-01-01T00:00:03Z')], 'ended')))).toEqual(['finished:0:interrupted', 'ended:answered']);
  });

  it('holds news that comes before the placement returns, keeps that of its own call, and names the other calls reported', () => {
    const call = new TrackedCall(request, undefined);
    expect(call.onUpdate(update([callee('ringing')], 'starting', 'mb-stray'))).toEqual([]);
    expect(call.onUpdate(update([callee('ringing')], 'starting', 'mb-1'))).toEqual([]);
    expect(call.onSteps([{ type: 'step-finished', callId: 'ours', at: new Date(), seq: 0, stepName: 'play', path: 'steps[0]', status: 'success_ok' }], 'mb-stray')).toEqual([]);
    const { events, strays } = call.placed('mb-1');
    expect(kinds(events)).toEqual(['ringing']);
    expect(strays).toEqual(['mb-stray']);
    expect(call.onUpdate(update([callee('busy')], 'ended', 'mb-stray'))).toEqual([]);
  });

  it('ends a call from this side with what is known of it', () => {
    const answered = placed();
    answered.onUpdate(update([callee('ongoing', '2024-01-01T00:00:03Z')]));
    expect(answered.endHere('gone').at(-1)).toMatchObject({ type: 'ended', outcome: 'answered' });
    expect(answered.endHere('gone')).toEqual([]);
    expect(placed().endHere('gone')).toEqual([expect.objectContaining({ type: 'ended', outcome: 'failed', reason: 'gone' })]);
  });

  describe('a call taken over from a worker that stopped', () => {
    const adopted = (progress: Parameters<TrackedCall['resume']>[1]) => {
      const call = new TrackedCall(request, 'pbx.example.com');
      call.resume('mb-1', progress);
      return call;
    };
    const hungUp = update([callee('hangup', '2024-01-01T00:00:03Z')], 'ended');

    it('closes the step PostgreSQL has in progress', () => {
      const open: VoiceEvent = { type: 'step-started', callId: 'ours', at: new Date(), seq: 1, stepName: 'transfer', path: 'steps[1]' };
      expect(kinds(adopted({ answered: true, stepsRecorded: 2, openStep: open }).onUpdate(hungUp))).toEqual(['finished:1:interrupted', 'ended:answered']);
    });

    it('closes the first step when the worker died between recording the answer and the first step', () => {
      const events = adopted({ answered: true, stepsRecorded: 0 }).onUpdate(hungUp);
      expect(kinds(events)).toEqual(['finished:0:interrupted', 'ended:answered']);
      expect(events[0]).toMatchObject({ stepName: 'play', path: 'steps[0]', message: 'hi Kim' });
    });

    it('closes nothing when every recorded step had finished', () => {
      expect(kinds(adopted({ answered: true, stepsRecorded: 2 }).onUpdate(hungUp))).toEqual(['ended:answered']);
    });

    it('answers and starts the first step itself when PostgreSQL had no answer yet', () => {
      expect(kinds(adopted({ answered: false, stepsRecorded: 0 }).onUpdate(hungUp))).toEqual(['answered', 'started:0', 'finished:0:interrupted', 'ended:answered']);
    });
  });

  describe('record steps', () => {
    const recordFlow: CallFlow = {
      steps: [
        { name: 'record', maxLength: 60, timeout: 5, endKey: '#', beep: true, transcribe: false, transcribeLocale: 'en-US' },
        { name: 'play', message: { msg: 'bye', messageIndex: 0 } },
      ],
    };
    const recording = () => {
      const call = new TrackedCall({ ...request, flow: recordFlow, messages: ['Bye'] }, undefined);
      call.placed('mb-1');
      expect(kinds(call.onUpdate(update([callee('ongoing', '2024-01-01T00:00:03Z')])))).toEqual(['answered', 'started:0']);
      return call;
    };

    it('leaves a record step the call ended in for its recording, not interrupted', () => {
      const call = recording();
      expect(kinds(call.onUpdate(update([callee('hangup', '2024-01-01T00:00:03Z')], 'ended')))).toEqual(['ended:answered']);
      expect(call.recordStepCutShort).toMatchObject({ seq: 0, stepName: 'record', path: 'steps[0]' });
    });

    it('closes a record step the fetch reported ended (its finish comes with its recording)', () => {
      const call = recording();
      const next: VoiceEvent = { type: 'step-started', callId: 'ours', at: new Date(), seq: 1, stepName: 'play', path: 'steps[1]', message: 'Bye' };
      expect(kinds(call.onSteps([next], 'mb-1', new Date(), [0]))).toEqual(['started:1']);
      expect(kinds(call.onUpdate(update([callee('hangup', '2024-01-01T00:00:03Z')], 'ended')))).toEqual(['finished:1:interrupted', 'ended:answered']);
      expect(call.recordStepCutShort).toBeUndefined();
      const last = recording();
      expect(last.onSteps([], 'mb-1', new Date(), [0])).toEqual([]);
      expect(kinds(last.onUpdate(update([callee('hangup', '2024-01-01T00:00:03Z')], 'ended')))).toEqual(['ended:answered']);
      expect(last.recordStepCutShort).toBeUndefined();
    });
  });
});
