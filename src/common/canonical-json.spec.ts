import { canonicalJson } from './canonical-json';

describe('canonicalJson', () => {
  it('gives the same text for objects whose keys come in another order', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: 'x' } })).toBe(canonicalJson({ a: { c: 'x', d: [1, { x: 1, y: 2 }] }, b: 1 }));
  });

  it('tells different documents apart, including array order', () => {
    expect(canonicalJson({ a: [1, 2] })).not.toBe(canonicalJson({ a: [2, 1] }));
    expect(canonicalJson({ a: '1' })).not.toBe(canonicalJson({ a: 1 }));
  });

  it('leaves out undefined properties, like JSON.stringify', () => {
    expect(canonicalJson({ a: 1, b: undefined })).toBe('{"a":1}');
  });
});

describe('canonicalJson, the text of documents already stored (body hashes must not change)', () => {
  /** The implementation that wrote the stored hashes before 2026-12-06: every object rebuilt by Object.fromEntries. */
  const before = (value: unknown) =>
    JSON.stringify(value, (_key, v: unknown) =>
      v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]])) : v,
    );

  it('writes keys in sorted order, integer-like keys first as JSON.stringify enumerates them', () => {
    expect(canonicalJson(JSON.parse('{"b":1,"10":2,"9":3,"a":{"z":null,"é":1,"Z":[{"y":1,"x":2}]}}'))).toBe('{"9":3,"10":2,"a":{"Z":[{"x":2,"y":1}],"z":null,"é":1},"b":1}');
  });

  it('keeps a key named __proto__ as an ordinary key, as JSON.parse does', () => {
    const text = canonicalJson(JSON.parse('{"b":1,"__proto__":{"polluted":true},"a":2}'));
    expect(text).toBe('{"__proto__":{"polluted":true},"a":2,"b":1}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('gives the same text as before for generated documents', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const keys = ['a', 'b', 'B', '_', '1', '10', '2', 'name', 'amount', 'dueDate', 'é', '__proto__', ''];
    const generate = (depth: number): unknown => {
      const r = random();
      if (depth > 3 || r < 0.3) return [1, -2.5, 'text', true, null, undefined, new Date(Date.UTC(2030, 7, 20))][Math.floor(random() * 7)];
      if (r < 0.5) return Array.from({ length: Math.floor(random() * 4) }, () => generate(depth + 1));
      const object: Record<string, unknown> = {};
      for (let i = Math.floor(random() * 6); i > 0; i--) Object.defineProperty(object, keys[Math.floor(random() * keys.length)], { value: generate(depth + 1), enumerable: true, writable: true, configurable: true });
      return object;
    };
    for (let i = 0; i < 2_000; i++) {
      const document = generate(0);
      expect(canonicalJson(document)).toBe(before(document));
    }
  });
});
