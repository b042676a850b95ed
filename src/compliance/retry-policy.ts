import { FieldError } from '../common/field-error';
import { unknownFieldErrors } from '../common/unknown-fields';
import { CallOutcome } from '../voice/voice-provider';

export const RETRY_OUTCOMES = ['busy', 'no_answer', 'failed', 'machine'] as const;
export type RetryOutcome = (typeof RETRY_OUTCOMES)[number];

export interface RetryRule {
  /** Attempts in all, the first one included: 1 = never retried. */
  maxAttempts: number;
  /** Delay before the first retry; later ones grow with `backoff`. */
  delaySeconds: number;
}

/** A campaign's `retry`: what to do when a call ends busy, unanswered, failed, or on a machine. */
export interface RetryPolicy {
  busy: RetryRule;
  no_answer: RetryRule;
  failed: RetryRule;
  machine: RetryRule;
  backoff: 'fixed' | 'exponential';
  maxDelaySeconds: number;
  /** Each delay is spread by ± this fraction, so retries of a whole campaign do not all fire at once. */
  jitter: number;
}

/**
 * Applied to whatever a campaign's `retry` leaves out. Two retries for busy and unanswered calls, none
 * for failed ones (a number that cannot be placed rarely recovers in minutes); 5 minutes first, as
 * Newfies-Dialer retries every 300 s, doubling up to VICIdial's 30-minute recycle.
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  busy: { maxAttempts: 3, delaySeconds: 300 },
  no_answer: { maxAttempts: 3, delaySeconds: 300 },
  failed: { maxAttempts: 1, delaySeconds: 300 },
  machine: { maxAttempts: 1, delaySeconds: 300 },
  backoff: 'exponential',
  maxDelaySeconds: 1800,
  jitter: 0.1,
};

/** The fields of `retry` and of each of its rules; any other is refused by name, with a "did you mean" hint. */
const RETRY_FIELDS = [...RETRY_OUTCOMES, 'backoff', 'maxDelaySeconds', 'jitter'] as const;
const RETRY_RULE_FIELDS = ['maxAttempts', 'delaySeconds'] as const;

const LIMITS = { maxAttempts: 10, delaySeconds: 7 * 86_400 };

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Checks a campaign's `retry` and fills in the defaults; field paths under `path`. */
export function validateRetryPolicy(raw: unknown, path = 'retry'): { value?: RetryPolicy; errors: FieldError[] } {
  const errors: FieldError[] = [];
  if (!isObject(raw)) return { errors: [{ field: path, message: 'must be an object such as {"busy": {"maxAttempts": 3, "delaySeconds": 300}}' }] };
  errors.push(...unknownFieldErrors(raw, RETRY_FIELDS, path));

  const integer = (value: unknown, field: string, min: number, max: number, fallback: number): number => {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      errors.push({ field, message: `must be an integer from ${min} to ${max}` });
      return fallback;
    }
    return value;
  };
  const rules = {} as Record<RetryOutcome, RetryRule>;
  for (const outcome of RETRY_OUTCOMES) {
    const rule = raw[outcome];
    const fallback = DEFAULT_RETRY_POLICY[outcome];
    if (rule !== undefined && !isObject(rule)) {
      errors.push({ field: `${path}.${outcome}`, message: 'must be an object {maxAttempts, delaySeconds}' });
      rules[outcome] = fallback;
      continue;
    }
    if (rule) errors.push(...unknownFieldErrors(rule, RETRY_RULE_FIELDS, `${path}.${outcome}`));
    rules[outcome] = {
      maxAttempts: integer(rule?.maxAttempts, `${path}.${outcome}.maxAttempts`, 1, LIMITS.maxAttempts, fallback.maxAttempts),
      delaySeconds: integer(rule?.delaySeconds, `${path}.${outcome}.delaySeconds`, 1, LIMITS.delaySeconds, fallback.delaySeconds),
    };
  }
  let backoff = DEFAULT_RETRY_POLICY.backoff;
  if (raw.backoff !== undefined) {
    if (raw.backoff === 'fixed' || raw.backoff === 'exponential') backoff = raw.backoff;
    else errors.push({ field: `${path}.backoff`, message: 'must be "fixed" or "exponential"' });
  }
  const maxDelaySeconds = integer(raw.maxDelaySeconds, `${path}.maxDelaySeconds`, 1, LIMITS.delaySeconds, DEFAULT_RETRY_POLICY.maxDelaySeconds);
  let jitter = DEFAULT_RETRY_POLICY.jitter;
  if (raw.jitter !== undefined) {
    if (typeof raw.jitter === 'number' && raw.jitter >= 0 && raw.jitter <= 0.5) jitter = raw.jitter;
    else errors.push({ field: `${path}.jitter`, message: 'must be a number from 0 to 0.5' });
  }
  if (errors.length > 0) return { errors };
  return { value: { ...rules, backoff, maxDelaySeconds, jitter }, errors };
}

/**
 * How long after an attempt that ended with `outcome` the call is tried again, or null when it is not
 * (no policy, an outcome that is never retried, or no attempts left). `attemptsMade` counts the one
 * that just ended. `random` is in [0, 1).
 */
export function retryDelayMs(policy: RetryPolicy | null, outcome: CallOutcome, attemptsMade: number, random: number): number | null {
  if (!policy || !(RETRY_OUTCOMES as readonly string[]).includes(outcome)) return null;
  const rule = policy[outcome as RetryOutcome];
  if (attemptsMade >= rule.maxAttempts) return null;
  const growth = policy.backoff === 'exponential' ? 2 ** (attemptsMade - 1) : 1;
  const base = Math.min(rule.delaySeconds * growth, Math.max(policy.maxDelaySeconds, rule.delaySeconds));
  return Math.round(base * 1000 * (1 + policy.jitter * (2 * random - 1)));
}
