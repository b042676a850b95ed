import { PhoneLineIndex } from './phone-line-index';

describe('PhoneLineIndex', () => {
  it('returns 0 for a new number and the first line for a number seen before', () => {
    const index = new PhoneLineIndex();
    expect(index.addIfAbsent('+6588893322', 2)).toBe(0);
    expect(index.addIfAbsent('+14155552671', 3)).toBe(0);
    expect(index.addIfAbsent('+6588893322', 9)).toBe(2);
    expect(index.get('+6588893322')).toBe(2);
    expect(index.get('+6591234567')).toBe(0);
    expect(index.size).toBe(2);
  });

  it('keeps every entry through growth, for the longest E.164 numbers too', () => {
    const index = new PhoneLineIndex(16);
    const numbers = Array.from({ length: 50_000 }, (_, i) => `+${(999_999_999_999_999 - i * 7_919).toString()}`);
    numbers.push('+10', '+999999999999999');
    const unique = [...new Set(numbers)];
    const added = unique.map((number, i) => index.addIfAbsent(number, i + 2));
    expect(added.filter((line) => line !== 0)).toEqual([]);
    expect(index.size).toBe(unique.length);
    const found = unique.map((number) => index.get(number));
    expect(found).toEqual(unique.map((_, i) => i + 2));
    expect(index.addIfAbsent(unique[1234], 1)).toBe(1236);
  });

  it('refuses something that is not an E.164 number rather than mixing keys up', () => {
    const index = new PhoneLineIndex();
    expect(() => index.addIfAbsent('6588893322', 2)).toThrow(RangeError);
    expect(() => index.addIfAbsent('+', 2)).toThrow(RangeError);
    expect(() => index.addIfAbsent('+99999999999999999999', 2)).toThrow(RangeError);
  });
});
