import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApp, TestApp } from './support/test-app';

/**
 * openapi.json (repo root) is the app's own document, and test/support/generated/api-types.ts the types
 * openapi-typescript makes of it. `npm run openapi` rewrites both (UPDATE_OPENAPI=1); without it, this
 * test fails when either is stale.
 */
const ROOT = join(__dirname, '..');
const DOCUMENT_FILE = join(ROOT, 'openapi.json');
const TYPES_FILE = join(ROOT, 'test', 'support', 'generated', 'api-types.ts');
const update = process.env.UPDATE_OPENAPI === '1';

function generateTypes(documentText: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'robocall-openapi-'));
  writeFileSync(join(dir, 'openapi.json'), documentText);
  execFileSync(join(ROOT, 'node_modules', '.bin', 'openapi-typescript'), [join(dir, 'openapi.json'), '-o', join(dir, 'api-types.ts')], { stdio: 'pipe' });
  return readFileSync(join(dir, 'api-types.ts'), 'utf8');
}

describe('the OpenAPI document', () => {
  let t: TestApp;
  let served: string;

  beforeAll(async () => {
    t = await startTestApp();
    const response = await t.http.get('/docs-json').expect(200);
    served = `${JSON.stringify(response.body, null, 2)}\n`;
    if (update) {
      writeFileSync(DOCUMENT_FILE, served);
      writeFileSync(TYPES_FILE, generateTypes(served));
    }
  });
  afterAll(() => t?.close());

  it('is committed as openapi.json, exactly as the app serves it (npm run openapi rewrites it)', () => {
    expect(readFileSync(DOCUMENT_FILE, 'utf8')).toBe(served);
  });

  it('has its generated client types committed as test/support/generated/api-types.ts (npm run openapi rewrites them)', () => {
    expect(readFileSync(TYPES_FILE, 'utf8')).toBe(generateTypes(served));
  });

  it('names the contract operations with the contract operationIds and the API-key security', () => {
    const document = JSON.parse(served);
    expect(document.paths['/call'].post.operationId).toBe('queueUpCall');
    expect(document.paths['/status/{requestId}'].get.operationId).toBe('checkCallStatus');
    expect(document.components.securitySchemes['x-credential-api-key']).toEqual(expect.objectContaining({ type: 'apiKey', in: 'header', name: 'x-credential-api-key' }));
    const operations = Object.entries(document.paths).flatMap(([path, item]: [string, any]) => Object.entries(item).map(([method, op]: [string, any]) => ({ path, method, op })));
    for (const { path, method, op } of operations) {
      const expected = path === '/health' ? [] : [{ 'x-credential-api-key': [] }];
      expect({ path, method, security: op.security }).toEqual({ path, method, security: expected });
    }
    expect(Object.keys(document.paths).filter((path) => path.startsWith('/webhooks') || path.startsWith('/dashboard') || path.startsWith('/metrics'))).toEqual([]);
  });
});
