/** How an organization's free slots are shared between its campaigns (organization setting `queueing`). */
export const QUEUEING_MODES = ['fair', 'fifo'] as const;
export type QueueingMode = (typeof QUEUEING_MODES)[number];
export const QUEUEING_DESCRIPTION =
  'How free slots are shared between campaigns: fair = the highest priority first, then in proportion to the weights (round robin); fifo = the oldest waiting call first, whatever its campaign';

/** A campaign with calls waiting, as the claim sees it. */
export interface Contender {
  id: string;
  /** 1 (lowest) … 10 (highest). */
  priority: number;
  /** Its share of the slots against the campaigns of its priority. */
  weight: number;
  /** Most slots its calls may hold at once; null: no cap. */
  cap: number | null;
  /** Slots its calls hold now (dialing, ringing, ongoing). */
  active: number;
  /** The queue positions (seq) of its first waiting calls, oldest first: at most as many as there are slots to give. */
  waiting: number[];
}

/**
 * Gives `slots` free slots out, one at a time, and answers how many go to each campaign.
 * - `fair`: to the highest priority with calls waiting; within it, to the campaign whose calls hold the
 *   fewest slots for its weight ((active + given) / weight), the older waiting call first on a tie, which
 *   makes equal campaigns take turns (round robin).
 * - `fifo`: to the oldest waiting call of the organization, whatever its campaign (priorities and weights
 *   are not used).
 * In both, a campaign gets no more slots than it has calls waiting, nor than its cap allows.
 */
export function allocateSlots(contenders: Contender[], slots: number, mode: QueueingMode): Map<string, number> {
  const given = new Map<string, number>(contenders.map((c) => [c.id, 0]));
  for (let slot = 0; slot < slots; slot++) {
    let best: Contender | undefined;
    for (const c of contenders) {
      const n = given.get(c.id)!;
      if (n >= c.waiting.length || (c.cap !== null && c.active + n >= c.cap)) continue;
      if (!best || before(c, n, best, given.get(best.id)!, mode)) best = c;
    }
    if (!best) break;
    given.set(best.id, given.get(best.id)! + 1);
  }
  for (const [id, n] of given) if (n === 0) given.delete(id);
  return given;
}

/** Whether campaign `a` (given `an` so far) takes the next slot before `b` (given `bn`). */
function before(a: Contender, an: number, b: Contender, bn: number, mode: QueueingMode): boolean {
  if (mode === 'fair') {
    if (a.priority !== b.priority) return a.priority > b.priority;
    // (a.active + an) / a.weight < (b.active + bn) / b.weight, without division.
    const held = (a.active + an) * b.weight - (b.active + bn) * a.weight;
    if (held !== 0) return held < 0;
  }
  return a.waiting[an] < b.waiting[bn];
}
