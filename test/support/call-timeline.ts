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

/**
 * The slots each group of calls holds at every instant something happens (a dial or an end), from their
 * intervals; at equal instants the ends come first. `until`: only instants before it.
 */
export function holdingsOverTime(groups: Record<string, Interval[]>, until = Infinity): { at: number; held: Record<string, number> }[] {
  const events = Object.entries(groups).flatMap(([group, intervals]) =>
    intervals.flatMap((c) => [
      { at: c.dialed, group, delta: 1 },
      { at: c.ended, group, delta: -1 },
    ]),
  );
  events.sort((a, b) => a.at - b.at || a.delta - b.delta);
  const held: Record<string, number> = Object.fromEntries(Object.keys(groups).map((g) => [g, 0]));
  const out: { at: number; held: Record<string, number> }[] = [];
  for (let i = 0; i < events.length; i++) {
    held[events[i].group] += events[i].delta;
    // One sample per instant, after every event of that instant.
    if (events[i + 1]?.at === events[i].at || events[i].at >= until) continue;
    out.push({ at: events[i].at, held: { ...held } });
  }
  return out;
}
