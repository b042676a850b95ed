import { FieldError } from './field-error';

/**
 * One error per field of `raw` that is not in `known`, named by its path
 * (`callFlow.steps[0].message.langauge: unknown field`), with a "did you mean" hint when a known
 * name is one or two edits away. A misspelt field must never be dropped silently: a misspelt
 * calling-hours window would mean calls at 3 a.m.
 */
export function unknownFieldErrors(raw: Record<string, unknown>, known: readonly string[], path: string): FieldError[] {
  const errors: FieldError[] = [];
  for (const name of Object.keys(raw)) {
    if (known.includes(name)) continue;
    const suggestion = closestName(name, known);
    errors.push({
      field: path ? `${path}.${name}` : name,
      message: suggestion ? `unknown field; did you mean "${suggestion}"?` : `unknown field; expected one of ${known.join(', ')}`,
    });
  }
  return errors;
}

/** The known name at most two edits (insertions, deletions, substitutions, adjacent swaps) away, if one is. */
export function closestName(name: string, known: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance <= 2 && (!best || distance < best.distance)) best = { name: candidate, distance };
  }
  return best?.name;
}

/** Optimal string alignment distance (Damerau-Levenshtein without repeated edits of a substring). */
function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}
