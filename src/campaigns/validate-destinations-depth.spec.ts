import { MAX_PROPERTY_DEPTH, validateDestinations } from './validate-destinations';

/** Found by the hostile-input corpus: a property nested 10,000 levels deep overflowed the stack when stored (a 500). */
describe('validateDestinations: nesting of properties', () => {
  const nested = (levels: number) => JSON.parse(`${'{"a":'.repeat(levels)}"x"${'}'.repeat(levels)}`);
  const destination = (properties: unknown) => ({ phone: '+6588893322', caller: '+6582674904', properties });

  it(`accepts properties nested ${MAX_PROPERTY_DEPTH} levels deep (properties itself is level 1)`, () => {
    expect(validateDestinations([destination({ v: nested(MAX_PROPERTY_DEPTH - 1) })]).errors).toEqual([]);
  });

  it('refuses one level more, and 100,000 levels, without recursing', () => {
    for (const levels of [MAX_PROPERTY_DEPTH, 100_000]) {
      expect(validateDestinations([destination({ ok: 1 }), destination({ v: nested(levels) })]).errors).toEqual([
        { field: 'destinations[1].properties', message: `must not nest values more than ${MAX_PROPERTY_DEPTH} levels deep` },
      ]);
    }
    const arrays = JSON.parse(`{"v": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`);
    expect(validateDestinations([destination(arrays)]).errors).toHaveLength(1);
  });
});
