import { CallFlow, FlowStep, GatherBranch, GatherStep, RecordStep, TransferStatus, VoiceMessage } from './call-flow.types';
import { RecordingEndedBy, StepRecording } from '../voice/voice-provider';
import { decideGather, describeStepPath, firstStepPath, nextStepPath, stepAt } from './flow-interpreter';
import { CallEndedError, CallLeg, FinishedStepReport, runCallFlow, StepReport } from './flow-runner';
import { listMessages } from './message-templates';

let nextIndex = 0;
const msg = (text: string): VoiceMessage => ({ msg: text, messageIndex: nextIndex++ });
const play = (text: string): FlowStep => ({ name: 'play', message: msg(text) });
const transfer = (destination: string): FlowStep => ({ name: 'transfer', destination });
const branch = (digit: string | undefined, steps: FlowStep[], isDefault = false): GatherBranch => ({
  ...(digit !== undefined && { digit }),
  default: isDefault,
  callFlow: { steps },
});
/** Branches come as a thunk so that the gather's message is numbered before theirs (pre-order, as normalizeCallFlow does). */
const gather = (text: string, branches: () => GatherBranch[], maxRetries = 3): GatherStep => {
  const message = msg(text);
  return { name: 'gather', message, maxRetries, branches: branches() };
};

describe('flow interpreter', () => {
  describe('decideGather', () => {
    const step = gather('press', () => [branch('1', [play('one')]), branch('2', [play('two')]), branch(undefined, [play('fallback')], true)], 3);
    const noDefault = gather('press', () => [branch('1', [play('one')]), branch('#', [])], 2);

    it('follows the branch whose digit was pressed, on any prompt', () => {
      expect(decideGather(step, '1', 1)).toEqual({ action: 'follow', branchIndex: 0, acceptedDigit: '1' });
      expect(decideGather(step, '2', 3)).toEqual({ action: 'follow', branchIndex: 1, acceptedDigit: '2' });
      expect(decideGather(noDefault, '#', 2)).toEqual({ action: 'follow', branchIndex: 1, acceptedDigit: '#' });
    });

    it('re-prompts on no input or an unmatched key until maxRetries prompts were made', () => {
      expect(decideGather(step, '', 1)).toEqual({ action: 'reprompt' });
      expect(decideGather(step, '9', 1)).toEqual({ action: 'reprompt' });
      expect(decideGather(step, '', 2)).toEqual({ action: 'reprompt' });
      expect(decideGather(step, '*', 2)).toEqual({ action: 'reprompt' });
      expect(decideGather(noDefault, '', 1)).toEqual({ action: 'reprompt' });
    });

    it('follows the default branch with no accepted digit after the last prompt', () => {
      expect(decideGather(step, '', 3)).toEqual({ action: 'follow', branchIndex: 2, acceptedDigit: '' });
      expect(decideGather(step, '9', 3)).toEqual({ action: 'follow', branchIndex: 2, acceptedDigit: '' });
    });

    it('hangs up after the last prompt when there is no default branch', () => {
      expect(decideGather(noDefault, '', 2)).toEqual({ action: 'hangup' });
      expect(decideGather(noDefault, '5', 2)).toEqual({ action: 'hangup' });
    });

    it('with maxRetries 1 decides on the first prompt', () => {
      const once = gather('press', () => [branch('1', []), branch(undefined, [], true)], 1);
      expect(decideGather(once, '', 1)).toEqual({ action: 'follow', branchIndex: 1, acceptedDigit: '' });
      expect(decideGather(once, '1', 1)).toEqual({ action: 'follow', branchIndex: 0, acceptedDigit: '1' });
    });

    it('lets a default branch that also has a digit accept that digit', () => {
      // the seed example: { digit: "0", default: "true" }
      const seedLike = gather('press', () => [branch('1', [play('one')]), branch('0', [transfer('Ext:1000')], true)], 3);
      expect(decideGather(seedLike, '0', 1)).toEqual({ action: 'follow', branchIndex: 1, acceptedDigit: '0' });
      expect(decideGather(seedLike, '7', 1)).toEqual({ action: 'reprompt' });
      expect(decideGather(seedLike, '7', 3)).toEqual({ action: 'follow', branchIndex: 1, acceptedDigit: '' });
    });
  });

  describe('paths', () => {
    //  steps[0] play A
    //  steps[1] gather G: branches[0] (1) -> [play B, transfer T1]; branches[1] (2) -> []; branches[2] (default) -> [gather H: [(1) -> [play C]]]
    //  steps[2] transfer T2
    //  steps[3] play D
    const flow: CallFlow = {
      steps: [
        play('A'),
        gather('G', () => [branch('1', [play('B'), transfer('+6591991191')]), branch('2', []), branch(undefined, [gather('H', () => [branch('1', [play('C')])])], true)]),
        transfer('Ext:1000'),
        play('D'),
      ],
    };

    it('starts at the first step, or nowhere for an empty flow', () => {
      expect(firstStepPath(flow)).toEqual([0]);
      expect(firstStepPath({ steps: [] })).toBeNull();
    });

    it('finds the step at a path', () => {
      expect(stepAt(flow, [0])).toMatchObject({ name: 'play', message: { msg: 'A' } });
      expect(stepAt(flow, [1])).toMatchObject({ name: 'gather', message: { msg: 'G' } });
      expect(stepAt(flow, [1, 0, 1])).toEqual({ name: 'transfer', destination: '+6591991191' });
      expect(stepAt(flow, [1, 2, 0, 0, 0])).toMatchObject({ name: 'play', message: { msg: 'C' } });
      expect(stepAt(flow, [3])).toMatchObject({ name: 'play', message: { msg: 'D' } });
    });

    it('throws for a path with no step', () => {
      expect(() => stepAt(flow, [4])).toThrow('no step at path [4]');
      expect(() => stepAt(flow, [1, 0, 2])).toThrow('no step at path [1,0,2]');
    });

    it('describes a path', () => {
      expect(describeStepPath([0])).toBe('steps[0]');
      expect(describeStepPath([1, 0, 1])).toBe('steps[1].branches[0].steps[1]');
      expect(describeStepPath([1, 2, 0, 0, 0])).toBe('steps[1].branches[2].steps[0].branches[0].steps[0]');
    });

    it('goes from a play to its next sibling', () => {
      expect(nextStepPath(flow, [0], { step: 'play' })).toEqual([1]);
    });

    it('goes from a gather into the first step of the chosen branch', () => {
      expect(nextStepPath(flow, [1], { step: 'gather', branchIndex: 0 })).toEqual([1, 0, 0]);
      expect(nextStepPath(flow, [1], { step: 'gather', branchIndex: 2 })).toEqual([1, 2, 0]);
      expect(nextStepPath(flow, [1, 2, 0], { step: 'gather', branchIndex: 0 })).toEqual([1, 2, 0, 0, 0]);
    });

    it('ends the call when the chosen branch has no steps, or the gather hung up', () => {
      expect(nextStepPath(flow, [1], { step: 'gather', branchIndex: 1 })).toBeNull();
      expect(nextStepPath(flow, [1], { step: 'gather', branchIndex: null })).toBeNull();
    });

    it('goes to the next step inside a branch', () => {
      expect(nextStepPath(flow, [1, 0, 0], { step: 'play' })).toEqual([1, 0, 1]);
    });

    it('ends the call at the end of a branch: no fall-through to the steps after the gather', () => {
      expect(nextStepPath(flow, [1, 0, 1], { step: 'transfer', answered: false })).toBeNull();
      expect(nextStepPath(flow, [1, 2, 0, 0, 0], { step: 'play' })).toBeNull();
    });

    it('ends the call after an answered transfer and goes on after an unanswered one', () => {
      expect(nextStepPath(flow, [2], { step: 'transfer', answered: true })).toBeNull();
      expect(nextStepPath(flow, [2], { step: 'transfer', answered: false })).toEqual([3]);
      expect(nextStepPath(flow, [1, 0, 1], { step: 'transfer', answered: true })).toBeNull();
    });

    it('ends the call after the last top-level step', () => {
      expect(nextStepPath(flow, [3], { step: 'play' })).toBeNull();
    });
  });
});

/** A CallLeg that records every call and answers from a script. */
class FakeLeg implements CallLeg {
  readonly calls: unknown[][] = [];
  constructor(
    private readonly keys: string[] = [],
    private readonly transfers: TransferStatus[] = [],
    private readonly endCallOn?: { method: 'speak' | 'promptForKey' | 'transfer'; nth: number },
  ) {}

  private count = { speak: 0, promptForKey: 0, transfer: 0 };

  private maybeEnd(method: 'speak' | 'promptForKey' | 'transfer') {
    this.count[method]++;
    if (this.endCallOn?.method === method && this.endCallOn.nth === this.count[method]) throw new CallEndedError();
  }

  async speak(text: string, message: VoiceMessage): Promise<void> {
    this.calls.push(['speak', text, message.messageIndex]);
    this.maybeEnd('speak');
  }

  async promptForKey(text: string, message: VoiceMessage, promptNumber: number): Promise<string> {
    this.calls.push(['promptForKey', text, message.messageIndex, promptNumber]);
    this.maybeEnd('promptForKey');
    return this.keys.shift() ?? '';
  }

  async transfer(destination: string): Promise<{ status: TransferStatus; legId: string }> {
    this.calls.push(['transfer', destination]);
    this.maybeEnd('transfer');
    return { status: this.transfers.shift() ?? 'answered', legId: `leg-${this.count.transfer}` };
  }

  readonly recordings: { durationSeconds: number; endedBy: RecordingEndedBy }[] = [];

  async record(step: RecordStep): Promise<{ recording: StepRecording; transcriptionPending: boolean }> {
    this.calls.push(['record', step.maxLength, step.endKey]);
    const { durationSeconds, endedBy } = this.recordings.shift() ?? { durationSeconds: 0, endedBy: 'silence' as const };
    return { recording: { id: `rec-${this.calls.length}`, durationSeconds, endedBy }, transcriptionPending: step.transcribe };
  }
}

function recorder() {
  const started: StepReport[] = [];
  const finished: FinishedStepReport[] = [];
  return { started, finished, observer: { stepStarted: (r: StepReport) => started.push(r), stepFinished: (r: FinishedStepReport) => finished.push(r) } };
}

describe('runCallFlow', () => {
  // messageIndex: 0 welcome, 1 menu, 2 sales, 3 after-transfer, 4 support, 5 retry menu, 6 bye, 7 never
  nextIndex = 0;
  const flow: CallFlow = {
    steps: [
      play('welcome'),
      gather(
        'menu',
        () => [
          branch('1', [play('sales'), transfer('+6591991191'), play('after transfer')]),
          branch('2', [play('support'), gather('retry menu', () => [branch('9', [])], 2)]),
          branch('0', [play('bye')], true),
        ],
        3,
      ),
      play('never reached: after the gather'),
    ],
  };
  // Rendered texts differ from the templates, to show the runner speaks what it is given.
  const messages = ['R:welcome', 'R:menu', 'R:sales', 'R:after', 'R:support', 'R:retry', 'R:bye', 'R:never'];

  it('uses a flow whose messages are numbered in pre-order, like a normalized one', () => {
    expect(listMessages(flow).map((m) => [m.messageIndex, m.msg])).toEqual([
      [0, 'welcome'],
      [1, 'menu'],
      [2, 'sales'],
      [3, 'after transfer'],
      [4, 'support'],
      [5, 'retry menu'],
      [6, 'bye'],
      [7, 'never reached: after the gather'],
    ]);
  });

  it('runs a branch after re-prompts, an unanswered transfer and the rest of the branch, and reports every step', async () => {
    const leg = new FakeLeg(['', '7', '1'], ['no_answer']);
    const { started, finished, observer } = recorder();
    await runCallFlow(flow, messages, leg, observer);

    expect(leg.calls).toEqual([
      ['speak', 'R:welcome', 0],
      ['promptForKey', 'R:menu', 1, 1],
      ['promptForKey', 'R:menu', 1, 2],
      ['promptForKey', 'R:menu', 1, 3],
      ['speak', 'R:sales', 2],
      ['transfer', '+6591991191'],
      ['speak', 'R:after', 3],
    ]);
    expect(started).toEqual([
      { seq: 0, stepName: 'play', path: 'steps[0]', message: 'R:welcome' },
      { seq: 1, stepName: 'gather', path: 'steps[1]', message: 'R:menu' },
      { seq: 2, stepName: 'play', path: 'steps[1].branches[0].steps[0]', message: 'R:sales' },
      { seq: 3, stepName: 'transfer', path: 'steps[1].branches[0].steps[1]' },
      { seq: 4, stepName: 'play', path: 'steps[1].branches[0].steps[2]', message: 'R:after' },
    ]);
    expect(finished).toEqual([
      { seq: 0, stepName: 'play', path: 'steps[0]', message: 'R:welcome', status: 'success_ok' },
      { seq: 1, stepName: 'gather', path: 'steps[1]', message: 'R:menu', status: 'success_ok', userPressedDigits: '1' },
      { seq: 2, stepName: 'play', path: 'steps[1].branches[0].steps[0]', message: 'R:sales', status: 'success_ok' },
      {
        seq: 3,
        stepName: 'transfer',
        path: 'steps[1].branches[0].steps[1]',
        status: 'failed',
        transferStatus: 'no_answer',
        transferLegId: 'leg-1',
        transferDestination: '+6591991191',
      },
      { seq: 4, stepName: 'play', path: 'steps[1].branches[0].steps[2]', message: 'R:after', status: 'success_ok' },
    ]);
  });

  it('ends the flow after an answered transfer', async () => {
    const leg = new FakeLeg(['1'], ['answered']);
    const { finished, observer } = recorder();
    await runCallFlow(flow, messages, leg, observer);
    expect(finished.map((r) => [r.seq, r.stepName, r.status, r.transferStatus])).toEqual([
      [0, 'play', 'success_ok', undefined],
      [1, 'gather', 'success_ok', undefined],
      [2, 'play', 'success_ok', undefined],
      [3, 'transfer', 'success_ok', 'answered'],
    ]);
    expect(leg.calls.at(-1)).toEqual(['transfer', '+6591991191']);
  });

  it('follows the default branch with empty userPressedDigits after maxRetries prompts without a matching key', async () => {
    const leg = new FakeLeg(['', '5', '']);
    const { finished, observer } = recorder();
    await runCallFlow(flow, messages, leg, observer);
    expect(leg.calls.filter((c) => c[0] === 'promptForKey')).toHaveLength(3);
    expect(finished.map((r) => [r.seq, r.stepName, r.path, r.status, r.userPressedDigits])).toEqual([
      [0, 'play', 'steps[0]', 'success_ok', undefined],
      [1, 'gather', 'steps[1]', 'no_input', ''],
      [2, 'play', 'steps[1].branches[2].steps[0]', 'success_ok', undefined],
    ]);
    expect(finished[2].message).toBe('R:bye');
  });

  it('accepts the digit of the default branch when it is pressed', async () => {
    const leg = new FakeLeg(['0']);
    const { finished, observer } = recorder();
    await runCallFlow(flow, messages, leg, observer);
    expect(finished.map((r) => [r.stepName, r.status, r.userPressedDigits])).toEqual([
      ['play', 'success_ok', undefined],
      ['gather', 'success_ok', '0'],
      ['play', 'success_ok', undefined],
    ]);
    expect(leg.calls.filter((c) => c[0] === 'promptForKey')).toHaveLength(1);
  });

  it('hangs up after a gather without a default branch gets no matching key, and never falls through', async () => {
    const leg = new FakeLeg(['2', '', '3']);
    const { started, finished, observer } = recorder();
    await runCallFlow(flow, messages, leg, observer);
    expect(leg.calls).toEqual([
      ['speak', 'R:welcome', 0],
      ['promptForKey', 'R:menu', 1, 1],
      ['speak', 'R:support', 4],
      ['promptForKey', 'R:retry', 5, 1],
      ['promptForKey', 'R:retry', 5, 2],
    ]);
    expect(finished.map((r) => [r.seq, r.path, r.status, r.userPressedDigits])).toEqual([
      [0, 'steps[0]', 'success_ok', undefined],
      [1, 'steps[1]', 'success_ok', '2'],
      [2, 'steps[1].branches[1].steps[0]', 'success_ok', undefined],
      [3, 'steps[1].branches[1].steps[1]', 'no_input', ''],
    ]);
    expect(started).toHaveLength(4);
  });

  it('ends when the chosen branch is empty', async () => {
    const leg = new FakeLeg(['2', '9']);
    const { finished, observer } = recorder();
    await runCallFlow(flow, messages, leg, observer);
    expect(finished.map((r) => [r.path, r.status, r.userPressedDigits])).toEqual([
      ['steps[0]', 'success_ok', undefined],
      ['steps[1]', 'success_ok', '2'],
      ['steps[1].branches[1].steps[0]', 'success_ok', undefined],
      ['steps[1].branches[1].steps[1]', 'success_ok', '9'],
    ]);
  });

  it('goes on with the next step after an unanswered top-level transfer', async () => {
    nextIndex = 0;
    const simple: CallFlow = { steps: [transfer('Ext:1000'), play('sorry')] };
    const leg = new FakeLeg([], ['busy']);
    const { finished, observer } = recorder();
    await runCallFlow(simple, ['R:sorry'], leg, observer);
    expect(finished).toEqual([
      { seq: 0, stepName: 'transfer', path: 'steps[0]', status: 'failed', transferStatus: 'busy', transferLegId: 'leg-1', transferDestination: 'Ext:1000' },
      { seq: 1, stepName: 'play', path: 'steps[1]', message: 'R:sorry', status: 'success_ok' },
    ]);
  });

  it('reports an interrupted step and rethrows when the call ends mid-step', async () => {
    const leg = new FakeLeg(['1'], [], { method: 'speak', nth: 2 });
    const { started, finished, observer } = recorder();
    const run = runCallFlow(flow, messages, leg, observer);
    await expect(run).rejects.toBeInstanceOf(CallEndedError);
    expect(started.map((r) => r.seq)).toEqual([0, 1, 2]);
    expect(finished).toEqual([
      { seq: 0, stepName: 'play', path: 'steps[0]', message: 'R:welcome', status: 'success_ok' },
      { seq: 1, stepName: 'gather', path: 'steps[1]', message: 'R:menu', status: 'success_ok', userPressedDigits: '1' },
      { seq: 2, stepName: 'play', path: 'steps[1].branches[0].steps[0]', message: 'R:sales', status: 'interrupted' },
    ]);
    expect(leg.calls).toHaveLength(3);
  });

  it('reports an interrupted gather when the call ends during a prompt', async () => {
    const leg = new FakeLeg([''], [], { method: 'promptForKey', nth: 2 });
    const { finished, observer } = recorder();
    await expect(runCallFlow(flow, messages, leg, observer)).rejects.toThrow(CallEndedError);
    expect(finished.map((r) => [r.seq, r.stepName, r.status])).toEqual([
      [0, 'play', 'success_ok'],
      [1, 'gather', 'interrupted'],
    ]);
  });

  it('rethrows other errors without reporting the step as interrupted', async () => {
    const leg = new FakeLeg();
    leg.speak = async () => {
      throw new Error('provider exploded');
    };
    const { started, finished, observer } = recorder();
    await expect(runCallFlow(flow, messages, leg, observer)).rejects.toThrow('provider exploded');
    expect(started).toHaveLength(1);
    expect(finished).toEqual([]);
  });

  it('does nothing for an empty flow', async () => {
    const leg = new FakeLeg();
    const { started, observer } = recorder();
    await runCallFlow({ steps: [] }, [], leg, observer);
    expect(leg.calls).toEqual([]);
    expect(started).toEqual([]);
  });

  describe('record steps', () => {
    const record = (extra: Partial<RecordStep> = {}): FlowStep => ({
      name: 'record',
      maxLength: 60,
      timeout: 5,
      endKey: '#',
      beep: true,
      transcribe: false,
      transcribeLocale: 'en-US',
      ...extra,
    });

    it('records, reports the recording and a pending transcription, and goes on with the next step however it ended', async () => {
      nextIndex = 0;
      const voicemail: CallFlow = { steps: [play('leave a message'), record({ transcribe: true, endKey: '*' }), record(), play('thanks')] };
      const leg = new FakeLeg();
      leg.recordings.push({ durationSeconds: 7, endedBy: 'key' }, { durationSeconds: 0, endedBy: 'silence' });
      const { finished, observer } = recorder();
      await runCallFlow(voicemail, ['R:leave', 'R:thanks'], leg, observer);
      expect(leg.calls).toEqual([['speak', 'R:leave', 0], ['record', 60, '*'], ['record', 60, '#'], ['speak', 'R:thanks', 1]]);
      expect(finished.slice(1, 3)).toEqual([
        { seq: 1, stepName: 'record', path: 'steps[1]', status: 'success_ok', recording: { id: 'rec-2', durationSeconds: 7, endedBy: 'key' }, transcriptionPending: true },
        { seq: 2, stepName: 'record', path: 'steps[2]', status: 'no_input', recording: { id: 'rec-3', durationSeconds: 0, endedBy: 'silence' } },
      ]);
    });

    it('follows the step after a record step inside a branch', () => {
      nextIndex = 0;
      const branchy: CallFlow = { steps: [gather('menu', () => [branch('1', [record(), play('bye')])])] };
      expect(nextStepPath(branchy, [0, 0, 0], { step: 'record' })).toEqual([0, 0, 1]);
      expect(nextStepPath(branchy, [0, 0, 1], { step: 'play' })).toBeNull();
    });
  });
});
