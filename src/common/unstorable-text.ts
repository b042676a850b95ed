/**
 * Text PostgreSQL cannot store as sent: NUL (U+0000, refused by `text` and `jsonb` alike) and UTF-16
 * surrogates that are not part of a pair (refused by `jsonb`; turned into U+FFFD in `text`). JSON
 * lets both through as escapes (`\u0000`, `\ud800`), so they reach the database unless refused first:
 * a 500 there, or a requestId that no longer matches what was sent.
 */

/** The first such escape in JSON text, described, or undefined. Linear; only `\u` escapes are looked at. */
export function findUnstorableJsonEscape(json: Buffer): string | undefined {
  const BACKSLASH = 0x5c;
  for (let i = json.indexOf('\\u'); i !== -1; i = json.indexOf('\\u', i + 2)) {
    // `\\u0000` is an escaped backslash followed by the text "u0000": count the backslashes before this one.
    let preceding = 0;
    while (i - preceding - 1 >= 0 && json[i - preceding - 1] === BACKSLASH) preceding++;
    if (preceding % 2 === 1) continue;
    const code = hex4(json, i + 2);
    if (code === undefined) continue; // malformed: the JSON parser says so
    if (code === 0) return 'the NUL character (\\u0000)';
    if (code >= 0xdc00 && code <= 0xdfff) return `an unpaired UTF-16 surrogate (\\u${code.toString(16)})`;
    if (code >= 0xd800 && code <= 0xdbff) {
      const low = json[i + 6] === BACKSLASH && json[i + 7] === 0x75 ? hex4(json, i + 8) : undefined;
      if (low === undefined || low < 0xdc00 || low > 0xdfff) return `an unpaired UTF-16 surrogate (\\u${code.toString(16)})`;
      i += 6; // the pair's low half is not looked at again
    }
  }
  return undefined;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The first such character in a decoded string, described, or undefined. */
export function findUnstorableCharacter(text: string): string | undefined {
  if (text.includes('\u0000')) return 'the NUL character (\\u0000)';
  if (LONE_SURROGATE.test(text)) return 'an unpaired UTF-16 surrogate';
  return undefined;
}

function hex4(buffer: Buffer, at: number): number | undefined {
  if (at + 4 > buffer.length) return undefined;
  const digits = buffer.toString('latin1', at, at + 4);
  return /^[0-9a-fA-F]{4}$/.test(digits) ? parseInt(digits, 16) : undefined;
}
