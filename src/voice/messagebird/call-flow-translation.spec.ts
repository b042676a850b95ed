import { CallFlow } from '../../call-flow/call-flow.types';
import { MessageBirdLeg } from './messagebird-api.types';
import {
  calleeLeg,
  fetchUrl,
  initialCallFlow,
  outcomeOfCalleeLeg,
  parseFetchReport,
  recordingEndedBy,
  recordStepRecording,
  sayLanguage,
  segmentAt,
  transferDestination,
  transferLeg,
  transferStatusOf,
  transcriptionState,
  TranslationOptions,
} from './call-flow-translation';

const callId = '6f1d9a52-0c49-4a7e-9d5e-2f3b8c1a7e10';
const options: TranslationOptions = { callFlowUrl: 'https://robocall.example.com/webhooks/messagebird/call-flow', sipDomain: 'pbx.example.com', gatherTimeoutSeconds: 5, beepUrl: 'https://robocall.example.com/webhooks/messagebird/beep.wav' };
const message = (msg: string, messageIndex: number, extra = {}) => ({ msg, messageIndex, ...extra });
const flow: CallFlow = {
  steps: [
    { name: 'play', message: message('hi', 0, { language: 'en', gender: 'male' }) },
    {
      name: 'gather',
      maxRetries: 3,
      message: message('press', 1),
      branches: [
        { digit: '1', default: false, callFlow: { steps: [{ name: 'transfer', destination: 'Ext:1000' }] } },
        { digit: '#', default: true, callFlow: { steps: [{ name: 'transfer', destination: '+6591234567' }] } },
      ],
    },
  ],
};
const messages = ['hi Kim', 'Press 1 or #'];
const query = (url: string) => Object.fromEntries(new URL(url).searchParams);

describe('MessageBird call flow translation', () => {
  it('maps our language codes to MessageBird say languages', () => {
    expect([undefined, 'en', 'en-gb', 'en_GB', 'EN-us', 'en-ZA', 'pt', 'no', 'vi', 'zh-HK', 'xx'].map(sayLanguage)).toEqual([
      'en-US', 'en-US', 'en-GB', 'en-GB', 'en-US', 'en-US', 'pt-PT', 'nb-NO', 'vi-VN', 'zh-HK', 'en-US',
    ]);
  });

  it('sends numbers without the +, Ext:NNNN to the SIP domain, and SIP URIs as they are', () => {
    expect(transferDestination('+6591234567', undefined)).toBe('6591234567');
    expect(transferDestination('Ext:1000', 'pbx.example.com')).toBe('sip:1000@pbx.example.com');
    expect(transferDestination('Ext:1000', undefined)).toBeNull();
    expect(transferDestination('sip:agent@pbx.example.com', undefined)).toBe('sip:agent@pbx.example.com');
  });

  it('turns a play into say + a fetch of the next segment that names the step', () => {
    const segment = segmentAt(flow, messages, callId, { seq: 0, path: [0], prompt: 1 }, options);
    expect(segment.steps).toEqual([
      { action: 'say', options: { payload: 'hi Kim', language: 'en-US', voice: 'male' } },
      { action: 'fetchCallFlow', options: { url: `${options.callFlowUrl}?callId=${callId}&seq=0&path=0&prompt=1` } },
    ]);
  });

  it('turns a gather prompt into a key-capturing say and pause, one conditional fetch per digit, and fetches for silence and other keys', () => {
    const segment = segmentAt(flow, messages, callId, { seq: 1, path: [1], prompt: 2 }, options);
    const capture = { onKeypressVar: 'keypress', onKeypressGoto: 'key-1' };
    expect(segment.steps.map(({ options: o, ...step }) => ({ ...step, ...(step.action === 'fetchCallFlow' && { key: query(o!.url as string).key }) }))).toEqual([
      { id: 'prompt', action: 'say', ...capture },
      { id: 'wait', action: 'pause', ...capture },
      { id: 'no-input', action: 'fetchCallFlow', key: '' },
      { id: 'key-1', action: 'fetchCallFlow', key: '1', conditions: [{ variable: 'keypress', operator: 'eq', value: '1' }] },
      { id: 'key-hash', action: 'fetchCallFlow', key: '#', conditions: [{ variable: 'keypress', operator: 'eq', value: '#' }] },
      { id: 'key-other', action: 'fetchCallFlow', key: 'other' },
    ]);
    expect(segment.steps[1].options).toEqual({ length: 5 });
    expect(segment.steps[4].options!.url).toContain('key=%23');
  });

  it('transfers to the translated destination, or reports an Ext: transfer without a SIP domain as unroutable', () => {
    const position = { seq: 2, path: [1, 0, 0], prompt: 1 };
    expect(segmentAt(flow, messages, callId, position, options).steps[0]).toEqual({ action: 'transfer', options: { destination: 'sip:1000@pbx.example.com' } });
    const unroutable = segmentAt(flow, messages, callId, position, { ...options, sipDomain: undefined });
    expect(unroutable.steps).toHaveLength(1);
    expect(query(unroutable.steps[0].options!.url as string).key).toBe('unroutable');
  });

  it('records the whole call and asks for machine detection on the first say of the call only', () => {
    const first = initialCallFlow(flow, messages, callId, true, { ifMachine: 'hangup', machineTimeout: 2500 }, options);
    expect(first.record).toBe(true);
    expect(first.steps[0].options).toMatchObject({ ifMachine: 'hangup', machineTimeout: 2500 });
    expect(initialCallFlow(flow, messages, callId, false, { ifMachine: 'delay' }, options).steps[0].options).toMatchObject({ ifMachine: 'delay' });
    expect(initialCallFlow(flow, messages, callId, false, { ifMachine: 'delay' }, options).steps[0].options).not.toHaveProperty('machineTimeout');
    expect(initialCallFlow(flow, messages, callId, false, null, options).steps[0].options).not.toHaveProperty('ifMachine');
    const later = segmentAt(flow, messages, callId, { seq: 1, path: [1], prompt: 1 }, options);
    expect(later.steps[0].options).not.toHaveProperty('ifMachine');
  });

  it('reads its own fetch URL back, whatever MessageBird adds to the query, and refuses URLs that are not its own', () => {
    const url = new URL(fetchUrl(options.callFlowUrl, { callId, seq: 3, path: [1, 0, 2], prompt: 2, key: '*' }));
    url.searchParams.set('callID', 'mb-call');
    url.searchParams.set('destination', '6591234567');
    expect(parseFetchReport(Object.fromEntries(url.searchParams))).toEqual({ callId, seq: 3, path: [1, 0, 2], prompt: 2, key: '*' });
    expect(parseFetchReport({ callId, seq: '0', path: '0', prompt: '1' })).toEqual({ callId, seq: 0, path: [0], prompt: 1 });
    for (const bad of [{}, { callId: 'x', seq: '0', path: '0', prompt: '1' }, { callId, seq: '-1', path: '0', prompt: '1' }, { callId, seq: '0', path: '0.1', prompt: '1' }, { callId, seq: '0', path: '0', prompt: '0' }]) {
      expect(parseFetchReport(bad)).toBeNull();
    }
  });

  const leg = (fields: Partial<MessageBirdLeg>): MessageBirdLeg => ({ id: 'l', callId: 'c', destination: '6511111111', status: 'ongoing', direction: 'outgoing', ...fields });

  it('finds the callee leg and a transfer leg among a call\'s legs, and reads how they went', () => {
    const legs = [
      leg({ id: 'transfer-1', destination: 'sip:1000@pbx.example.com', status: 'busy', createdAt: '2024-01-01T00:00:05Z' }),
      leg({ id: 'callee', destination: '6511111111', status: 'ongoing', answeredAt: '2024-01-01T00:00:03Z', createdAt: '2024-01-01T00:00:00Z' }),
      leg({ id: 'transfer-2', destination: 'sip:1000@pbx.example.com', status: 'hangup', answeredAt: '2024-01-01T00:00:09Z', createdAt: '2024-01-01T00:00:08Z' }),
    ];
    expect(calleeLeg(legs, '+6511111111')!.id).toBe('callee');
    expect(transferLeg(legs, 'sip:1000@pbx.example.com', 'callee')!.id).toBe('transfer-2');
    expect(transferStatusOf(legs[0])).toBe('busy');
    expect(transferStatusOf(legs[2])).toBe('answered');
    expect(transferStatusOf(leg({ status: 'hangup', answeredAt: null }))).toBe('no_answer');
    expect(transferStatusOf(undefined)).toBe('failed');
  });

  it('takes the outcome of a call from its callee leg', () => {
    expect(outcomeOfCalleeLeg(leg({ status: 'ringing' }), false)).toBeUndefined();
    expect(outcomeOfCalleeLeg(leg({ status: 'busy' }), false)).toBe('busy');
    expect(outcomeOfCalleeLeg(leg({ status: 'no_answer' }), false)).toBe('no_answer');
    expect(outcomeOfCalleeLeg(leg({ status: 'failed' }), false)).toBe('failed');
    expect(outcomeOfCalleeLeg(leg({ status: 'hangup', answeredAt: '2024-01-01T00:00:03Z' }), true)).toBe('answered');
    expect(outcomeOfCalleeLeg(leg({ status: 'hangup', answeredAt: null }), true)).toBe('cancelled');
    expect(outcomeOfCalleeLeg(leg({ status: 'hangup', answeredAt: null }), false)).toBe('no_answer');
  });

  describe('record steps', () => {
    const record = (extra = {}): CallFlow => ({
      steps: [{ name: 'record', maxLength: 30, timeout: 4, endKey: '#', beep: true, transcribe: true, transcribeLocale: 'en-GB', ...extra }],
    });

    it('play a beep, record with the step\'s options (en-GB as en-UK), and report the end key in the fetch', () => {
      const { steps } = segmentAt(record(), [], callId, { seq: 2, path: [0], prompt: 1 }, options);
      expect(steps.map((s) => s.action)).toEqual(['play', 'record', 'fetchCallFlow', 'fetchCallFlow']);
      expect(steps[0].options).toEqual({ media: options.beepUrl });
      expect(steps[1]).toMatchObject({
        action: 'record',
        options: { maxLength: 30, timeout: 4, finishOnKey: '#', transcribe: true, transcribeLanguage: 'en-UK' },
        onKeypressVar: 'keypress',
      });
      expect(steps[2].conditions).toEqual([{ variable: 'keypress', operator: 'eq', value: '#' }]);
      expect(query(steps[2].options!.url as string)).toMatchObject({ seq: '2', path: '0', key: '#' });
      expect(steps[3].conditions).toBeUndefined();
      expect(query(steps[3].options!.url as string)).toMatchObject({ seq: '2', key: '' });
    });

    it('leave out the beep and the transcription when the step does not ask for them', () => {
      const { steps } = segmentAt(record({ beep: false, transcribe: false, endKey: '*' }), [], callId, { seq: 0, path: [0], prompt: 1 }, options);
      expect(steps.map((s) => s.action)).toEqual(['record', 'fetchCallFlow', 'fetchCallFlow']);
      expect(steps[0].options).toEqual({ maxLength: 30, timeout: 4, finishOnKey: '*' });
      expect(parseFetchReport(query(steps[1].options!.url as string))).toMatchObject({ key: '*' });
    });

    it('find the n-th record step\'s recording on the leg, past the whole-call recording (A12)', () => {
      const rec = (id: string, createdAt: string) => ({ id, format: 'wav', legId: 'leg', status: 'done' as const, duration: 3, createdAt });
      const listed = [rec('second', '2025-01-01T00:01:00Z'), rec('call', '2025-01-01T00:00:00Z'), rec('first', '2025-01-01T00:00:30Z')];
      expect(recordStepRecording(listed, 0, true)?.id).toBe('first');
      expect(recordStepRecording(listed, 1, true)?.id).toBe('second');
      expect(recordStepRecording(listed, 2, true)).toBeUndefined();
      expect(recordStepRecording(listed, 0, false)?.id).toBe('call');
    });

    it('say how a recording ended (A14)', () => {
      expect(recordingEndedBy({ maxLength: 10 }, 4, { endKey: true, hungUp: false })).toBe('key');
      expect(recordingEndedBy({ maxLength: 10 }, 4, { endKey: false, hungUp: true })).toBe('hangup');
      expect(recordingEndedBy({ maxLength: 10 }, 10, { endKey: false, hungUp: false })).toBe('maxLength');
      expect(recordingEndedBy({ maxLength: 10 }, 9, { endKey: false, hungUp: false })).toBe('silence');
    });

    it('read a transcription\'s state (A15)', () => {
      const t = (error: string | null = null) => ({ id: 't', recordingId: 'r', error });
      expect(transcriptionState([], undefined)).toEqual({ status: 'pending' });
      expect(transcriptionState([t()], null)).toEqual({ status: 'pending' });
      expect(transcriptionState([t('no speech')], undefined)).toEqual({ status: 'failed' });
      expect(transcriptionState([t()], ' I will pay on Friday\n')).toEqual({ status: 'done', text: 'I will pay on Friday' });
    });
  });
});
