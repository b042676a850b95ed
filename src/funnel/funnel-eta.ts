import { CallingHours, nextWindow } from '../compliance/calling-hours';

/** Why a funnel has no ETA for its queued calls. */
export const ETA_REASONS = [
  'paused',
  'cancelled',
  'completed',
  'nothing-queued',
  'no-free-slots',
  'outside-calling-hours',
  'no-recent-dials',
  'calling-hours-never-open',
  'beyond-horizon',
] as const;
export type EtaReason = (typeof ETA_REASONS)[number];

/** Minutes of dialing the rate is measured over. */
export const RATE_WINDOW_MINUTES = 5;
/** How many calling-hours windows ahead the ETA looks before it gives up. */
const MAX_WINDOWS = 400;

export interface EtaInput {
  now: Date;
  campaignStatus: string;
  /** Not dialed yet: queued, paused or scheduled. */
  queued: number;
  /** Calls dialed per minute lately (0: none dialed in the rate window). */
  dialRatePerMinute: number;
  freeSlots: number;
  /** The campaign's calling hours (or its organization's); null: any time. */
  callingHours: CallingHours | null;
}

export interface EtaResult {
  eta: Date | null;
  etaReason: EtaReason | null;
  /** With calling hours: whether the window is open now, and the next one (the current one while open). */
  callingHoursOpen: boolean | null;
  nextWindow: { opens: Date; closes: Date } | null;
}

/**
 * When the last queued call should be dialed, at the recent dial rate, dialing only inside the calling-hours
 * windows (of the calling hours' own time zone; destinations in other zones may move theirs). Pure: the caller
 * measures the rate and the free slots.
 */
export function estimateEta(input: EtaInput): EtaResult {
  const { now, callingHours } = input;
  const window = callingHours ? nextWindow(callingHours, [], now) : null;
  const open = callingHours ? window !== null && window.opens.getTime() <= now.getTime() : null;
  const result = (eta: Date | null, etaReason: EtaReason | null): EtaResult => ({ eta, etaReason, callingHoursOpen: open, nextWindow: window });
  if (input.campaignStatus === 'paused') return result(null, 'paused');
  if (input.campaignStatus === 'cancelled') return result(null, 'cancelled');
  if (input.queued <= 0) return result(null, input.campaignStatus === 'completed' ? 'completed' : 'nothing-queued');
  if (callingHours && window === null) return result(null, 'calling-hours-never-open');
  if (input.dialRatePerMinute <= 0) {
    if (open === false) return result(null, 'outside-calling-hours');
    return result(null, input.freeSlots <= 0 ? 'no-free-slots' : 'no-recent-dials');
  }
  const perMs = input.dialRatePerMinute / 60_000;
  if (!callingHours) return result(new Date(now.getTime() + input.queued / perMs), null);
  let remaining = input.queued;
  let at = now;
  for (let i = 0; i < MAX_WINDOWS; i++) {
    const w = i === 0 ? window : nextWindow(callingHours, [], at);
    if (!w) return result(null, 'calling-hours-never-open');
    const start = Math.max(w.opens.getTime(), at.getTime());
    const capacity = (w.closes.getTime() - start) * perMs;
    if (remaining <= capacity) return result(new Date(start + remaining / perMs), null);
    remaining -= capacity;
    at = w.closes;
  }
  return result(null, 'beyond-horizon');
}
