/** The validated, normalized call flow as stored with a campaign and executed by a voice provider. */

export const STEP_NAMES = ['play', 'gather', 'transfer'] as const;
export type StepName = (typeof STEP_NAMES)[number];

export interface VoiceMessage {
  /** Handlebars template of the text to speak. */
  msg: string;
  language?: string;
  gender?: 'male' | 'female';
  pitch?: number;
  rate?: number;
  /** Position of this message in the flow's pre-order list of messages; indexes a call's rendered messages. */
  messageIndex: number;
}

export interface PlayStep {
  name: 'play';
  message: VoiceMessage;
}

export interface GatherBranch {
  digit?: string;
  default: boolean;
  /** Choosing this branch puts the callee on the organization's do-not-call list ("press 9 to stop these calls"). */
  optOut?: boolean;
  callFlow: CallFlow;
}

export interface GatherStep {
  name: 'gather';
  message: VoiceMessage;
  /** Prompts in all, including the first one. */
  maxRetries: number;
  branches: GatherBranch[];
}

export interface TransferStep {
  name: 'transfer';
  destination: string;
}

export type FlowStep = PlayStep | GatherStep | TransferStep;

export interface CallFlow {
  steps: FlowStep[];
}

/**
 * Where a step sits in the flow: step and branch indexes alternate,
 * e.g. [1, 0, 0] is callFlow.steps[1].branches[0].callFlow.steps[0].
 */
export type StepPath = number[];

export type TransferStatus = 'answered' | 'busy' | 'no_answer' | 'failed';

export const FLOW_LIMITS = {
  maxDepth: 5,
  maxSteps: 100,
  maxMessageLength: 1000,
  defaultMaxRetries: 3,
  maxMaxRetries: 10,
} as const;
