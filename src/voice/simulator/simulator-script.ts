import { readFileSync } from 'node:fs';
import { TransferStatus } from '../../call-flow/call-flow.types';

/** What a callee does at a record step: speaks `seconds`, then ends it by `endedBy`; `transcript` is what a transcription gives. */
export interface ScriptedMessage {
  seconds: number;
  endedBy: 'key' | 'silence' | 'maxLength' | 'hangup';
  /** Without one, a transcription asked for fails. */
  transcript?: string;
  /** How long the transcription takes after the recording ended (default 2000 ms). */
  transcriptDelayMs?: number;
}

const ENDED_BY = ['key', 'silence', 'maxLength', 'hangup'];

/** How one simulated callee behaves. */
export interface CalleeBehaviour {
  /** What the dialed phone does. */
  answer: 'answered' | 'busy' | 'no_answer' | 'failed';
  /** How long the phone rings before it is answered (or gives up). */
  ringMs: number;
  /** The key entered at each successive gather prompt; '' = no input. Prompts past the end get no input. */
  digits: string[];
  /** What the transfer target does. */
  transfer: TransferStatus;
  /** How long a transfer target rings, and how long the bridged conversation lasts. */
  transferRingMs: number;
  transferTalkMs: number;
  /** The callee hangs up this long after answering (null: stays until the flow ends). */
  hangupAfterMs: number | null;
  /**
   * What the callee says at each successive record step (one object: at every record step). Without
   * one the callee stays silent: the recording ends after the step's `timeout` with nothing (`no_input`).
   */
  record: ScriptedMessage | ScriptedMessage[] | null;
}

export interface SimulatorScript {
  /** Speaking time per character of a rendered message. */
  msPerChar: number;
  /** Time a callee takes to press a key, and time a prompt waits for one before giving up. */
  keypressMs: number;
  inputTimeoutMs: number;
  default: CalleeBehaviour;
  numbers: Record<string, Partial<CalleeBehaviour>>;
}

export const DEFAULT_SCRIPT: SimulatorScript = {
  msPerChar: 60,
  keypressMs: 1500,
  inputTimeoutMs: 5000,
  default: {
    answer: 'answered',
    ringMs: 3000,
    digits: [],
    transfer: 'answered',
    transferRingMs: 3000,
    transferTalkMs: 5000,
    hangupAfterMs: null,
    record: null,
  },
  numbers: {},
};

const OUTCOMES = ['answered', 'busy', 'no_answer', 'failed'];

/** Reads a script file (SIMULATOR_SCRIPT) over the defaults; throws naming the bad field. */
export function loadSimulatorScript(path?: string): SimulatorScript {
  if (!path) return DEFAULT_SCRIPT;
  const raw = JSON.parse(readFileSync(path, 'utf8'));
  return parseSimulatorScript(raw, path);
}

export function parseSimulatorScript(raw: any, source = 'script'): SimulatorScript {
  const script: SimulatorScript = {
    msPerChar: raw.msPerChar ?? DEFAULT_SCRIPT.msPerChar,
    keypressMs: raw.keypressMs ?? DEFAULT_SCRIPT.keypressMs,
    inputTimeoutMs: raw.inputTimeoutMs ?? DEFAULT_SCRIPT.inputTimeoutMs,
    default: { ...DEFAULT_SCRIPT.default, ...(raw.default ?? {}) },
    numbers: raw.numbers ?? {},
  };
  const check = (ok: boolean, field: string) => {
    if (!ok) throw new Error(`${source}: invalid ${field}`);
  };
  for (const field of ['msPerChar', 'keypressMs', 'inputTimeoutMs'] as const) check(script[field] >= 0, field);
  for (const [key, behaviour] of [['default', script.default], ...Object.entries(script.numbers).map(([n, b]) => [`numbers.${n}`, b])] as const) {
    const b = behaviour as Partial<CalleeBehaviour>;
    if (b.answer !== undefined) check(OUTCOMES.includes(b.answer), `${key}.answer`);
    if (b.transfer !== undefined) check(OUTCOMES.includes(b.transfer), `${key}.transfer`);
    if (b.digits !== undefined) check(Array.isArray(b.digits) && b.digits.every((d) => typeof d === 'string'), `${key}.digits`);
    if (b.record !== undefined && b.record !== null) {
      const messages = Array.isArray(b.record) ? b.record : [b.record];
      messages.forEach((m, i) => {
        const field = `${key}.record${Array.isArray(b.record) ? `[${i}]` : ''}`;
        check(typeof m === 'object' && m !== null && typeof m.seconds === 'number' && m.seconds >= 0, `${field}.seconds`);
        check(ENDED_BY.includes(m.endedBy), `${field}.endedBy`);
        check(m.transcript === undefined || typeof m.transcript === 'string', `${field}.transcript`);
        check(m.transcriptDelayMs === undefined || (typeof m.transcriptDelayMs === 'number' && m.transcriptDelayMs >= 0), `${field}.transcriptDelayMs`);
      });
    }
  }
  return script;
}

export function behaviourFor(script: SimulatorScript, phone: string): CalleeBehaviour {
  const own = script.numbers[phone] ?? script.numbers[phone.startsWith('+') ? phone.slice(1) : `+${phone}`];
  return { ...script.default, ...own };
}
