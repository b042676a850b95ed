/**
 * What a callee says at a `record` step: speaks `seconds` (cut at the step's maxLength), then ends it by
 * `endedBy`: `key` presses the step's finishOnKey, `silence` falls silent (the step's timeout ends it),
 * `maxLength` speaks on until maxLength, `hangup` hangs up. `transcript` is what the transcription gives
 * (without one, a transcription asked for fails), `transcriptDelayMs` after the recording is done.
 */
export interface DoubleMessage {
  seconds: number;
  endedBy: 'key' | 'silence' | 'maxLength' | 'hangup';
  transcript?: string;
  transcriptDelayMs?: number;
}

/** How one callee (and the transfer targets it reaches) behaves on the MessageBird double, like the simulator's script. */
export interface DoubleCallee {
  answer: 'answered' | 'busy' | 'no_answer' | 'failed';
  ringMs: number;
  /** The key pressed at each successive prompt (a run of steps capturing keys); '' = none. */
  digits: string[];
  /** What a transfer target does. */
  transfer: 'answered' | 'busy' | 'no_answer' | 'failed';
  transferRingMs: number;
  transferTalkMs: number;
  /** The callee hangs up this long after answering (null: never). */
  hangupAfterMs: number | null;
  /** An answering machine picks up (matters with ifMachine=hangup). */
  machine: boolean;
  /** What the callee says at each successive record step (one object: at every one); null: silence. */
  record: DoubleMessage | DoubleMessage[] | null;
}

export interface DoubleScript {
  /** Speaking time per character of a `say`. */
  msPerChar: number;
  /** How long after a prompt was spoken the callee presses its key. */
  keypressMs: number;
  /** Divides every duration (tests run at 100×). */
  speed: number;
  /** How long after the call's end a recording stays `recording` before it is `done` (MessageBird processing it). */
  recordingProcessingMs: number;
  default: DoubleCallee;
  numbers: Record<string, Partial<DoubleCallee>>;
}

export const DEFAULT_DOUBLE_SCRIPT: DoubleScript = {
  msPerChar: 60,
  keypressMs: 1500,
  speed: 1,
  recordingProcessingMs: 0,
  default: { answer: 'answered', ringMs: 3000, digits: [], transfer: 'answered', transferRingMs: 3000, transferTalkMs: 5000, hangupAfterMs: null, machine: false, record: null },
  numbers: {},
};

/** A script as tests write it: any field may be left out. */
export type DoubleScriptInput = Partial<Omit<DoubleScript, 'default'>> & { default?: Partial<DoubleCallee> };

export function doubleScript(overrides: DoubleScriptInput = {}): DoubleScript {
  return {
    ...DEFAULT_DOUBLE_SCRIPT,
    ...overrides,
    default: { ...DEFAULT_DOUBLE_SCRIPT.default, ...overrides.default },
    numbers: overrides.numbers ?? {},
  };
}

/** The behaviour of the callee at `number` (MessageBird writes numbers without '+'; the script may use either). */
export function calleeFor(script: DoubleScript, number: string): DoubleCallee {
  const digits = number.replace(/^\+/, '');
  return { ...script.default, ...(script.numbers[digits] ?? script.numbers[`+${digits}`]) };
}
