/** How one callee (and the transfer targets it reaches) behaves on the Bird double, like the simulator's script. */
export interface BirdCallee {
  answer: 'answered' | 'busy' | 'no_answer' | 'failed';
  ringMs: number;
  /** The key pressed at each successive gather ('' = none). */
  digits: string[];
  /** What a bridge's target does. */
  transfer: 'answered' | 'busy' | 'no_answer' | 'failed';
  transferRingMs: number;
  transferTalkMs: number;
  /** The callee hangs up this long after answering (null: never). */
  hangupAfterMs: number | null;
  /**
   * An answering machine picks up: its greeting lasts `machineGreetingMs`, then it beeps and records. With
   * amdSettings enabled it is reported (`amd: {result: "machine"}`): after `machineDetectMs` with
   * `ifMachineNotifyAfter: "wordCount"`, at the beep with `"beep"` (and then the call's commands wait for the
   * beep: B18). What is said entirely after the beep is left on it (`BirdDoubleCall.voicemail`).
   */
  machine: boolean;
  machineGreetingMs: number;
  machineDetectMs: number;
  /** What the callee leaves at a record command. */
  record: { seconds: number; endedBy: 'key' | 'silence' | 'maxLength' | 'hangup'; transcript: string | null };
}

export interface BirdDoubleScript {
  /** Speaking time per character of a `say`. */
  msPerChar: number;
  /** How long after a prompt was spoken the callee presses its key. */
  keypressMs: number;
  /** Divides every duration (tests run at 100×). */
  speed: number;
  /** How long after a recording a transcription stays `accepted` before it is `available`. */
  transcriptionMs: number;
  /** How long after the call's end its whole-call recording stays `accepted` before it is `available` (B16). */
  recordingProcessingMs: number;
  default: BirdCallee;
  numbers: Record<string, Partial<BirdCallee>>;
}

export const DEFAULT_BIRD_SCRIPT: BirdDoubleScript = {
  msPerChar: 60,
  keypressMs: 1500,
  speed: 1,
  transcriptionMs: 3000,
  recordingProcessingMs: 1000,
  default: {
    answer: 'answered',
    ringMs: 3000,
    digits: [],
    transfer: 'answered',
    transferRingMs: 3000,
    transferTalkMs: 5000,
    hangupAfterMs: null,
    machine: false,
    machineGreetingMs: 4000,
    machineDetectMs: 1500,
    record: { seconds: 5, endedBy: 'silence', transcript: 'I will pay on Friday' },
  },
  numbers: {},
};

export type BirdDoubleScriptInput = Partial<Omit<BirdDoubleScript, 'default'>> & { default?: Partial<BirdCallee> };

export function birdDoubleScript(overrides: BirdDoubleScriptInput = {}): BirdDoubleScript {
  return { ...DEFAULT_BIRD_SCRIPT, ...overrides, default: { ...DEFAULT_BIRD_SCRIPT.default, ...overrides.default }, numbers: overrides.numbers ?? {} };
}

/** The behaviour of the callee at `number` (E.164 with '+'; the script may leave the '+' out). */
export function birdCalleeFor(script: BirdDoubleScript, number: string): BirdCallee {
  const digits = number.replace(/^\+/, '');
  return { ...script.default, ...(script.numbers[`+${digits}`] ?? script.numbers[digits]) };
}
