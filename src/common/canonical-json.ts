/**
 * JSON with object keys sorted, so that equal documents always give equal text (and equal hashes).
 * The replacer rebuilds each object with sorted keys; the serializing itself stays native, which
 * matters for bodies of 100,000 destinations.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]]))
      : v,
  );
}
