import { CallingHours, effectiveZones, isOpen, nextOpening } from './calling-hours';
import { loadPhoneTimeZones } from './phone-time-zones';

export interface CallTiming {
  /** The callee's zones from the number ([] when unknown: the window's own timezone, else UTC, applies). */
  timeZones: readonly string[];
  /** Set when the window is closed now: when it opens next. */
  nextAttemptAt: Date | null;
}

/** When no window can be found (zones whose windows never overlap), look again a day later. */
const LOOK_AGAIN_MS = 24 * 3_600_000;

/**
 * For a campaign with calling hours: each destination's zones, and whether it must wait for its
 * window, as of `now`. Null when no calling hours apply. Windows are computed per set of zones once.
 */
export async function planCallingHours(hours: CallingHours | null, now: Date): Promise<((phone: string) => CallTiming) | null> {
  if (!hours) return null;
  const table = await loadPhoneTimeZones();
  // zonesOf() answers the same (frozen) array for the same zones: it is the cache key.
  const byZones = new Map<readonly string[], Date | null>();
  return (phone) => {
    const timeZones = table.zonesOf(phone);
    let nextAttemptAt = byZones.get(timeZones);
    if (nextAttemptAt === undefined) {
      const zones = effectiveZones(timeZones, hours);
      nextAttemptAt = isOpen(hours, zones, now) ? null : (nextOpening(hours, zones, now) ?? new Date(now.getTime() + LOOK_AGAIN_MS));
      byZones.set(timeZones, nextAttemptAt);
    }
    return { timeZones, nextAttemptAt };
  };
}

/**
 * When each destination may first be dialed: not before the campaign's `startAt`, then in its calling hours
 * as they are from then on. Null when neither holds anything back.
 */
export async function planFirstAttempts(hours: CallingHours | null, now: Date, startAt: Date | null): Promise<((phone: string) => Partial<CallTiming>) | null> {
  const later = startAt && startAt > now ? startAt : null;
  const timing = await planCallingHours(hours, later ?? now);
  if (!later) return timing;
  return (phone) => {
    const inHours = timing?.(phone);
    return { timeZones: inHours?.timeZones, nextAttemptAt: inHours?.nextAttemptAt ?? later };
  };
}
