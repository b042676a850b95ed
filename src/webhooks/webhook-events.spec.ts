import { Webhook } from 'standardwebhooks';
import { newSecret, retryDelayMs, signedHeaders } from './webhook-events';

describe('webhook signing', () => {
  it('signs so that the standardwebhooks verifier accepts, with each secret of a rotation', () => {
    const [current, previous] = [newSecret(), newSecret()];
    expect(current).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const body = JSON.stringify({ type: 'call.completed', timestamp: '2026-12-04T10:00:00.000Z', data: { callId: 'c1' } });
    const headers = signedHeaders('evt_1', new Date(), body, [current, previous]);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/=]+ v1,[A-Za-z0-9+/=]+$/);
    expect(new Webhook(current).verify(body, headers)).toEqual(JSON.parse(body));
    expect(new Webhook(previous).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(newSecret()).verify(body, headers)).toThrow();
    expect(() => new Webhook(current).verify(body.replace('c1', 'c2'), headers)).toThrow();
  });

  it('waits per the schedule with ±10 % jitter, then gives up', () => {
    const schedule = [5_000, 300_000];
    expect(retryDelayMs(schedule, 1, 0)).toBe(4_500);
    expect(retryDelayMs(schedule, 1, 1)).toBe(5_500);
    expect(retryDelayMs(schedule, 2, 0.5)).toBe(300_000);
    expect(retryDelayMs(schedule, 3, 0.5)).toBeNull();
  });
});
