import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

/**
 * Shared pieces sit below the features that share them: the calling rules (compliance/), and what both
 * they and the features use (common/, phones/), never import campaigns/ or uploads/, which import them.
 */
const SRC = resolve(__dirname, '..');
const LOWER = ['compliance', 'common', 'phones'];
const UPPER = /from\s+['"](?:\.\.\/)+(campaigns|uploads)\//;

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? files(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

describe('layering of shared pieces', () => {
  it('compliance/, common/ and phones/ import nothing from campaigns/ or uploads/', () => {
    const violations = LOWER.flatMap((folder) => files(join(SRC, folder)))
      .filter((file) => file !== __filename)
      .flatMap((file) => readFileSync(file, 'utf8').split('\n').filter((line) => UPPER.test(line)).map((line) => `${relative(SRC, file)}: ${line.trim()}`));
    expect(violations).toEqual([]);
  });
});
