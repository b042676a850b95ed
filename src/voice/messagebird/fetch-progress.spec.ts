import { CallFlow } from '../../call-flow/call-flow.types';
import { progressAfter } from './fetch-progress';

const callId = '6f1d9a52-0c49-4a7e-9d5e-2f3b8c1a7e10';
const at = new Date('2025-01-01T00:00:00Z');
const flow = (withDefault: boolean): CallFlow => ({
  steps: [
    { name: 'play', message: { msg: 'hi', messageIndex: 0 } },
    {
      name: 'gather',
      maxRetries: 2,
      message: { msg: 'press', messageIndex: 1 },
      branches: [
        { digit: '1', default: false, callFlow: { steps: [{ name: 'transfer', destination: '+6591234567' }, { name: 'play', message: { msg: 'bye', messageIndex: 2 } }] } },
        ...(withDefault ? [{ default: true, callFlow: { steps: [{ name: 'play' as const, message: { msg: 'default', messageIndex: 3 } }] } }] : []),
      ],
    },
  ],
});
const messages = ['hi Kim', 'Press 1', 'Goodbye', 'No key'];
const brief = (events: any[]) => events.map((e) => [e.type, e.seq, e.path, e.status ?? null, e.userPressedDigits ?? null, e.transferStatus ?? null]);

describe('progress of a call at a fetchCallFlow request', () => {
  it('finishes a play and starts the next step', () => {
    const { events, next } = progressAfter(flow(true), messages, { callId, seq: 0, path: [0], prompt: 1 }, undefined, at);
    expect(brief(events)).toEqual([
      ['step-finished', 0, 'steps[0]', 'success_ok', null, null],
      ['step-started', 1, 'steps[1]', null, null, null],
    ]);
    expect(events[1]).toMatchObject({ message: 'Press 1', stepName: 'gather' });
    expect(next).toEqual({ seq: 1, path: [1], prompt: 1 });
  });

  it('follows the branch of the key pressed', () => {
    const { events, next } = progressAfter(flow(true), messages, { callId, seq: 1, path: [1], prompt: 1, key: '1' }, undefined, at);
    expect(brief(events)).toEqual([
      ['step-finished', 1, 'steps[1]', 'success_ok', '1', null],
      ['step-started', 2, 'steps[1].branches[0].steps[0]', null, null, null],
    ]);
    expect(next).toEqual({ seq: 2, path: [1, 0, 0], prompt: 1 });
  });

  it('re-prompts on silence or another key while prompts are left, with no step event and the same seq', () => {
    expect(progressAfter(flow(true), messages, { callId, seq: 1, path: [1], prompt: 1, key: '' }, undefined, at)).toEqual({ events: [], next: { seq: 1, path: [1], prompt: 2 } });
    expect(progressAfter(flow(true), messages, { callId, seq: 1, path: [1], prompt: 1, key: 'other' }, undefined, at).next).toEqual({ seq: 1, path: [1], prompt: 2 });
  });

  it('after the last prompt follows the default branch with no digit, or hangs up without one', () => {
    const withDefault = progressAfter(flow(true), messages, { callId, seq: 1, path: [1], prompt: 2, key: 'other' }, undefined, at);
    expect(brief(withDefault.events)).toEqual([
      ['step-finished', 1, 'steps[1]', 'no_input', '', null],
      ['step-started', 2, 'steps[1].branches[1].steps[0]', null, null, null],
    ]);
    const without = progressAfter(flow(false), messages, { callId, seq: 1, path: [1], prompt: 2, key: '' }, undefined, at);
    expect(brief(without.events)).toEqual([['step-finished', 1, 'steps[1]', 'no_input', '', null]]);
    expect(without.next).toBeNull();
  });

  it('ends the flow after an answered transfer and goes on after an unanswered one', () => {
    const report = { callId, seq: 2, path: [1, 0, 0], prompt: 1 };
    const leg = { uuid: 'leg-2', type: 'transfer' as const, dest: '+6591234567' };
    const answered = progressAfter(flow(true), messages, report, { status: 'answered', leg }, at);
    expect(brief(answered.events)).toEqual([['step-finished', 2, 'steps[1].branches[0].steps[0]', 'success_ok', null, 'answered']]);
    expect(answered.events[0]).toMatchObject({ leg });
    expect(answered.next).toBeNull();
    const busy = progressAfter(flow(true), messages, report, { status: 'busy' }, at);
    expect(brief(busy.events)).toEqual([
      ['step-finished', 2, 'steps[1].branches[0].steps[0]', 'failed', null, 'busy'],
      ['step-started', 3, 'steps[1].branches[0].steps[1]', null, null, null],
    ]);
    const last = progressAfter(flow(true), messages, { callId, seq: 3, path: [1, 0, 1], prompt: 1 }, undefined, at);
    expect(last.next).toBeNull();
  });

  it('leaves a record step\'s finish to its recording, and starts the next step', () => {
    const recordFlow: CallFlow = {
      steps: [
        { name: 'record', maxLength: 60, timeout: 5, endKey: '#', beep: true, transcribe: false, transcribeLocale: 'en-US' },
        { name: 'play', message: { msg: 'thanks', messageIndex: 0 } },
      ],
    };
    const byKey = progressAfter(recordFlow, ['Thanks'], { callId, seq: 0, path: [0], prompt: 1, key: '#' }, undefined, at);
    expect(brief(byKey.events)).toEqual([['step-started', 1, 'steps[1]', null, null, null]]);
    expect(byKey.recordEnded).toEqual({ seq: 0, path: [0], endKey: true });
    expect(byKey.next).toEqual({ seq: 1, path: [1], prompt: 1 });
    const otherwise = progressAfter(recordFlow, ['Thanks'], { callId, seq: 0, path: [0], prompt: 1, key: '' }, undefined, at);
    expect(otherwise.recordEnded).toEqual({ seq: 0, path: [0], endKey: false });
    const last = progressAfter({ steps: [recordFlow.steps[0]] }, [], { callId, seq: 0, path: [0], prompt: 1, key: '' }, undefined, at);
    expect(last).toEqual({ events: [], next: null, recordEnded: { seq: 0, path: [0], endKey: false } });
  });
});
