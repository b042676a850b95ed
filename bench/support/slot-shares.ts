/** How campaigns shared the slots, from their calls' dialed/ended instants (the dispatch benchmark's 4-campaign run). */

export interface HeldInterval {
  dialed: number;
  ended: number;
}

/** Slot-milliseconds the calls held within [from, to): each call holds its slot from dialed to ended. */
export function slotTimeWithin(intervals: HeldInterval[], from: number, to: number): number {
  let total = 0;
  for (const c of intervals) total += Math.max(0, Math.min(c.ended, to) - Math.max(c.dialed, from));
  return total;
}

/** Calls dialed within [from, to]. */
export function dialsWithin(intervals: HeldInterval[], from: number, to: number): number {
  return intervals.filter((c) => c.dialed >= from && c.dialed <= to).length;
}

export interface InstantDeviation {
  /** Largest |held − weight share of the slots the groups held together| at any instant of the window, in slots. */
  maxSlots: number;
  /** Part of the window during which the group was within 1 slot of its weight share. */
  withinOneSlot: number;
  /** The instant of the largest deviation (relative to the same origin as the intervals) and what every group held then. */
  worst: { at: number; held: Record<string, number> };
}

/**
 * Instant by instant within [from, to): the slots each group holds against its weight's part of the slots the
 * groups hold together (at equal instants an end frees its slot before a dial takes one).
 */
export function instantDeviation(groups: Record<string, { weight: number; intervals: HeldInterval[] }>, from: number, to: number): Record<string, InstantDeviation> {
  const names = Object.keys(groups);
  const weightSum = names.reduce((sum, g) => sum + groups[g].weight, 0);
  const events = names.flatMap((group) =>
    groups[group].intervals.flatMap((c) => [
      { at: c.dialed, group, delta: 1 },
      { at: c.ended, group, delta: -1 },
    ]),
  );
  events.sort((a, b) => a.at - b.at || a.delta - b.delta);
  const held: Record<string, number> = Object.fromEntries(names.map((g) => [g, 0]));
  const result: Record<string, { maxSlots: number; inside: number; worst: { at: number; held: Record<string, number> } }> = Object.fromEntries(
    names.map((g) => [g, { maxSlots: 0, inside: 0, worst: { at: from, held: {} } }]),
  );
  for (let i = 0; i < events.length; i++) {
    held[events[i].group] += events[i].delta;
    const start = Math.max(events[i].at, from);
    const end = Math.min(events[i + 1]?.at ?? events[i].at, to);
    if (end <= start) continue;
    const together = names.reduce((sum, g) => sum + held[g], 0);
    for (const g of names) {
      const deviation = Math.abs(held[g] - (together * groups[g].weight) / weightSum);
      if (deviation > result[g].maxSlots) result[g] = { ...result[g], maxSlots: deviation, worst: { at: start, held: { ...held } } };
      if (deviation <= 1) result[g].inside += end - start;
    }
  }
  return Object.fromEntries(names.map((g) => [g, { maxSlots: result[g].maxSlots, withinOneSlot: result[g].inside / (to - from), worst: result[g].worst }]));
}
