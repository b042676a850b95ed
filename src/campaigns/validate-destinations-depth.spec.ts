import { validateDestinations } from './validate-destinations';

/**
 * Found by the hostile-input corpus: a property nested 10,000 levels deep overflowed the stack when stored (a 500).
 * Since issue 14 a property value is text, a number or a boolean: nesting of any depth is refused at its first
 * level, without walking into it.
 */
describe('validateDestinations: nesting of properties', () => {
  const nested = (levels: number) => JSON.parse(`${'{"a":'.repeat(levels)}"x"${'}'.repeat(levels)}`);
  const destination = (properties: unknown) => ({ phone: '+6588893322', caller: '+6582674904', properties });

  it('refuses a nested value of 1, 32 and 100,000 levels by its path, without recursing', () => {
    for (const levels of [1, 32, 100_000]) {
      expect(validateDestinations([destination({ ok: 1 }), destination({ v: nested(levels) })]).errors).toEqual([
        { field: 'destinations[1].properties.v', message: 'must be text, a number or true/false (it is spoken as written); got an object' },
      ]);
    }
    const arrays = JSON.parse(`{"v": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`);
    expect(validateDestinations([destination(arrays)]).errors).toEqual([
      { field: 'destinations[0].properties.v', message: 'must be text, a number or true/false (it is spoken as written); got an array' },
    ]);
  });
});
