/** Interval arithmetic over the calls of GET /status details. */
export interface CallInterval {
  dialedAt: string;
  endedAt: string;
}

/** Largest number of calls that were between dialing and ended at the same instant. */
export function maxOverlap(calls: CallInterval[]): number {
  const events = calls.flatMap((c) => [
    { at: Date.parse(c.dialedAt), delta: 1 },
    { at: Date.parse(c.endedAt), delta: -1 },
  ]);
  // At equal instants an end frees its slot before a start takes one.
  events.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let current = 0;
  let max = 0;
  for (const event of events) {
    current += event.delta;
    max = Math.max(max, current);
  }
  return max;
}
