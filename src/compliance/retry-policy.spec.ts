import { DEFAULT_RETRY_POLICY, retryDelayMs, validateRetryPolicy } from './retry-policy';

describe('retry policy', () => {
  it('fills in the documented defaults', () => {
    expect(validateRetryPolicy({})).toEqual({ value: DEFAULT_RETRY_POLICY, errors: [] });
    const { value } = validateRetryPolicy({ busy: { maxAttempts: 5 } });
    expect(value!.busy).toEqual({ maxAttempts: 5, delaySeconds: 300 });
    expect(value!.failed).toEqual(DEFAULT_RETRY_POLICY.failed);
  });

  it('names every bad field', () => {
    const { value, errors } = validateRetryPolicy({ busy: { maxAttempts: 0, delaySeconds: 1.5 }, no_answer: 3, backoff: 'linear', jitter: 2, often: true });
    expect(value).toBeUndefined();
    expect(errors.map((e) => e.field).sort()).toEqual(['retry.backoff', 'retry.busy.delaySeconds', 'retry.busy.maxAttempts', 'retry.jitter', 'retry.no_answer', 'retry.often']);
    expect(validateRetryPolicy('often').errors[0].field).toBe('retry');
  });

  it('retries only outcomes with attempts left', () => {
    const policy = DEFAULT_RETRY_POLICY;
    expect(retryDelayMs(null, 'busy', 1, 0.5)).toBeNull();
    expect(retryDelayMs(policy, 'answered', 1, 0.5)).toBeNull();
    expect(retryDelayMs(policy, 'failed', 1, 0.5)).toBeNull(); // maxAttempts 1
    expect(retryDelayMs(policy, 'busy', 2, 0.5)).not.toBeNull();
    expect(retryDelayMs(policy, 'busy', 3, 0.5)).toBeNull();
  });

  it('grows exponentially up to the cap, or stays fixed, with jitter around it', () => {
    const policy = { ...DEFAULT_RETRY_POLICY, busy: { maxAttempts: 10, delaySeconds: 300 }, jitter: 0 };
    expect([1, 2, 3, 4, 5].map((n) => retryDelayMs(policy, 'busy', n, 0.5))).toEqual([300_000, 600_000, 1_200_000, 1_800_000, 1_800_000]);
    expect(retryDelayMs({ ...policy, backoff: 'fixed' }, 'busy', 4, 0.5)).toBe(300_000);
    const jittered = { ...policy, jitter: 0.1 };
    expect(retryDelayMs(jittered, 'busy', 1, 0)).toBe(270_000);
    expect(retryDelayMs(jittered, 'busy', 1, 0.999999)).toBeCloseTo(330_000, -1);
  });

  it('refuses unknown fields of retry and of each rule, with a "did you mean" hint (issue 14)', () => {
    expect(validateRetryPolicy({ busy: { maxAttemps: 2, delaySeconds: 60 }, noAnswer: {}, backof: 'fixed', sometimes: 1 }).errors).toEqual([
      { field: 'retry.noAnswer', message: 'unknown field; did you mean "no_answer"?' },
      { field: 'retry.backof', message: 'unknown field; did you mean "backoff"?' },
      { field: 'retry.sometimes', message: 'unknown field; expected one of busy, no_answer, failed, machine, backoff, maxDelaySeconds, jitter' },
      { field: 'retry.busy.maxAttemps', message: 'unknown field; did you mean "maxAttempts"?' },
    ]);
  });
});
