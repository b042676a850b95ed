import { DateTime } from 'luxon';
import { CallingHours, effectiveZones, isOpen, nextOpening, nextWindow, validateCallingHours, Weekday, WEEKDAYS } from './calling-hours';
import { timeZonesOf } from './phone-time-zones';

const EVERY_DAY = [...WEEKDAYS];
const WORKDAYS: Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri'];
const hours = (start: string, end: string, days: Weekday[] = EVERY_DAY, timezone?: string): CallingHours => ({ start, end, days, ...(timezone ? { timezone } : {}) });
const utc = (iso: string): Date => new Date(iso);
/** An instant given as a wall-clock time in a zone (for times that exist once). */
const local = (iso: string, zone: string): Date => {
  const dateTime = DateTime.fromISO(iso, { zone });
  if (!dateTime.isValid) throw new Error(`${iso} in ${zone}: ${dateTime.invalidExplanation}`);
  return dateTime.toJSDate();
};
const iso = (date: Date | null | undefined): string | null => date?.toISOString() ?? null;
const MINUTE = 60_000;

describe('validateCallingHours', () => {
  it('accepts a window and gives the days in week order, once each', () => {
    expect(validateCallingHours({ start: '09:00', end: '20:00', days: ['fri', 'mon', 'mon', 'wed'], timezone: 'Asia/Singapore' }, 'callingHours')).toEqual({
      value: { start: '09:00', end: '20:00', days: ['mon', 'wed', 'fri'], timezone: 'Asia/Singapore' },
      errors: [],
    });
  });

  it('accepts "24:00" as an end, and no timezone (null or left out)', () => {
    expect(validateCallingHours({ start: '00:00', end: '24:00', days: ['sun'] }, 'p').value).toEqual({ start: '00:00', end: '24:00', days: ['sun'] });
    expect(validateCallingHours({ start: '18:30', end: '23:59', days: ['sat'], timezone: null }, 'p').value).toEqual({ start: '18:30', end: '23:59', days: ['sat'] });
  });

  it.each([
    ['not an object', 'x', 'callingHours'],
    ['an array', [], 'callingHours'],
    ['a start without a leading zero', { start: '9:00', end: '20:00', days: ['mon'] }, 'callingHours.start'],
    ['a start of 24:00', { start: '24:00', end: '24:00', days: ['mon'] }, 'callingHours.start'],
    ['minutes past 59', { start: '09:60', end: '20:00', days: ['mon'] }, 'callingHours.start'],
    ['a 12-hour time', { start: '09:00', end: '8pm', days: ['mon'] }, 'callingHours.end'],
    ['an hour past 24', { start: '09:00', end: '25:00', days: ['mon'] }, 'callingHours.end'],
    ['a number for a time', { start: 900, end: '20:00', days: ['mon'] }, 'callingHours.start'],
    ['a start after the end (overnight)', { start: '20:00', end: '09:00', days: ['mon'] }, 'callingHours.end'],
    ['a start equal to the end', { start: '09:00', end: '09:00', days: ['mon'] }, 'callingHours.end'],
    ['an end of 00:00', { start: '00:00', end: '00:00', days: ['mon'] }, 'callingHours.end'],
    ['no days', { start: '09:00', end: '20:00', days: [] }, 'callingHours.days'],
    ['days left out', { start: '09:00', end: '20:00' }, 'callingHours.days'],
    ['an unknown day', { start: '09:00', end: '20:00', days: ['mon', 'Tuesday'] }, 'callingHours.days[1]'],
    ['an unknown zone', { start: '09:00', end: '20:00', days: ['mon'], timezone: 'Mars/Olympus_Mons' }, 'callingHours.timezone'],
    ['an offset instead of a zone', { start: '09:00', end: '20:00', days: ['mon'], timezone: '+08:00' }, 'callingHours.timezone'],
    ['a zone with spaces', { start: '09:00', end: '20:00', days: ['mon'], timezone: ' Asia/Singapore' }, 'callingHours.timezone'],
    ['a number for a zone', { start: '09:00', end: '20:00', days: ['mon'], timezone: 8 }, 'callingHours.timezone'],
    ['an unknown setting', { start: '09:00', end: '20:00', days: ['mon'], zone: 'Asia/Singapore' }, 'callingHours.zone'],
  ])('refuses %s', (_what, raw, field) => {
    const result = validateCallingHours(raw, 'callingHours');
    expect(result.value).toBeUndefined();
    expect(result.errors.map((error) => error.field)).toEqual([field]);
    expect(result.errors[0].message).toEqual(expect.any(String));
  });

  it('says that a window may not cross midnight', () => {
    expect(validateCallingHours({ start: '20:00', end: '09:00', days: ['mon'] }, 'callingHours').errors[0].message).toMatch(/midnight/);
  });

  it('reports every wrong field at once', () => {
    const { errors } = validateCallingHours({ start: 'nine', end: 'five', days: ['someday'], timezone: 'Nowhere' }, 'campaign.callingHours');
    expect(errors.map((error) => error.field)).toEqual([
      'campaign.callingHours.start',
      'campaign.callingHours.end',
      'campaign.callingHours.days[0]',
      'campaign.callingHours.timezone',
    ]);
  });
});

describe('effectiveZones', () => {
  it('uses the number’s zones when it has some, else the calling hours’ zone, else UTC', () => {
    expect(effectiveZones(['America/Adak', 'America/Anchorage'], hours('09:00', '20:00', EVERY_DAY, 'Asia/Singapore'))).toEqual(['America/Adak', 'America/Anchorage']);
    expect(effectiveZones([], hours('09:00', '20:00', EVERY_DAY, 'Asia/Singapore'))).toEqual(['Asia/Singapore']);
    expect(effectiveZones([], hours('09:00', '20:00'))).toEqual(['UTC']);
  });

  it('is what isOpen and nextOpening use when given no zones', () => {
    const h = hours('09:00', '17:00', EVERY_DAY, 'Asia/Singapore');
    expect(isOpen(h, [], utc('2026-01-15T01:00:00Z'))).toBe(true); // 09:00 in Singapore
    expect(isOpen(hours('09:00', '17:00'), [], utc('2026-01-15T01:00:00Z'))).toBe(false); // 01:00 UTC
    expect(iso(nextOpening(hours('09:00', '17:00'), [], utc('2026-01-15T01:00:00Z')))).toBe('2026-01-15T09:00:00.000Z');
  });
});

describe('isOpen and nextOpening in one zone', () => {
  const SG = ['Asia/Singapore'];

  it('Singapore (UTC+8, no daylight saving): weekdays 09:00-20:00', () => {
    const h = hours('09:00', '20:00', WORKDAYS);
    expect(isOpen(h, SG, local('2026-03-06T08:59:59', 'Asia/Singapore'))).toBe(false); // Friday
    expect(isOpen(h, SG, local('2026-03-06T09:00', 'Asia/Singapore'))).toBe(true);
    expect(isOpen(h, SG, local('2026-03-06T19:59:59', 'Asia/Singapore'))).toBe(true);
    expect(isOpen(h, SG, local('2026-03-06T20:00', 'Asia/Singapore'))).toBe(false);
    expect(isOpen(h, SG, local('2026-03-07T12:00', 'Asia/Singapore'))).toBe(false); // Saturday
    // Open: the instant itself. Closed: the next weekday's 09:00, Monday's after a Friday evening.
    expect(iso(nextOpening(h, SG, utc('2026-03-06T05:00:00Z')))).toBe('2026-03-06T05:00:00.000Z');
    expect(iso(nextOpening(h, SG, local('2026-03-06T20:00', 'Asia/Singapore')))).toBe('2026-03-09T01:00:00.000Z');
    expect(iso(nextOpening(h, SG, local('2026-03-05T06:30', 'Asia/Singapore')))).toBe('2026-03-05T01:00:00.000Z');
  });

  it('a window to 24:00 closes at the next local midnight; one from 00:00 the day after joins it', () => {
    const mondayEvening = hours('18:00', '24:00', ['mon']);
    expect(isOpen(mondayEvening, SG, local('2026-03-09T23:59:59', 'Asia/Singapore'))).toBe(true);
    expect(isOpen(mondayEvening, SG, local('2026-03-10T00:00', 'Asia/Singapore'))).toBe(false);
    expect(nextWindow(mondayEvening, SG, utc('2026-03-09T00:00:00Z'))).toEqual({ opens: utc('2026-03-09T10:00:00Z'), closes: utc('2026-03-09T16:00:00Z') });
    const allWeek = hours('00:00', '24:00', ['mon', 'tue']);
    expect(isOpen(allWeek, SG, local('2026-03-10T00:00', 'Asia/Singapore'))).toBe(true);
    expect(nextWindow(allWeek, SG, local('2026-03-09T12:00', 'Asia/Singapore'))).toEqual({
      opens: local('2026-03-09T12:00', 'Asia/Singapore'),
      closes: local('2026-03-11T00:00', 'Asia/Singapore'),
    });
  });

  it('days are the callee’s local days: Saturday morning in Auckland is Friday in UTC', () => {
    const h = hours('09:00', '17:00', WORKDAYS);
    const friday2030utc = utc('2026-03-06T20:30:00Z'); // Saturday 09:30 NZDT (UTC+13)
    expect(isOpen(h, ['Pacific/Auckland'], friday2030utc)).toBe(false);
    expect(isOpen(hours('09:00', '17:00', ['sat']), ['Pacific/Auckland'], friday2030utc)).toBe(true);
    // Monday 09:00 in Auckland is still Sunday in UTC.
    expect(iso(nextOpening(h, ['Pacific/Auckland'], friday2030utc))).toBe('2026-03-08T20:00:00.000Z');
  });

  it('America/New_York, spring forward (2026-03-08, 02:00 EST → 03:00 EDT): 09:00 is 14:00Z the day before, 13:00Z that day', () => {
    const h = hours('09:00', '20:00');
    expect(iso(nextOpening(h, ['America/New_York'], utc('2026-03-07T01:00:00Z')))).toBe('2026-03-07T14:00:00.000Z');
    expect(iso(nextOpening(h, ['America/New_York'], utc('2026-03-08T01:00:00Z')))).toBe('2026-03-08T13:00:00.000Z');
    expect(nextWindow(h, ['America/New_York'], utc('2026-03-08T01:00:00Z'))?.closes).toEqual(utc('2026-03-09T00:00:00Z'));
  });

  it('a start in the skipped hour opens at the first instant after it, when the clocks jump (03:00 EDT)', () => {
    const h = hours('02:30', '05:00');
    expect(iso(nextOpening(h, ['America/New_York'], utc('2026-03-08T05:00:00Z')))).toBe('2026-03-08T07:00:00.000Z');
    expect(isOpen(h, ['America/New_York'], utc('2026-03-08T06:59:59Z'))).toBe(false); // 01:59:59 EST
    expect(isOpen(h, ['America/New_York'], utc('2026-03-08T07:00:00Z'))).toBe(true); // 03:00 EDT
    expect(nextWindow(h, ['America/New_York'], utc('2026-03-08T05:00:00Z'))?.closes).toEqual(utc('2026-03-08T09:00:00Z')); // 05:00 EDT
    // The day before and after, 02:30 exists.
    expect(iso(nextOpening(h, ['America/New_York'], utc('2026-03-07T05:00:00Z')))).toBe('2026-03-07T07:30:00.000Z');
    expect(iso(nextOpening(h, ['America/New_York'], utc('2026-03-09T05:00:00Z')))).toBe('2026-03-09T06:30:00.000Z');
  });

  it('an end in the skipped hour closes when the clocks jump; a window inside it does not open that day', () => {
    const h = hours('01:00', '02:30');
    expect(nextWindow(h, ['America/New_York'], utc('2026-03-08T05:00:00Z'))).toEqual({ opens: utc('2026-03-08T06:00:00Z'), closes: utc('2026-03-08T07:00:00Z') });
    const skipped = hours('02:10', '02:50');
    expect(iso(nextOpening(skipped, ['America/New_York'], utc('2026-03-08T05:00:00Z')))).toBe('2026-03-09T06:10:00.000Z');
  });

  it('America/New_York, fall back (2026-11-01, 02:00 EDT → 01:00 EST): the repeated hour does not open a window twice', () => {
    const h = hours('01:30', '03:00');
    // Opens at the first 01:30 (EDT), stays open through the second 01:00-01:30 (EST), closes at 03:00 EST.
    expect(nextWindow(h, ['America/New_York'], utc('2026-11-01T04:00:00Z'))).toEqual({ opens: utc('2026-11-01T05:30:00Z'), closes: utc('2026-11-01T08:00:00Z') });
    expect(isOpen(h, ['America/New_York'], utc('2026-11-01T06:15:00Z'))).toBe(true); // 01:15 EST, before 01:30 on the clock

    // Minute by minute from 00:00 EDT to 05:00 EST: one opening, one closing, and nextOpening never goes back.
    let openings = 0;
    let closings = 0;
    let wasOpen = false;
    let previousNext = 0;
    for (let t = Date.parse('2026-11-01T04:00:00Z'); t <= Date.parse('2026-11-01T10:00:00Z'); t += MINUTE) {
      const open = isOpen(h, ['America/New_York'], new Date(t));
      if (open && !wasOpen) openings++;
      if (!open && wasOpen) closings++;
      wasOpen = open;
      const next = nextOpening(h, ['America/New_York'], new Date(t))!.getTime();
      expect(next).toBeGreaterThanOrEqual(previousNext);
      expect(next === t).toBe(open);
      previousNext = next;
    }
    expect([openings, closings]).toEqual([1, 1]);
  });

  it('a window that closed at the first 01:30 does not reopen in the repeated hour', () => {
    const h = hours('00:00', '01:30');
    expect(nextWindow(h, ['America/New_York'], utc('2026-11-01T04:00:00Z'))).toEqual({ opens: utc('2026-11-01T04:00:00Z'), closes: utc('2026-11-01T05:30:00Z') });
    expect(isOpen(h, ['America/New_York'], utc('2026-11-01T06:10:00Z'))).toBe(false); // 01:10 EST
    expect(iso(nextOpening(h, ['America/New_York'], utc('2026-11-01T06:10:00Z')))).toBe('2026-11-02T05:00:00.000Z');
  });

  it('Europe/London: BST from 2026-03-29 01:00 UTC to 2026-10-25 01:00 UTC', () => {
    const h = hours('09:00', '17:00');
    expect(iso(nextOpening(h, ['Europe/London'], utc('2026-03-28T00:00:00Z')))).toBe('2026-03-28T09:00:00.000Z');
    expect(iso(nextOpening(h, ['Europe/London'], utc('2026-03-29T00:00:00Z')))).toBe('2026-03-29T08:00:00.000Z');
    expect(iso(nextOpening(h, ['Europe/London'], utc('2026-10-25T00:00:00Z')))).toBe('2026-10-25T09:00:00.000Z');
    // 01:30 does not exist on 2026-03-29: opens at 02:00 BST.
    expect(iso(nextOpening(hours('01:30', '04:00'), ['Europe/London'], utc('2026-03-29T00:00:00Z')))).toBe('2026-03-29T01:00:00.000Z');
    // 01:15-01:45 happens twice on 2026-10-25: open the first time only.
    const twice = hours('01:15', '01:45');
    expect(nextWindow(twice, ['Europe/London'], utc('2026-10-24T23:00:00Z'))).toEqual({ opens: utc('2026-10-25T00:15:00Z'), closes: utc('2026-10-25T00:45:00Z') });
    expect(isOpen(twice, ['Europe/London'], utc('2026-10-25T01:20:00Z'))).toBe(false);
  });

  it('Australia/Lord_Howe: a half-hour jump (02:00 → 02:30 on 2026-10-04) is handled the same way', () => {
    expect(iso(nextOpening(hours('02:15', '05:00'), ['Australia/Lord_Howe'], utc('2026-10-03T12:00:00Z')))).toBe('2026-10-03T15:30:00.000Z');
    expect(local('2026-10-04T02:30', 'Australia/Lord_Howe')).toEqual(utc('2026-10-03T15:30:00Z'));
  });

  it('refuses zones unknown to the platform and windows that were not validated', () => {
    expect(() => isOpen(hours('09:00', '20:00'), ['Mars/Olympus_Mons'], utc('2026-01-01T00:00:00Z'))).toThrow(RangeError);
    expect(() => nextOpening(hours('20:00', '09:00'), ['UTC'], utc('2026-01-01T00:00:00Z'))).toThrow(RangeError);
    expect(() => isOpen(hours('09:00', '20:00', ['funday' as Weekday]), ['UTC'], utc('2026-01-01T00:00:00Z'))).toThrow(RangeError);
  });
});

describe('several zones: open only where the window is open in all of them', () => {
  it('+1 907 (Alaska: Anchorage and Adak): opens at 09:00 in Adak, closes at 20:00 in Anchorage', async () => {
    const zones = await timeZonesOf('+19075551234');
    expect(zones).toEqual(['America/Adak', 'America/Anchorage']);
    const h = hours('09:00', '20:00');
    // January: Anchorage UTC-9, Adak UTC-10.
    expect(nextWindow(h, zones, utc('2026-01-15T12:00:00Z'))).toEqual({ opens: utc('2026-01-15T19:00:00Z'), closes: utc('2026-01-16T05:00:00Z') });
    expect(isOpen(h, zones, utc('2026-01-15T18:30:00Z'))).toBe(false); // 09:30 in Anchorage, 08:30 in Adak
    expect(isOpen(h, ['America/Anchorage'], utc('2026-01-15T18:30:00Z'))).toBe(true);
    expect(isOpen(h, zones, utc('2026-01-16T04:59:00Z'))).toBe(true); // 19:59 in Anchorage
    expect(isOpen(h, zones, utc('2026-01-16T05:00:00Z'))).toBe(false);
  });

  it('+62 811 (Indonesian mobile: Jakarta UTC+7 and Makassar UTC+8): 02:00Z to 12:00Z', async () => {
    const zones = await timeZonesOf('+628112345678');
    expect(zones).toEqual(['Asia/Jakarta', 'Asia/Makassar']);
    expect(nextWindow(hours('09:00', '20:00'), zones, utc('2026-05-04T00:00:00Z'))).toEqual({ opens: utc('2026-05-04T02:00:00Z'), closes: utc('2026-05-04T12:00:00Z') });
  });

  it('+61 4 (Australian mobile: eight zones, from Cocos UTC+6:30 to Lord Howe UTC+11 in January)', async () => {
    const zones = await timeZonesOf('+61412345678');
    expect(zones).toHaveLength(8);
    // 09:00 in Cocos (02:30Z) to 20:00 on Lord Howe (09:00Z).
    expect(nextWindow(hours('09:00', '20:00'), zones, utc('2026-01-15T00:00:00Z'))).toEqual({ opens: utc('2026-01-15T02:30:00Z'), closes: utc('2026-01-15T09:00:00Z') });
  });

  it('the days filter applies to each zone’s local date', () => {
    // Monday only, in Singapore (UTC+8) and London (UTC+0 in January): Monday 09:00 in London is 17:00 in Singapore.
    const h = hours('09:00', '20:00', ['mon']);
    expect(nextWindow(h, ['Asia/Singapore', 'Europe/London'], utc('2026-01-14T00:00:00Z'))).toEqual({
      opens: utc('2026-01-19T09:00:00Z'),
      closes: utc('2026-01-19T12:00:00Z'),
    });
  });

  it('a NANP toll-free number (42 zones, Guam to Pago Pago and Newfoundland) leaves 30 minutes of a 09:00-20:00 window', async () => {
    const nanp = await timeZonesOf('+18005550123');
    expect(nanp.length).toBeGreaterThan(40);
    // 23:00Z is 09:00 in Guam (UTC+10, already the next day), 12:00 in Pago Pago (UTC-11), 19:30 in St John's (UTC-3:30).
    expect(nextWindow(hours('09:00', '20:00'), nanp, utc('2026-01-15T00:00:00Z'))).toEqual({ opens: utc('2026-01-15T23:00:00Z'), closes: utc('2026-01-15T23:30:00Z') });
    expect(nextOpening(hours('09:00', '17:00'), nanp, utc('2026-01-15T00:00:00Z'))).toBeNull();
  });

  it('null when the windows never overlap: Singapore and New York mornings', () => {
    expect(nextOpening(hours('09:00', '12:00'), ['Asia/Singapore', 'America/New_York'], utc('2026-01-15T00:00:00Z'))).toBeNull();
    expect(isOpen(hours('09:00', '12:00'), ['Asia/Singapore', 'America/New_York'], utc('2026-01-15T02:00:00Z'))).toBe(false);
  });

  it('looks 8 days ahead: a window one day a week is always found', () => {
    const h = hours('09:00', '10:00', ['mon']);
    expect(iso(nextOpening(h, ['Pacific/Kiritimati'], local('2026-01-19T10:00', 'Pacific/Kiritimati')))).toBe(iso(local('2026-01-26T09:00', 'Pacific/Kiritimati')));
    expect(iso(nextOpening(h, ['Pacific/Pago_Pago'], local('2026-01-19T10:00', 'Pacific/Pago_Pago')))).toBe(iso(local('2026-01-26T09:00', 'Pacific/Pago_Pago')));
  });
});

describe('agreement with a plain wall-clock check', () => {
  const ZONES = ['America/New_York', 'Europe/London', 'Asia/Singapore', 'Australia/Sydney', 'Australia/Lord_Howe', 'America/Santiago', 'Asia/Tehran', 'Pacific/Chatham', 'America/St_Johns', 'Asia/Kathmandu', 'Africa/Casablanca', 'UTC'];
  let state = 12345;
  const random = (): number => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const time = (minutes: number): string => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
  const randomHours = (): CallingHours => {
    const start = Math.floor(random() * 1380);
    const end = start + 1 + Math.floor(random() * (1440 - start));
    const days = WEEKDAYS.filter(() => random() < 0.6);
    return hours(time(start), time(end), days.length > 0 ? days : ['wed']);
  };
  /** Open by the wall clock: the local weekday is allowed and start <= local time < end. Right away from offset changes. */
  const wallClockOpen = (h: CallingHours, zone: string, t: number): boolean => {
    const dateTime = DateTime.fromMillis(t, { zone });
    const minutes = dateTime.hour * 60 + dateTime.minute;
    const [startH, startM] = h.start.split(':').map(Number);
    const [endH, endM] = h.end.split(':').map(Number);
    return h.days.includes(WEEKDAYS[dateTime.weekday - 1]) && startH * 60 + startM <= minutes && minutes < endH * 60 + endM;
  };
  const steadyOffset = (zone: string, t: number): boolean =>
    DateTime.fromMillis(t - 86_400_000, { zone }).offset === DateTime.fromMillis(t, { zone }).offset &&
    DateTime.fromMillis(t + 86_400_000, { zone }).offset === DateTime.fromMillis(t, { zone }).offset;

  it('isOpen is luxon’s wall clock wherever the offset is steady, in zones with odd offsets and rules', () => {
    const from = Date.parse('2025-01-01T00:00:00Z');
    const span = 4 * 365 * 86_400_000;
    let compared = 0;
    for (let n = 0; n < 4000; n++) {
      const zone = pick(ZONES);
      const h = randomHours();
      const t = from + Math.floor(random() * span / 1000) * 1000;
      if (!steadyOffset(zone, t)) continue;
      compared++;
      expect({ zone, h, at: new Date(t).toISOString(), open: isOpen(h, [zone], new Date(t)) }).toEqual({ zone, h, at: new Date(t).toISOString(), open: wallClockOpen(h, zone, t) });
    }
    expect(compared).toBeGreaterThan(3500);
  });

  it('nextOpening is open, and nothing before it is (sampled), in one to three zones', () => {
    const from = Date.parse('2026-01-01T00:00:00Z');
    for (let n = 0; n < 300; n++) {
      const zones = [...new Set([pick(ZONES), pick(ZONES), pick(ZONES)].slice(0, 1 + Math.floor(random() * 3)))];
      const h = randomHours();
      const at = from + Math.floor(random() * 365 * 1440) * MINUTE;
      const next = nextOpening(h, zones, new Date(at));
      const until = next?.getTime() ?? at + 8 * 86_400_000;
      if (next !== null) {
        expect(next.getTime()).toBeGreaterThanOrEqual(at);
        expect(isOpen(h, zones, next)).toBe(true);
        if (next.getTime() > at) expect(isOpen(h, zones, new Date(next.getTime() - 1000))).toBe(false);
      }
      for (let k = 0; k < 20; k++) {
        const t = at + Math.floor(random() * (until - at));
        if (t < until) expect({ zones, h, at: new Date(at).toISOString(), t: new Date(t).toISOString(), open: isOpen(h, zones, new Date(t)) }).toMatchObject({ open: false });
      }
    }
  });
});

describe('validateCallingHours: unknown fields (issue 14)', () => {
  it('refuses a misspelt field with a "did you mean" hint, and an unrelated one with the known fields', () => {
    expect(validateCallingHours({ start: '09:00', end: '20:00', days: ['mon'], timeZone: 'Asia/Singapore', from: '08:00' }, 'callingHours').errors).toEqual([
      { field: 'callingHours.timeZone', message: 'unknown field; did you mean "timezone"?' },
      { field: 'callingHours.from', message: 'unknown field; expected one of start, end, days, timezone' },
    ]);
  });
});
