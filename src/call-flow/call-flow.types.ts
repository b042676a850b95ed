/** The validated, normalized call flow as stored with a campaign and executed by a voice provider. */

export const STEP_NAMES = ['play', 'gather', 'transfer', 'record'] as const;
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

/** Locales a record step may ask its transcription in: the `transcribeLocale` list of Bird's "Record a call" command. */
export const TRANSCRIBE_LOCALES = [
  'ar-AE', 'ar-SA', 'zh-CN', 'zh-TW', 'da-DK', 'nl-NL', 'en-AU', 'en-GB', 'en-IN', 'en-IE', 'en-NZ', 'en-AB', 'en-ZA', 'en-US',
  'en-WL', 'fr-FR', 'fr-CA', 'fa-IR', 'de-DE', 'de-CH', 'he-IL', 'hi-IN', 'id-ID', 'it-IT', 'ja-JP', 'ko-KR', 'ms-MY', 'pt-PT',
  'pt-BR', 'ru-RU', 'es-ES', 'es-US', 'sv-SE', 'ta-IN', 'te-IN', 'th-TH', 'tr-TR', 'vi-VN',
] as const;

/**
 * Leaves room for the callee to speak (voicemail, "say why you cannot pay"). It ends when `endKey` is
 * pressed, after `timeout` seconds of silence, at `maxLength` seconds, or when the callee hangs up; the
 * flow then goes on with the next step.
 */
export interface RecordStep {
  name: 'record';
  /** Seconds, 1-3600. */
  maxLength: number;
  /** Seconds of silence that end the recording, 1-60. */
  timeout: number;
  /** One key: 0-9, * or #. */
  endKey: string;
  /** A beep before the recording starts. */
  beep: boolean;
  transcribe: boolean;
  /** One of TRANSCRIBE_LOCALES. */
  transcribeLocale: string;
}

export const RECORD_DEFAULTS = { maxLength: 60, timeout: 5, endKey: '#', beep: true, transcribe: false, transcribeLocale: 'en-US' } as const;

export type FlowStep = PlayStep | GatherStep | TransferStep | RecordStep;

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
  maxRecordLength: 3600,
  maxRecordTimeout: 60,
} as const;
