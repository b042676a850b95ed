import { endedAtOf } from './voice-provider';

describe('endedAtOf', () => {
  it('writes the microseconds a platform gave, as ISO 8601 text', () => {
    expect(endedAtOf({ at: new Date(1733342400123), atMicros: 1733342400123456 })).toBe('2024-12-04T20:00:00.123456Z');
    expect(endedAtOf({ at: new Date(1733342400000), atMicros: 1733342400000007 })).toBe('2024-12-04T20:00:00.000007Z');
  });

  it('keeps the Date when the platform gave milliseconds only', () => {
    const at = new Date(1733342400123);
    expect(endedAtOf({ at })).toBe(at);
  });
});
