import { validateDestinations } from './validate-destinations';

describe('validateDestinations', () => {
  it('keeps phone, caller and properties, and drops fields nobody uses', () => {
    const { destinations, errors } = validateDestinations([
      { phone: '+84917660247', caller: '6582674904', properties: { name: 'Alex' }, note: 'ignored' },
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
});
