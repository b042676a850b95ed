import { validateDestinations } from './validate-destinations';

describe('validateDestinations', () => {
  it('keeps phone, caller and properties', () => {
    const { destinations, errors } = validateDestinations([
      { phone: '+84917660247', caller: '6582674904', properties: { name: 'Alex' } },
      { phone: '+84912860330', caller: '+6582674904' },
    ]);
    expect(errors).toEqual([]);
    expect(destinations).toEqual([
      { phone: '+84917660247', caller: '6582674904', properties: { name: 'Alex' } },
      { phone: '+84912860330', caller: '+6582674904', properties: {} },
    ]);
  });

  it('names every bad field with its index', () => {
    const { destinations, errors } = validateDestinations([
      { phone: '+84917660247', caller: '+6582674904' },
      null,
      { phone: '0917-660-247', caller: 6582674904, properties: ['Alex'] },
      { phone: '+0123', caller: '+1234567890123456' },
    ]);
    expect(errors.map((e) => e.field)).toEqual([
      'destinations[1]',
      'destinations[2].phone',
      'destinations[2].caller',
      'destinations[2].properties',
      'destinations[3].phone',
      'destinations[3].caller',
    ]);
    expect(errors[1].message).toContain('E.164');
    expect(errors[2].message).toBe('must be a string');
    expect(destinations).toHaveLength(1);
  });

  describe('property values (issue 14: what is spoken is what was meant)', () => {
    const destination = (properties: unknown) => ({ phone: '+6588893322', caller: '+6582674904', properties });

    it('accepts text, numbers and booleans, and properties that are null or absent', () => {
      const { destinations, errors } = validateDestinations([
        destination({ name: 'Ann', amount: 200, paid: true, late: false, zero: 0, empty: '', negative: -1.5 }),
        destination(null),
        { phone: '+6588893323', caller: '+6582674904' },
      ]);
      expect(errors).toEqual([]);
      expect(destinations.map((d) => d.properties)).toEqual([{ name: 'Ann', amount: 200, paid: true, late: false, zero: 0, empty: '', negative: -1.5 }, {}, {}]);
    });

    it('refuses an object, an array or null by the property\'s path, and leaves the destination out', () => {
      const { destinations, indexes, errors } = validateDestinations([
        destination({ name: { first: 'Ann' } }),
        destination({ ok: 'x' }),
        destination({ tags: ['a'], note: null, big: JSON.parse('1e400') }),
      ]);
      const message = (got: string) => `must be text, a number or true/false (it is spoken as written); got ${got}`;
      expect(errors).toEqual([
        { field: 'destinations[0].properties.name', message: message('an object') },
        { field: 'destinations[2].properties.tags', message: message('an array') },
        { field: 'destinations[2].properties.note', message: message('null') },
        { field: 'destinations[2].properties.big', message: message('the number Infinity') },
      ]);
      expect(destinations).toHaveLength(1);
      expect(indexes).toEqual([1]);
    });

    it('refuses the names __proto__, constructor and prototype, whatever their value', () => {
      const properties = JSON.parse('{"__proto__": "x", "constructor": {"prototype": {}}, "prototype": 1, "Constructor": "fine"}');
      const { errors } = validateDestinations([destination(properties)]);
      expect(errors.map((e) => e.field)).toEqual(['destinations[0].properties.__proto__', 'destinations[0].properties.constructor', 'destinations[0].properties.prototype']);
      expect(errors[0].message).toMatch(/is a reserved name/);
    });
  });

  describe('unknown fields (issue 14)', () => {
    it('refuses a misspelt or unknown field by its path, with a "did you mean" hint when a field is close', () => {
      const { destinations, errors } = validateDestinations([
        { phone: '+6588893322', caller: '+6582674904', propertes: { name: 'Ann' } },
        { phone: '+6588893323', caller: '+6582674904', note: 'x', Phone: '+1' },
      ]);
      expect(errors).toEqual([
        { field: 'destinations[0].propertes', message: 'unknown field; did you mean "properties"?' },
        { field: 'destinations[1].note', message: 'unknown field; expected one of phone, caller, properties' },
        { field: 'destinations[1].Phone', message: 'unknown field; did you mean "phone"?' },
      ]);
      expect(destinations).toEqual([]);
    });
  });
});
