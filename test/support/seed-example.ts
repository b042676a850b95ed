import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The contract's own example body (../shared/seeds/robo-call-api.txt), verbatim; the README's walk-through sends the same file. */
export const SEED_EXAMPLE = JSON.parse(readFileSync(join(__dirname, '../../docs/seed-example.json'), 'utf8'));
