import { allocateSlots, Contender } from './slot-allocation';

const seqs = (from: number, n: number, step = 1) => Array.from({ length: n }, (_, i) => from + i * step);
const campaign = (id: string, over: Partial<Contender> = {}): Contender => ({ id, priority: 5, weight: 1, cap: null, active: 0, waiting: seqs(1, 100), ...over });
const asObject = (m: Map<string, number>) => Object.fromEntries(m);

describe('allocateSlots', () => {
  it('fair: equal campaigns take turns, so the slots they hold differ by at most one', () => {
    expect(asObject(allocateSlots([campaign('a'), campaign('b')], 7, 'fair'))).toEqual({ a: 4, b: 3 });
    // b already holds more: a catches up first.
    expect(asObject(allocateSlots([campaign('a', { active: 1 }), campaign('b', { active: 4 })], 5, 'fair'))).toEqual({ a: 4, b: 1 });
  });

  it('fair: within a priority, slots follow the weights', () => {
    expect(asObject(allocateSlots([campaign('a', { weight: 2 }), campaign('b')], 9, 'fair'))).toEqual({ a: 6, b: 3 });
    expect(asObject(allocateSlots([campaign('a', { weight: 2, active: 4 }), campaign('b', { active: 2 })], 3, 'fair'))).toEqual({ a: 2, b: 1 });
  });

  it('fair: every slot goes to the highest priority with calls waiting, the rest to the next', () => {
    const long = campaign('long', { active: 6, waiting: seqs(1, 100) });
    const urgent = campaign('urgent', { priority: 9, waiting: seqs(1000, 3) });
    expect(asObject(allocateSlots([long, urgent], 2, 'fair'))).toEqual({ urgent: 2 });
    expect(asObject(allocateSlots([long, urgent], 5, 'fair'))).toEqual({ urgent: 3, long: 2 });
  });

  it('a cap is never exceeded; the slots the capped campaign leaves go to the others', () => {
    expect(asObject(allocateSlots([campaign('capped', { cap: 3, active: 1, priority: 9 }), campaign('other')], 6, 'fair'))).toEqual({ capped: 2, other: 4 });
    expect(asObject(allocateSlots([campaign('capped', { cap: 2, active: 2 })], 6, 'fair'))).toEqual({});
    expect(asObject(allocateSlots([campaign('capped', { cap: 2, waiting: seqs(1, 10) }), campaign('late', { waiting: seqs(50, 10) })], 6, 'fifo'))).toEqual({ capped: 2, late: 4 });
  });

  it('no campaign gets more slots than it has calls waiting', () => {
    expect(asObject(allocateSlots([campaign('a', { waiting: [5] }), campaign('b', { waiting: [] })], 4, 'fair'))).toEqual({ a: 1 });
  });

  it('fifo: the oldest waiting calls first, whatever their campaign, priority or weight', () => {
    const old = campaign('old', { priority: 1, waiting: [1, 2, 3, 10] });
    const recent = campaign('recent', { priority: 10, weight: 5, waiting: [4, 5, 6] });
    expect(asObject(allocateSlots([recent, old], 5, 'fifo'))).toEqual({ old: 3, recent: 2 });
  });

  it('gives out every slot it can, in proportions that hold for many campaigns and slots (within one of the exact weighted share)', () => {
    const weights = [1, 2, 3, 5];
    const contenders = weights.map((weight, i) => campaign(`c${i}`, { weight, waiting: seqs(i, 1000, 4) }));
    const given = allocateSlots(contenders, 110, 'fair');
    const total = weights.reduce((a, b) => a + b, 0);
    for (const [i, weight] of weights.entries()) expect(Math.abs(given.get(`c${i}`)! - (110 * weight) / total)).toBeLessThanOrEqual(1);
    expect([...given.values()].reduce((a, b) => a + b, 0)).toBe(110);
  });
});
