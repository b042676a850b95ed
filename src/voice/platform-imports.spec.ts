import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/**
 * The port is the only door (DESIGN.md, "Where the next capabilities go"): a voice platform's folder,
 * src/voice/<platform>/, is imported only from inside itself and by the binder modules src/voice/*.module.ts.
 * Everything else (the dispatcher, campaigns, the app's modules, another platform) sees only src/voice/'s own files.
 */
const SRC = resolve(__dirname, '..');
const VOICE = join(SRC, 'voice');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(path);
    return /\.(ts|tsx|js|mjs|cjs)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Every module specifier a file names: import/export … from, bare import, import(), require(), jest.mock(). */
export function specifiers(source: string): string[] {
  const found: string[] = [];
  const patterns = [
    /\b(?:import|export)\s+(?:type\s+)?(?:[\w*{}\s,$]+?\s+from\s+)?['"]([^'"]+)['"]/g,
    /\b(?:import|require|jest\.mock|jest\.requireActual)\s*\(\s*['"]([^'"]+)['"]/g,
  ];
  for (const pattern of patterns) for (const match of source.matchAll(pattern)) found.push(match[1]);
  return found;
}

/** The platform folder a path is in (`messagebird` for src/voice/messagebird/…), or null. */
export function platformOf(path: string): string | null {
  const rel = relative(VOICE, path);
  if (rel.startsWith('..') || !rel.includes(sep)) return null;
  return rel.split(sep)[0];
}

/** May `file` import `target`? */
export function importAllowed(file: string, target: string): boolean {
  const platform = platformOf(target);
  if (platform === null) return true;
  if (platformOf(file) === platform) return true;
  return dirname(file) === VOICE && file.endsWith('.module.ts');
}

describe('voice platforms are reached only through the port', () => {
  it('no file outside src/voice/<platform>/ (but the src/voice/*.module.ts binders) imports a platform', () => {
    const violations: string[] = [];
    // This file names platform paths in its own examples.
    for (const file of sourceFiles(SRC).filter((f) => f !== __filename)) {
      for (const specifier of specifiers(readFileSync(file, 'utf8'))) {
        if (!specifier.startsWith('.')) continue;
        const target = resolve(dirname(file), specifier);
        if (!importAllowed(file, target)) violations.push(`${relative(SRC, file)} imports ${specifier}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('tells a platform import from an allowed one', () => {
    const at = (path: string) => join(SRC, path);
    expect(specifiers(`import { A } from '../voice/messagebird/x';\nimport type { B } from "./y";\nexport * from './z';\nimport './side';\nconst c = require('./c');\nawait import('./d');`)).toEqual([
      '../voice/messagebird/x',
      './y',
      './z',
      './side',
      './c',
      './d',
    ]);
    expect(importAllowed(at('dispatcher/a.ts'), at('voice/messagebird/client'))).toBe(false);
    expect(importAllowed(at('app.module.ts'), at('voice/bird/bird-http.module'))).toBe(false);
    expect(importAllowed(at('voice/voice-provider.ts'), at('voice/simulator/x'))).toBe(false);
    expect(importAllowed(at('voice/messagebird/a.ts'), at('voice/simulator/x'))).toBe(false);
    expect(importAllowed(at('voice/messagebird/a.ts'), at('voice/messagebird/b'))).toBe(true);
    expect(importAllowed(at('voice/voice.module.ts'), at('voice/messagebird/b'))).toBe(true);
    expect(importAllowed(at('dispatcher/a.ts'), at('voice/voice-provider'))).toBe(true);
    expect(importAllowed(at('dispatcher/a.ts'), at('voice/voice-http.module'))).toBe(true);
  });
});
