/** Interval arithmetic over calls (tests and benchmarks). */
export interface Interval {
  /** ms since the epoch */
  dialed: number;
  ended: number;
}

/** Reads the intervals of GET /status details. */
export function intervalsOf(details: { dialedAt: string; endedAt: string }[]): Interval[] {
  return details.map((d) => ({ dialed: Date.parse(d.dialedAt), ended: Date.parse(d.endedAt) }));
}

/** Largest number of calls between dialed and ended at one instant; at equal instants an end frees its slot first. */
export function maxConcurrency(intervals: Interval[]): number {
  const events = intervals.flatMap((c) => [
    { at: c.dialed, delta: 1 },
    { at: c.ended, delta: -1 },
  ]);
  events.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let current = 0;
  let peak = 0;
  for (const event of events) {
    current += event.delta;
    peak = Math.max(peak, current);
  }
  return peak;
}
