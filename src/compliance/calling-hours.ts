import { IANAZone } from 'luxon';
import { FieldError } from '../common/field-error';
import { unknownFieldErrors } from '../common/unknown-fields';

/*
 * Calling hours in the callee's local time: a daily window, on some days of the week, checked in each of the
 * time zones a destination may be in.
 *
 * Meaning of a window, in one zone, for a local date whose weekday is allowed: it opens at the first instant of
 * that date whose wall-clock time is `start` or later, and closes at the first instant whose wall-clock time is
 * `end` or later ("24:00": the first instant of the next date). So, across daylight-saving changes:
 *   - a start in the hour skipped in spring (02:30 in New York on 2026-03-08) opens when the clocks jump, at 03:00;
 *     a window wholly inside the skipped hour does not open that day;
 *   - the hour repeated in autumn is open or closed as a whole: a window that opened at 01:30 EDT stays open through
 *     the second 01:00-01:30 (EST) and never opens twice; one that closed at its first 01:30 does not reopen;
 *   - the window's length in hours changes with the day, its wall-clock times do not.
 * Offsets come from the IANA time-zone database of the platform's Intl, through luxon: none is written here.
 *
 * Several zones (a number that can be in any of them, e.g. +1 907 in Anchorage or Adak): the call may be placed
 * only while the window is open in every zone, i.e. from the latest of the zones' openings to the earliest of
 * their closings. That can be short: the 42 zones of a NANP toll-free number (Guam, UTC+10, to Pago Pago, UTC-11,
 * and St John's, UTC-3:30) share 30 minutes a day of a 09:00-20:00 window, and none of a 09:00-17:00 one. When
 * the windows never overlap, nextOpening() returns null and the caller decides what to do with the call.
 *
 * Everything here is pure: the caller passes the instant; nothing reads the clock.
 */

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface CallingHours {
  /** "HH:mm", 24 h, local time; inclusive. */
  start: string;
  /** "HH:mm", 24 h, local time, later than `start`; exclusive; "24:00" for the end of the day. */
  end: string;
  /** Days of the week on which the window opens, by local date; at least one. */
  days: Weekday[];
  /** IANA zone for destinations whose number tells no zone. */
  timezone?: string;
}

/** How far ahead nextOpening() looks: a window open on one weekday only, plus the spread of the zones' offsets. */
export const SEARCH_HORIZON_MS = 8 * 86_400_000;
/** The zone of destinations for which neither the number nor the calling hours tell one. */
export const FALLBACK_ZONE = 'UTC';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const START_TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;
const END_TIME = /^(?:([01]\d|2[0-3]):([0-5]\d)|(24):(00))$/;
/** The fields of a calling-hours window; any other is refused by name, with a "did you mean" hint. */
const KNOWN_KEYS = ['start', 'end', 'days', 'timezone'] as const;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Minutes since midnight of "HH:mm" (0 to 1440), or undefined when the text is not such a time. */
function minutesOf(text: string, pattern: RegExp): number | undefined {
  const match = pattern.exec(text);
  if (!match) return undefined;
  const hours = Number(match[1] ?? match[3]);
  const minutes = Number(match[2] ?? match[4]);
  return hours * 60 + minutes;
}

/** Checks a campaign's (or an organization's) `callingHours`; field paths under `path`, e.g. `callingHours.start`. */
export function validateCallingHours(raw: unknown, path: string): { value?: CallingHours; errors: FieldError[] } {
  const example = '{"start": "09:00", "end": "20:00", "days": ["mon", "tue", "wed", "thu", "fri"], "timezone": "Asia/Singapore"}';
  if (!isObject(raw)) return { errors: [{ field: path, message: `must be an object such as ${example}` }] };
  const errors: FieldError[] = [];
  errors.push(...unknownFieldErrors(raw, KNOWN_KEYS, path));

  let start: number | undefined;
  if (typeof raw.start !== 'string' || (start = minutesOf(raw.start, START_TIME)) === undefined) {
    errors.push({ field: `${path}.start`, message: 'must be a 24-hour time "HH:mm" from "00:00" to "23:59"' });
  }
  let end: number | undefined;
  if (typeof raw.end !== 'string' || (end = minutesOf(raw.end, END_TIME)) === undefined) {
    errors.push({ field: `${path}.end`, message: 'must be a 24-hour time "HH:mm" from "00:01" to "24:00"' });
  } else if (start !== undefined && end <= start) {
    errors.push({
      field: `${path}.end`,
      message: `must be later than start (${String(raw.start)}): a window may not run past midnight; use "24:00" to call until the end of the day`,
    });
  }

  const days: Weekday[] = [];
  if (!Array.isArray(raw.days) || raw.days.length === 0) {
    errors.push({ field: `${path}.days`, message: `must be a non-empty list of days of the week: ${WEEKDAYS.join(', ')}` });
  } else {
    raw.days.forEach((day: unknown, index) => {
      if (typeof day === 'string' && (WEEKDAYS as readonly string[]).includes(day)) {
        if (!days.includes(day as Weekday)) days.push(day as Weekday);
      } else {
        errors.push({ field: `${path}.days[${index}]`, message: `must be one of ${WEEKDAYS.join(', ')}` });
      }
    });
  }

  let timezone: string | undefined;
  if (raw.timezone !== undefined && raw.timezone !== null) {
    if (typeof raw.timezone === 'string' && /^[A-Za-z]/.test(raw.timezone) && IANAZone.isValidZone(raw.timezone)) timezone = raw.timezone;
    else errors.push({ field: `${path}.timezone`, message: 'must be an IANA time zone name such as "Asia/Singapore" or "America/New_York"' });
  }

  if (errors.length > 0) return { errors };
  const value: CallingHours = {
    start: raw.start as string,
    end: raw.end as string,
    days: WEEKDAYS.filter((day) => days.includes(day)),
  };
  if (timezone !== undefined) value.timezone = timezone;
  return { value, errors };
}

/**
 * The zones a destination's calls are checked in: the zones of its number when it has any, else the calling
 * hours' `timezone`, else UTC (FALLBACK_ZONE: an organization that sets neither a zone nor numbers with known
 * zones gets a window it can still reason about, and the API documents it).
 */
export function effectiveZones(numberZones: readonly string[], hours: CallingHours): string[] {
  if (numberZones.length > 0) return [...new Set(numberZones)];
  return [hours.timezone ?? FALLBACK_ZONE];
}

/** Is `at` inside the window in every one of `zones` (no zones: the zones effectiveZones() would give)? */
export function isOpen(hours: CallingHours, zones: readonly string[], at: Date): boolean {
  const window = compile(hours);
  const ts = at.getTime();
  return zonesOrDefault(zones, hours).every((name) => {
    const zone = zoneOf(name);
    const today = localDay(zone, ts);
    // A window belongs to one local date and ends by that date's end, so only today's (and, in case a
    // spring-forward gap pushed yesterday's end past midnight, yesterday's) can contain `at`.
    for (const day of [today, today - DAY_MS]) {
      const interval = windowOn(zone, window, day);
      if (interval !== null && interval.opens <= ts && ts < interval.closes) return true;
    }
    return false;
  });
}

/**
 * The earliest instant at or after `at` at which the window is open in every zone: the latest opening among
 * the zones whose windows overlap. Null when there is none within SEARCH_HORIZON_MS (8 days), e.g. windows that
 * never overlap across the zones.
 */
export function nextOpening(hours: CallingHours, zones: readonly string[], at: Date): Date | null {
  return nextWindow(hours, zones, at)?.opens ?? null;
}

/**
 * Like nextOpening(), with the instant at which that opening closes again in one of the zones (so a dispatcher
 * can stop releasing calls then). `opens` is `at` itself while the window is open.
 */
export function nextWindow(hours: CallingHours, zones: readonly string[], at: Date): { opens: Date; closes: Date } | null {
  const window = compile(hours);
  const from = at.getTime();
  const until = from + SEARCH_HORIZON_MS;
  let common: Interval[] | null = null;
  for (const name of zonesOrDefault(zones, hours)) {
    // A window found just before the horizon is kept whole (up to a day more) so that `closes` is true.
    const intervals = windowsBetween(zoneOf(name), window, from, until + DAY_MS);
    common = common === null ? intervals : intersect(common, intervals);
    if (common.length === 0) return null;
  }
  const first = common?.[0];
  if (first === undefined || first.opens > until) return null;
  return { opens: new Date(first.opens), closes: new Date(first.closes) };
}

interface CompiledWindow {
  start: number;
  end: number;
  /** Allowed days, indexed like Date.getUTCDay(): 0 = Sunday. */
  days: boolean[];
}

interface Interval {
  opens: number;
  closes: number;
}

function compile(hours: CallingHours): CompiledWindow {
  const start = minutesOf(hours.start, START_TIME);
  const end = minutesOf(hours.end, END_TIME);
  const dayIndexes = hours.days.map((day) => WEEKDAYS.indexOf(day));
  if (start === undefined || end === undefined || end <= start || dayIndexes.includes(-1)) {
    throw new RangeError(`calling hours ${JSON.stringify(hours)} are not valid: check them with validateCallingHours()`);
  }
  const days = [false, false, false, false, false, false, false];
  for (const index of dayIndexes) days[(index + 1) % 7] = true;
  return { start, end, days };
}

function zonesOrDefault(zones: readonly string[], hours: CallingHours): readonly string[] {
  return zones.length > 0 ? zones : effectiveZones([], hours);
}

/**
 * A zone's UTC offsets, memoized. Asking Intl (luxon's IANAZone.offset) costs about 4 µs, and a search for the
 * next opening asks dozens of times per zone; so the offsets of each 4-day block of time are read once: at both
 * ends and in the middle, and where they differ the instant of each change is found to the second by bisection.
 * This assumes no zone changes its offset twice within 2 days (none in the IANA database since clocks were
 * standardized; offset changes are months apart, at the least weeks). Values are exactly Intl's; nothing is
 * computed from rules written here.
 */
class ZoneOffsets {
  private static readonly BLOCK_MS = 4 * DAY_MS;
  private static readonly MAX_BLOCKS = 4096;
  /** Per block: the instants from which each offset applies (the first is the block's start), and the offsets in ms. */
  private readonly blocks = new Map<number, { from: number[]; offset: number[] }>();

  constructor(private readonly zone: IANAZone) {}

  offsetMs(ts: number): number {
    const index = Math.floor(ts / ZoneOffsets.BLOCK_MS);
    let block = this.blocks.get(index);
    if (block === undefined) {
      if (this.blocks.size >= ZoneOffsets.MAX_BLOCKS) this.blocks.clear();
      block = this.read(index * ZoneOffsets.BLOCK_MS, (index + 1) * ZoneOffsets.BLOCK_MS);
      this.blocks.set(index, block);
    }
    let i = block.from.length - 1;
    while (i > 0 && block.from[i] > ts) i--;
    return block.offset[i];
  }

  private intl(ts: number): number {
    return this.zone.offset(ts) * MINUTE_MS;
  }

  private read(start: number, end: number): { from: number[]; offset: number[] } {
    const block = { from: [start], offset: [this.intl(start)] };
    this.changes(start / 1000, end / 1000, block.offset[0], this.intl(end), block);
    return block;
  }

  /** Appends the offset changes in (lo, hi] seconds, given the offsets at both ends. */
  private changes(lo: number, hi: number, atLo: number, atHi: number, block: { from: number[]; offset: number[] }): void {
    if (hi - lo <= 1) {
      if (atHi !== atLo) {
        block.from.push(hi * 1000);
        block.offset.push(atHi);
      }
      return;
    }
    const mid = Math.floor((lo + hi) / 2);
    const atMid = this.intl(mid * 1000);
    // Same offset at both ends and in the middle: taken as unchanged (two changes within two days do not occur).
    if (atLo === atHi && atMid === atLo) return;
    this.changes(lo, mid, atLo, atMid, block);
    this.changes(mid, hi, atMid, atHi, block);
  }
}

const zoneOffsets = new Map<string, ZoneOffsets>();

function zoneOf(name: string): ZoneOffsets {
  let offsets = zoneOffsets.get(name);
  if (offsets === undefined) {
    const zone = IANAZone.create(name);
    if (!zone.isValid) throw new RangeError(`${JSON.stringify(name)} is not an IANA time zone known to this platform`);
    zoneOffsets.set(name, (offsets = new ZoneOffsets(zone)));
  }
  return offsets;
}

/** The local date of `ts` in `zone`, as the UTC midnight of that calendar date (a day number in ms). */
function localDay(zone: ZoneOffsets, ts: number): number {
  const wall = ts + zone.offsetMs(ts);
  return wall - (((wall % DAY_MS) + DAY_MS) % DAY_MS);
}

/** The window of local date `day` (see localDay), or null when its weekday is not allowed or it is empty. */
function windowOn(zone: ZoneOffsets, window: CompiledWindow, day: number): Interval | null {
  if (!window.days[new Date(day).getUTCDay()]) return null;
  const opens = firstInstantAtOrAfter(zone, day + window.start * MINUTE_MS);
  const closes = firstInstantAtOrAfter(zone, day + window.end * MINUTE_MS);
  return closes > opens ? { opens, closes } : null;
}

/** The windows in `zone` that overlap [from, until), clipped to it, in order. */
function windowsBetween(zone: ZoneOffsets, window: CompiledWindow, from: number, until: number): Interval[] {
  const intervals: Interval[] = [];
  const last = localDay(zone, until);
  for (let day = localDay(zone, from) - DAY_MS; day <= last; day += DAY_MS) {
    const interval = windowOn(zone, window, day);
    if (interval === null || interval.closes <= from || interval.opens >= until) continue;
    const opens = Math.max(interval.opens, from);
    const closes = Math.min(interval.closes, until);
    const previous = intervals[intervals.length - 1];
    // A window to 24:00 followed by one from 00:00 is one stretch of open time.
    if (previous !== undefined && opens <= previous.closes) previous.closes = Math.max(previous.closes, closes);
    else intervals.push({ opens, closes });
  }
  return intervals;
}

/** The instants in both lists (each sorted and non-overlapping). */
function intersect(a: Interval[], b: Interval[]): Interval[] {
  const out: Interval[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const opens = Math.max(a[i].opens, b[j].opens);
    const closes = Math.min(a[i].closes, b[j].closes);
    const previous = out[out.length - 1];
    if (opens < closes) {
      if (previous !== undefined && opens <= previous.closes) previous.closes = closes;
      else out.push({ opens, closes });
    }
    if (a[i].closes < b[j].closes) i++;
    else j++;
  }
  return out;
}

/**
 * The first instant whose wall-clock time in `zone` is `wall` (a local date and time written as if it were UTC)
 * or later: the instant itself when that time exists once; its first occurrence when the clocks went back over
 * it; the instant the clocks jumped forward when it was skipped.
 */
function firstInstantAtOrAfter(zone: ZoneOffsets, wall: number): number {
  // The offsets in force a day before and a day after; any instant showing `wall` has one of them.
  const before = zone.offsetMs(wall - DAY_MS);
  const after = zone.offsetMs(wall + DAY_MS);
  const candidates = [wall - before, wall - after].filter((ts) => zone.offsetMs(ts) === wall - ts);
  if (candidates.length > 0) return Math.min(...candidates);
  // Skipped: the clocks went from `before` to `after` at an instant T with T + before <= wall < T + after,
  // so T is in (wall - after, wall - before]. Find it; offsets change on whole seconds.
  let lo = Math.floor((wall - after) / 1000); // in seconds; offset `before` here
  let hi = Math.ceil((wall - before) / 1000); // offset `after` here
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (zone.offsetMs(mid * 1000) === after) hi = mid;
    else lo = mid;
  }
  return hi * 1000;
}
