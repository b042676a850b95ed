import { FieldError } from '../common/field-error';
import { unknownFieldErrors } from '../common/unknown-fields';
import {
  CallFlow,
  FLOW_LIMITS,
  FlowStep,
  GatherBranch,
  RECORD_DEFAULTS,
  RecordStep,
  STEP_NAMES,
  TRANSCRIBE_LOCALES,
  VoiceMessage,
} from './call-flow.types';

export const E164_PATTERN = /^\+?[1-9]\d{1,14}$/;
const DIGIT_PATTERN = /^[0-9*#]$/;
const EXTENSION_PATTERN = /^Ext:\d{1,10}$/;
const SIP_URI_PATTERN = /^sips?:[^\s@]+@[^\s@]+$/;
const LANGUAGE_PATTERN = /^[a-zA-Z]{2,3}([-_][a-zA-Z0-9]{2,8})?$/;

/** The fields each object of a flow may have; any other is refused by name (a misspelling must not be dropped). */
const KNOWN_FIELDS = {
  flow: ['steps'],
  play: ['name', 'message'],
  gather: ['name', 'message', 'maxRetries', 'branches'],
  transfer: ['name', 'destination'],
  record: ['name', 'maxLength', 'timeout', 'endKey', 'beep', 'transcribe', 'transcribeLocale'],
  branch: ['digit', 'default', 'optOut', 'callFlow'],
  message: ['msg', 'language', 'lang', 'gender', 'pitch', 'rate'],
} as const;

export interface NormalizedCallFlow {
  flow: CallFlow;
  /** Field path of every message template, indexed by messageIndex (for error messages). */
  messagePaths: string[];
}

type Raw = Record<string, unknown>;
const isObject = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Validates a submitted call flow and returns it in normalized form.
 * Lenient where the public contract's own example is: booleans may be sent as "true"/"false",
 * integers as numeric strings, and the language as `language` or `lang`.
 */
export function normalizeCallFlow(raw: unknown, path = 'callFlow'): { result?: NormalizedCallFlow; errors: FieldError[] } {
  const walker = new FlowWalker();
  const flow = walker.flow(raw, path, 1, true);
  if (walker.stepCount > FLOW_LIMITS.maxSteps) {
    walker.errors.push({ field: path, message: `has ${walker.stepCount} steps in all; at most ${FLOW_LIMITS.maxSteps} are allowed` });
  }
  if (walker.errors.length > 0 || !flow) return { errors: walker.errors };
  return { result: { flow, messagePaths: walker.messagePaths }, errors: [] };
}

class FlowWalker {
  readonly errors: FieldError[] = [];
  readonly messagePaths: string[] = [];
  stepCount = 0;

  private fail(field: string, message: string): undefined {
    this.errors.push({ field, message });
    return undefined;
  }

  /** Records an error per unknown field; true when there was none. */
  private onlyKnown(raw: Raw, known: readonly string[], path: string): boolean {
    const errors = unknownFieldErrors(raw, known, path);
    this.errors.push(...errors);
    return errors.length === 0;
  }

  flow(raw: unknown, path: string, depth: number, required: boolean): CallFlow | undefined {
    if (depth > FLOW_LIMITS.maxDepth) {
      return this.fail(path, `is nested ${depth} levels deep; at most ${FLOW_LIMITS.maxDepth} levels are allowed`);
    }
    if (!isObject(raw)) return this.fail(path, 'must be an object with a "steps" array');
    const known = this.onlyKnown(raw, KNOWN_FIELDS.flow, path);
    if (!Array.isArray(raw.steps)) return this.fail(`${path}.steps`, 'must be an array of steps');
    if (required && raw.steps.length === 0) return this.fail(`${path}.steps`, 'must contain at least one step');
    const steps: FlowStep[] = [];
    raw.steps.forEach((rawStep, i) => {
      this.stepCount++;
      const step = this.step(rawStep, `${path}.steps[${i}]`, depth);
      if (step) steps.push(step);
    });
    return known ? { steps } : undefined;
  }

  private step(raw: unknown, path: string, depth: number): FlowStep | undefined {
    if (!isObject(raw)) return this.fail(path, 'must be an object');
    const name = raw.name as (typeof STEP_NAMES)[number];
    if (STEP_NAMES.includes(name) && !this.onlyKnown(raw, KNOWN_FIELDS[name], path)) {
      // Still walked, so every problem of the step is reported at once.
      this.step({ ...Object.fromEntries(KNOWN_FIELDS[name].map((field) => [field, raw[field]])) }, path, depth);
      return undefined;
    }
    switch (name) {
      case 'play': {
        const message = this.message(raw.message, `${path}.message`);
        return message && { name: 'play', message };
      }
      case 'gather':
        return this.gather(raw, path, depth);
      case 'transfer': {
        const destination = this.transferDestination(raw.destination, `${path}.destination`);
        return destination === undefined ? undefined : { name: 'transfer', destination };
      }
      case 'record':
        return this.record(raw, path);
      default:
        return this.fail(`${path}.name`, `unknown step ${JSON.stringify(raw.name)}; expected one of ${STEP_NAMES.join(', ')}`);
    }
  }

  private gather(raw: Raw, path: string, depth: number): FlowStep | undefined {
    const message = this.message(raw.message, `${path}.message`);
    const maxRetries = this.integer(raw.maxRetries, `${path}.maxRetries`, 1, FLOW_LIMITS.maxMaxRetries, FLOW_LIMITS.defaultMaxRetries);
    if (!Array.isArray(raw.branches) || raw.branches.length === 0) {
      this.fail(`${path}.branches`, 'a gather step needs at least one branch');
      return undefined;
    }
    const branches: GatherBranch[] = [];
    const seenDigits = new Map<string, number>();
    let defaultIndex: number | undefined;
    raw.branches.forEach((rawBranch, i) => {
      const branchPath = `${path}.branches[${i}]`;
      const branch = this.branch(rawBranch, branchPath, depth);
      if (!branch) return;
      if (branch.digit !== undefined) {
        const earlier = seenDigits.get(branch.digit);
        if (earlier !== undefined) this.fail(`${branchPath}.digit`, `digit "${branch.digit}" is already used by branches[${earlier}]`);
        seenDigits.set(branch.digit, i);
      }
      if (branch.default) {
        if (defaultIndex !== undefined) this.fail(`${branchPath}.default`, `only one default branch is allowed; branches[${defaultIndex}] is already the default`);
        defaultIndex ??= i;
      }
      branches.push(branch);
    });
    if (!message || maxRetries === undefined || branches.length !== raw.branches.length) return undefined;
    return { name: 'gather', message, maxRetries, branches };
  }

  /** Options as in Bird's "Record a call" command; defaults in RECORD_DEFAULTS. */
  private record(raw: Raw, path: string): RecordStep | undefined {
    const errorsBefore = this.errors.length;
    const maxLength = this.integer(raw.maxLength, `${path}.maxLength`, 1, FLOW_LIMITS.maxRecordLength, RECORD_DEFAULTS.maxLength);
    const timeout = this.integer(raw.timeout, `${path}.timeout`, 1, FLOW_LIMITS.maxRecordTimeout, RECORD_DEFAULTS.timeout);
    let endKey: string = RECORD_DEFAULTS.endKey;
    if (raw.endKey !== undefined && raw.endKey !== null) {
      endKey = typeof raw.endKey === 'number' ? String(raw.endKey) : (raw.endKey as string);
      if (typeof endKey !== 'string' || !DIGIT_PATTERN.test(endKey)) this.fail(`${path}.endKey`, `must be one key: 0-9, * or #; got ${JSON.stringify(raw.endKey)}`);
    }
    const beep = this.boolean(raw.beep, `${path}.beep`, RECORD_DEFAULTS.beep);
    const transcribe = this.boolean(raw.transcribe, `${path}.transcribe`, RECORD_DEFAULTS.transcribe);
    let transcribeLocale: string = RECORD_DEFAULTS.transcribeLocale;
    if (raw.transcribeLocale !== undefined && raw.transcribeLocale !== null) {
      const known = TRANSCRIBE_LOCALES.find((locale) => typeof raw.transcribeLocale === 'string' && locale.toLowerCase() === raw.transcribeLocale.replace(/_/g, '-').toLowerCase());
      if (known) transcribeLocale = known;
      else this.fail(`${path}.transcribeLocale`, `must be one of ${TRANSCRIBE_LOCALES.join(', ')}; got ${JSON.stringify(raw.transcribeLocale)}`);
    }
    if (this.errors.length > errorsBefore) return undefined;
    return { name: 'record', maxLength: maxLength!, timeout: timeout!, endKey, beep: beep!, transcribe: transcribe!, transcribeLocale };
  }

  private branch(raw: unknown, path: string, depth: number): GatherBranch | undefined {
    if (!isObject(raw)) return this.fail(path, 'must be an object');
    if (!this.onlyKnown(raw, KNOWN_FIELDS.branch, path)) return undefined;
    let digit: string | undefined;
    if (raw.digit !== undefined && raw.digit !== null && raw.digit !== '') {
      digit = typeof raw.digit === 'number' ? String(raw.digit) : (raw.digit as string);
      if (typeof digit !== 'string' || !DIGIT_PATTERN.test(digit)) {
        return this.fail(`${path}.digit`, `must be one key: 0-9, * or #; got ${JSON.stringify(raw.digit)}`);
      }
    }
    const isDefault = this.boolean(raw.default, `${path}.default`, false);
    if (isDefault === undefined) return undefined;
    const optOut = this.boolean(raw.optOut, `${path}.optOut`, false);
    if (optOut === undefined) return undefined;
    if (digit === undefined && !isDefault) return this.fail(path, 'a branch needs a "digit", or "default": true');
    const callFlow = raw.callFlow === undefined ? { steps: [] } : this.flow(raw.callFlow, `${path}.callFlow`, depth + 1, false);
    return callFlow && { ...(digit !== undefined && { digit }), default: isDefault, ...(optOut && { optOut }), callFlow };
  }

  private message(raw: unknown, path: string): VoiceMessage | undefined {
    if (!isObject(raw)) return this.fail(path, 'must be an object with a "msg"');
    if (!this.onlyKnown(raw, KNOWN_FIELDS.message, path)) return undefined;
    const { msg } = raw;
    if (typeof msg !== 'string' || msg.trim() === '') return this.fail(`${path}.msg`, 'must be a non-empty string');
    if (msg.length > FLOW_LIMITS.maxMessageLength) {
      return this.fail(`${path}.msg`, `is ${msg.length} characters; at most ${FLOW_LIMITS.maxMessageLength} are allowed`);
    }
    const errorsBefore = this.errors.length;
    const language = this.language(raw, path);
    const gender = raw.gender as VoiceMessage['gender'];
    if (gender !== undefined && gender !== 'male' && gender !== 'female') {
      this.fail(`${path}.gender`, `must be "male" or "female"; got ${JSON.stringify(gender)}`);
    }
    const pitch = this.integer(raw.pitch, `${path}.pitch`, 0, 9);
    const rate = this.integer(raw.rate, `${path}.rate`, 0, 9);
    if (this.errors.length > errorsBefore) return undefined;
    const messageIndex = this.messagePaths.push(`${path}.msg`) - 1;
    return {
      msg,
      ...(language !== undefined && { language }),
      ...(gender !== undefined && { gender }),
      ...(pitch !== undefined && { pitch }),
      ...(rate !== undefined && { rate }),
      messageIndex,
    };
  }

  /** `language` per the contract's table, `lang` per its example. */
  private language(raw: Raw, path: string): string | undefined {
    const { language, lang } = raw;
    if (language !== undefined && lang !== undefined && language !== lang) {
      return this.fail(`${path}.language`, `"language" (${JSON.stringify(language)}) and "lang" (${JSON.stringify(lang)}) disagree; send one of them`);
    }
    const value = language ?? lang;
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || !LANGUAGE_PATTERN.test(value)) {
      return this.fail(`${path}.${language !== undefined ? 'language' : 'lang'}`, `must be a language code such as "en" or "en-GB"; got ${JSON.stringify(value)}`);
    }
    return value;
  }

  private transferDestination(raw: unknown, path: string): string | undefined {
    if (typeof raw === 'string' && (E164_PATTERN.test(raw) || EXTENSION_PATTERN.test(raw) || SIP_URI_PATTERN.test(raw))) return raw;
    return this.fail(path, `must be an E.164 number (+6591991191), an extension (Ext:1000) or a SIP URI (sip:agent@example.com); got ${JSON.stringify(raw)}`);
  }

  private integer(raw: unknown, path: string, min: number, max: number, fallback?: number): number | undefined {
    if (raw === undefined || raw === null) return fallback;
    const value = typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw) : raw;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      return this.fail(path, `must be an integer from ${min} to ${max}; got ${JSON.stringify(raw)}`);
    }
    return value;
  }

  private boolean(raw: unknown, path: string, fallback: boolean): boolean | undefined {
    if (raw === undefined || raw === null) return fallback;
    if (raw === true || raw === 'true') return true;
    if (raw === false || raw === 'false') return false;
    return this.fail(path, `must be true or false; got ${JSON.stringify(raw)}`);
  }
}
