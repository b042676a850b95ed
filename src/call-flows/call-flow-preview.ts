import { CallFlow, GatherStep, RecordStep, StepPath, TransferStatus, VoiceMessage } from '../call-flow/call-flow.types';
import { decideGather, stepAt, stepMessage } from '../call-flow/flow-interpreter';
import { CallLeg, runCallFlow } from '../call-flow/flow-runner';
import { FieldError } from '../common/field-error';

/** A key a callee can press at a gather prompt, or '' for no input. */
const KEY_PATTERN = /^[0-9*#]?$/;
export const MAX_PREVIEW_KEYS = 1000;

export interface PreviewVoice {
  language?: string;
  gender?: 'male' | 'female';
  pitch?: number;
  rate?: number;
}

export interface PreviewPrompt {
  attempt: number;
  text: string;
  key: string;
  result: 'follow' | 'reprompt' | 'hangup';
}

export interface PreviewStep {
  seq: number;
  path: string;
  stepName: 'play' | 'gather' | 'transfer' | 'record';
  text?: string;
  voice?: PreviewVoice;
  prompts?: PreviewPrompt[];
  maxRetries?: number;
  key?: string;
  branch?: { index: number; path: string; digit?: string; default: boolean; optOut: boolean } | null;
  optOut?: boolean;
  transfer?: { destination: string; status: TransferStatus };
  record?: Omit<RecordStep, 'name'>;
}

export interface PreviewOutcome {
  endedBy: 'end_of_flow' | 'transferred' | 'no_branch';
  description: string;
  optOut: boolean;
  transferredTo?: string;
  keysUsed: number;
  unusedKeys: string[];
}

export interface FlowPreview {
  steps: PreviewStep[];
  outcome: PreviewOutcome;
}

/** The keys of a preview request, checked: each one key (0-9, *, #) or '' for no input. */
export function previewKeyErrors(keys: unknown[], field = 'keys'): FieldError[] {
  if (keys.length > MAX_PREVIEW_KEYS) return [{ field, message: `must hold at most ${MAX_PREVIEW_KEYS} keys` }];
  const errors: FieldError[] = [];
  keys.forEach((key, i) => {
    if (typeof key !== 'string' || !KEY_PATTERN.test(key)) errors.push({ field: `${field}[${i}]`, message: `must be one key: 0-9, * or #, or "" for no input; got ${JSON.stringify(key)}` });
  });
  return errors;
}

/** `steps[1].branches[0].steps[0]` (the runner's path) as its StepPath, [1, 0, 0]. */
function stepPathOf(described: string): StepPath {
  return [...described.matchAll(/\[(\d+)\]/g)].map((match) => Number(match[1]));
}

/** A StepPath as a field path of the flow, as validation errors name it: `callFlow.steps[1].branches[0].callFlow.steps[0]`. */
export function fieldPathOf(path: StepPath, root = 'callFlow'): string {
  return path.map((index, i) => (i % 2 === 0 ? `${i === 0 ? root : '.callFlow'}.steps[${index}]` : `.branches[${index}]`)).join('');
}

function voiceOf(message: VoiceMessage): PreviewVoice | undefined {
  const { language, gender, pitch, rate } = message;
  const voice = { ...(language !== undefined && { language }), ...(gender !== undefined && { gender }), ...(pitch !== undefined && { pitch }), ...(rate !== undefined && { rate }) };
  return Object.keys(voice).length > 0 ? voice : undefined;
}

/**
 * Runs the flow with the real runner (runCallFlow, as the simulator does) on one imaginary callee who
 * presses `keys` at the gather prompts in order and whose transfer target does `transfer`, at no cost
 * of time: the steps in the order they would run, and how the call would end. `messages` are the flow's
 * rendered messages (FlowTemplates.render). Nothing is dialed.
 */
export async function previewCallFlow(flow: CallFlow, messages: string[], keys: string[], transfer: TransferStatus = 'answered'): Promise<FlowPreview> {
  const steps: PreviewStep[] = [];
  let keysUsed = 0;
  let current: { entry: PreviewStep; path: StepPath } | undefined;

  const leg: CallLeg = {
    async speak() {},
    async promptForKey(text: string, _message: VoiceMessage, promptNumber: number) {
      const key = keys[keysUsed] ?? '';
      if (keysUsed < keys.length) keysUsed++;
      const gather = stepAt(flow, current!.path) as GatherStep;
      const decision = decideGather(gather, key, promptNumber);
      current!.entry.prompts!.push({ attempt: promptNumber, text, key, result: decision.action });
      return key;
    },
    async transfer() {
      return { status: transfer, legId: 'preview' };
    },
    async record() {
      return { recording: { id: 'preview', durationSeconds: 0, endedBy: 'silence' as const }, transcriptionPending: false };
    },
  };

  await runCallFlow(flow, messages, leg, {
    stepStarted: (report) => {
      const path = stepPathOf(report.path);
      const step = stepAt(flow, path);
      const message = stepMessage(step);
      const voice = message && voiceOf(message);
      const entry: PreviewStep = {
        seq: report.seq,
        path: fieldPathOf(path),
        stepName: step.name,
        ...(report.message !== undefined && { text: report.message }),
        ...(voice && { voice }),
      };
      if (step.name === 'gather') Object.assign(entry, { prompts: [], maxRetries: step.maxRetries });
      if (step.name === 'record') {
        const { name, ...options } = step;
        void name;
        entry.record = options;
      }
      steps.push(entry);
      current = { entry, path };
    },
    stepFinished: (report) => {
      const { entry, path } = current!;
      const step = stepAt(flow, path);
      if (step.name === 'gather') {
        const prompts = entry.prompts!;
        const last = prompts[prompts.length - 1];
        const decision = decideGather(step, last.key, last.attempt);
        entry.key = report.userPressedDigits ?? '';
        if (decision.action === 'follow') {
          const branch = step.branches[decision.branchIndex];
          entry.branch = {
            index: decision.branchIndex,
            path: `${fieldPathOf(path)}.branches[${decision.branchIndex}]`,
            ...(branch.digit !== undefined && { digit: branch.digit }),
            default: branch.default,
            optOut: branch.optOut === true,
          };
        } else entry.branch = null;
        entry.optOut = report.optOut === true;
      }
      if (step.name === 'transfer') entry.transfer = { destination: step.destination, status: report.transferStatus ?? transfer };
    },
  });

  return { steps, outcome: outcomeOf(steps, keysUsed, keys) };
}

function outcomeOf(steps: PreviewStep[], keysUsed: number, keys: string[]): PreviewOutcome {
  const last = steps[steps.length - 1];
  const optOut = steps.some((step) => step.optOut === true);
  const common = { optOut, keysUsed, unusedKeys: keys.slice(keysUsed) };
  if (last?.transfer?.status === 'answered') {
    return { endedBy: 'transferred', description: `${last.path} hands the call over to ${last.transfer.destination}; the flow ends there.`, transferredTo: last.transfer.destination, ...common };
  }
  if (last?.stepName === 'gather' && last.branch === null) {
    return {
      endedBy: 'no_branch',
      description: `${last.path} got no key a branch accepts after ${last.prompts!.length} prompt(s) and has no default branch: the call ends.`,
      ...common,
    };
  }
  return { endedBy: 'end_of_flow', description: last ? `The flow ends after ${last.path}: the call hangs up.` : 'The flow has no steps.', ...common };
}
