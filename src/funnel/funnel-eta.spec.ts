import { estimateEta, EtaInput } from './funnel-eta';

const base: EtaInput = {
  now: new Date('2026-12-07T10:00:00Z'), // a Monday
  campaignStatus: 'onProgress',
  queued: 600,
  dialRatePerMinute: 60,
  freeSlots: 2,
  callingHours: null,
};

describe('estimateEta', () => {
  it('divides the queued calls by the recent dial rate', () => {
    expect(estimateEta(base)).toMatchObject({ eta: new Date('2026-12-07T10:10:00Z'), etaReason: null, callingHoursOpen: null });
  });

  it('gives no ETA for a paused, cancelled or finished campaign, or without dials', () => {
    expect(estimateEta({ ...base, campaignStatus: 'paused' })).toMatchObject({ eta: null, etaReason: 'paused' });
    expect(estimateEta({ ...base, campaignStatus: 'cancelled' })).toMatchObject({ eta: null, etaReason: 'cancelled' });
    expect(estimateEta({ ...base, campaignStatus: 'completed', queued: 0 })).toMatchObject({ eta: null, etaReason: 'completed' });
    expect(estimateEta({ ...base, queued: 0 })).toMatchObject({ eta: null, etaReason: 'nothing-queued' });
    expect(estimateEta({ ...base, dialRatePerMinute: 0 })).toMatchObject({ eta: null, etaReason: 'no-recent-dials' });
    expect(estimateEta({ ...base, dialRatePerMinute: 0, freeSlots: 0 })).toMatchObject({ eta: null, etaReason: 'no-free-slots' });
  });

  it('dials only inside the calling-hours windows', () => {
    const callingHours = { start: '09:00', end: '10:30', days: ['mon', 'tue'] as const, timezone: 'UTC' };
    // 30 minutes left today at 60/min = 1800 calls; 2400 queued: 600 more on Tuesday from 09:00.
    const eta = estimateEta({ ...base, queued: 2400, callingHours: { ...callingHours, days: [...callingHours.days] } });
    expect(eta).toMatchObject({ eta: new Date('2026-12-08T09:10:00Z'), etaReason: null, callingHoursOpen: true });
    // Tuesday's window is too short for 7000: Monday of the next week.
    expect(estimateEta({ ...base, queued: 1800 + 5400 + 60, callingHours: { ...callingHours, days: [...callingHours.days] } }).eta).toEqual(
      new Date('2026-12-14T09:01:00Z'),
    );
  });

  it('says when the window is closed and nothing was dialed lately', () => {
    const callingHours = { start: '11:00', end: '12:00', days: ['mon' as const], timezone: 'UTC' };
    expect(estimateEta({ ...base, dialRatePerMinute: 0, callingHours })).toMatchObject({
      eta: null,
      etaReason: 'outside-calling-hours',
      callingHoursOpen: false,
      nextWindow: { opens: new Date('2026-12-07T11:00:00Z'), closes: new Date('2026-12-07T12:00:00Z') },
    });
    // With a rate (measured before the window closed), the ETA starts at the next opening.
    expect(estimateEta({ ...base, queued: 60, callingHours }).eta).toEqual(new Date('2026-12-07T11:01:00Z'));
  });
});
