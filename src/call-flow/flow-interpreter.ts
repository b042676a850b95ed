import { CallFlow, FlowStep, GatherStep, StepPath, VoiceMessage } from './call-flow.types';

/**
 * The execution rules of a call flow, as pure functions, shared by every voice provider:
 * - steps run in order; the end of a branch's steps ends the call (no fall-through to the steps after its gather);
 * - a gather re-prompts on no input or a key no branch accepts, up to maxRetries prompts in all,
 *   then follows the default branch, or ends the call when there is none;
 * - an answered transfer hands the call over and ends the flow; an unanswered one continues with the next step;
 * - a record step, however it ended (key, silence, length), continues with the next step.
 */

export function firstStepPath(flow: CallFlow): StepPath | null {
  return flow.steps.length > 0 ? [0] : null;
}

export function stepAt(flow: CallFlow, path: StepPath): FlowStep {
  let steps = flow.steps;
  let step = steps[path[0]];
  for (let i = 1; i < path.length; i += 2) {
    const branch = (step as GatherStep).branches[path[i]];
    steps = branch.callFlow.steps;
    step = steps[path[i + 1]];
  }
  if (!step) throw new Error(`no step at path ${JSON.stringify(path)}`);
  return step;
}

/** The message a step speaks (play, gather); transfer and record speak none. */
export function stepMessage(step: FlowStep): VoiceMessage | undefined {
  return step.name === 'play' || step.name === 'gather' ? step.message : undefined;
}

/** Human-readable location of a step, e.g. `steps[1].branches[0].steps[0]`. */
export function describeStepPath(path: StepPath): string {
  return path.map((index, i) => (i % 2 === 0 ? `steps[${index}]` : `branches[${index}]`)).join('.');
}

export type GatherDecision =
  | { action: 'follow'; branchIndex: number; acceptedDigit: string }
  | { action: 'reprompt' }
  | { action: 'hangup' };

/**
 * What a gather does after its `promptNumber`-th prompt (1-based) got `key` ('' = no input).
 */
export function decideGather(step: GatherStep, key: string, promptNumber: number): GatherDecision {
  if (key !== '') {
    const branchIndex = step.branches.findIndex((branch) => branch.digit === key);
    if (branchIndex >= 0) return { action: 'follow', branchIndex, acceptedDigit: key };
  }
  if (promptNumber < step.maxRetries) return { action: 'reprompt' };
  const defaultIndex = step.branches.findIndex((branch) => branch.default);
  return defaultIndex >= 0 ? { action: 'follow', branchIndex: defaultIndex, acceptedDigit: '' } : { action: 'hangup' };
}

export type StepOutcome =
  | { step: 'play' }
  | { step: 'record' }
  | { step: 'gather'; branchIndex: number | null }
  | { step: 'transfer'; answered: boolean };

/** The step to run after the one at `path` finished with `outcome`; null ends the call. */
export function nextStepPath(flow: CallFlow, path: StepPath, outcome: StepOutcome): StepPath | null {
  if (outcome.step === 'gather') {
    if (outcome.branchIndex === null) return null;
    const gather = stepAt(flow, path) as GatherStep;
    const branch = gather.branches[outcome.branchIndex];
    return branch.callFlow.steps.length > 0 ? [...path, outcome.branchIndex, 0] : null;
  }
  if (outcome.step === 'transfer' && outcome.answered) return null;
  const sibling = [...path.slice(0, -1), path[path.length - 1] + 1];
  return siblingExists(flow, sibling) ? sibling : null;
}

function siblingExists(flow: CallFlow, path: StepPath): boolean {
  if (path.length === 1) return path[0] < flow.steps.length;
  const gather = stepAt(flow, path.slice(0, -2)) as GatherStep;
  return path[path.length - 1] < gather.branches[path[path.length - 2]].callFlow.steps.length;
}
