import { Logger } from '@nestjs/common';
import { DISPATCH_WAKE_CHANNEL } from '../dispatcher/queue.constants';
import { RedisService } from '../redis/redis.service';
import { DispatchWakeups, WAKE_WINDOW_MS } from './dispatch-wakeups';

describe('DispatchWakeups', () => {
  let published: { at: number; organizationId: string }[];
  let failNext: boolean;
  let wakeups: DispatchWakeups;

  beforeEach(() => {
    jest.useFakeTimers({ now: 1_000_000 });
    published = [];
    failNext = false;
    const redis = {
      publish: async (channel: string, message: string) => {
        expect(channel).toBe(DISPATCH_WAKE_CHANNEL);
        if (failNext) {
          failNext = false;
          throw new Error('connection lost');
        }
        published.push({ at: Date.now() - 1_000_000, organizationId: message });
      },
    } as unknown as RedisService;
    wakeups = new DispatchWakeups(redis);
  });
  afterEach(() => jest.useRealTimers());

  const flush = () => jest.advanceTimersByTimeAsync(0);

  it('publishes the first wake-up at once, and those asked for within the window as one at its end', async () => {
    wakeups.wake('org-a');
    await flush();
    expect(published).toEqual([{ at: 0, organizationId: 'org-a' }]);

    await jest.advanceTimersByTimeAsync(5);
    wakeups.wake('org-a');
    await jest.advanceTimersByTimeAsync(5);
    wakeups.wake('org-a');
    wakeups.wake('org-a');
    await jest.advanceTimersByTimeAsync(WAKE_WINDOW_MS - 10 - 1);
    expect(published).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(published).toEqual([
      { at: 0, organizationId: 'org-a' },
      { at: WAKE_WINDOW_MS, organizationId: 'org-a' },
    ]);

    // The window starts again from the last publish; after a quiet spell, at once again.
    wakeups.wake('org-a');
    await jest.advanceTimersByTimeAsync(WAKE_WINDOW_MS);
    expect(published.map((p) => p.at)).toEqual([0, WAKE_WINDOW_MS, 2 * WAKE_WINDOW_MS]);
    await jest.advanceTimersByTimeAsync(10 * WAKE_WINDOW_MS);
    wakeups.wake('org-a');
    await flush();
    expect(published.map((p) => p.at)).toEqual([0, WAKE_WINDOW_MS, 2 * WAKE_WINDOW_MS, 12 * WAKE_WINDOW_MS]);
  });

  it('keeps each organization to its own window', async () => {
    wakeups.wake('org-a');
    wakeups.wake('org-b');
    wakeups.wake('org-a');
    await flush();
    expect(published.map((p) => p.organizationId)).toEqual(['org-a', 'org-b']);
    await jest.advanceTimersByTimeAsync(WAKE_WINDOW_MS);
    expect(published.map((p) => p.organizationId)).toEqual(['org-a', 'org-b', 'org-a']);
  });

  it('logs a wake-up that could not be published instead of failing the caller', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    failNext = true;
    expect(() => wakeups.wake('org-a')).not.toThrow();
    await flush();
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('Could not wake the dispatchers of organization org-a: connection lost'));
    warn.mockRestore();
  });

  it('sends the wake-ups still waiting for their window when the module stops', async () => {
    wakeups.wake('org-a');
    wakeups.wake('org-a');
    await flush();
    expect(published).toHaveLength(1);
    wakeups.onModuleDestroy();
    await flush();
    expect(published).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(WAKE_WINDOW_MS);
    expect(published).toHaveLength(2);
  });
});
