import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import createClient, { Client } from 'openapi-fetch';
import { fetchWithContractCheck } from './support/contract';
import type { paths } from './support/generated/api-types';
import { startTestApp, TestApp } from './support/test-app';

const ROOT = join(__dirname, '..');
const seedExample = JSON.parse(readFileSync(join(ROOT, 'docs/seed-example.json'), 'utf8'));

/**
 * The README's walk-through as an integrator runs it with a client generated from openapi.json
 * (openapi-typescript types, openapi-fetch): every request and answer below is type-checked by tsc
 * against the committed contract, and every answer is checked against openapi.json at run time too.
 */
describe('a client generated from openapi.json', () => {
  let t: TestApp;
  let client: Client<paths>;

  beforeAll(async () => {
    t = await startTestApp({ config: { simulator: { scriptPath: join(ROOT, 'examples/walkthrough-simulator.json'), speed: 20 } } });
    const { apiKey } = await t.createOrganization(1);
    await t.app.listen(0, '127.0.0.1');
    client = createClient<paths>({ baseUrl: await t.app.getUrl(), headers: { 'x-credential-api-key': apiKey }, fetch: (request) => fetchWithContractCheck(request) });
  });
  afterAll(() => t.close());

  it('submits the seed example, follows it, pauses and resumes it, uploads a CSV of debtors and reads the slots', async () => {
    // Submit: the contract's own example (2 destinations); with one slot, the second waits for the first.
    const submitted = await client.POST('/call', { body: seedExample });
    expect(submitted.response.status).toBe(200);
    const document = submitted.data;
    if (!document || 'dryRun' in document) throw new Error(`expected the status document, got ${JSON.stringify(submitted)}`);
    expect(document.status).toBe('submitted');
    expect(document.summary.total).toBe(2);

    // Pause: the call in progress finishes, the second is held.
    const paused = await client.POST('/status/{requestId}/pause', { params: { path: { requestId: 'request_10' } } });
    expect(paused.data?.status).toBe('paused');
    const status = await client.GET('/status/{requestId}', { params: { path: { requestId: 'request_10' }, query: { page: 1, perPage: 100 } } });
    const destinations = status.data?.details.map((detail) => [detail.destination, detail.call_state]);
    expect(destinations).toContainEqual(['+84912860330', 'paused']);

    // Resume: the held call is released, and the campaign completes as the README shows.
    const resumed = await client.POST('/status/{requestId}/resume', { params: { path: { requestId: 'request_10' } } });
    expect(resumed.data?.status).toMatch(/^(submitted|onProgress)$/);
    let completed: NonNullable<typeof status.data> | undefined;
    for (const deadline = Date.now() + 30_000; !completed && Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
      const { data } = await client.GET('/status/{requestId}', { params: { path: { requestId: 'request_10' } } });
      if (data?.status === 'completed') completed = data;
    }
    expect(completed?.summary).toMatchObject({ total: 2, ended: 2, answered: 2 });
    expect(completed?.details.map((detail) => detail.callFlowSteps.map((step) => step.info.userPressedDigits).join(''))).toEqual(['1', '0']);

    // The same campaign from a CSV of debtors: multipart, the flow as JSON text.
    const form = { requestId: 'debtors_1', callFlow: JSON.stringify(seedExample.callFlow), file: readFileSync(join(ROOT, 'examples/debtors.csv'), 'utf8') };
    const uploaded = await client.POST('/call/csv', {
      body: form,
      bodySerializer: (fields) => {
        const data = new FormData();
        data.append('requestId', fields.requestId);
        data.append('callFlow', fields.callFlow);
        data.append('file', new Blob([fields.file], { type: 'text/csv' }), 'debtors.csv');
        return data;
      },
    });
    expect(uploaded.response.status).toBe(200);
    if (!uploaded.data || 'dryRun' in uploaded.data) throw new Error(`expected the status document, got ${JSON.stringify(uploaded)}`);
    expect(uploaded.data.importReport).toEqual({ rowsRead: 2, rowsAccepted: 2, rowsRejected: 0, errors: [] });

    // Slots: the desk phone system reports 2 calls of its own.
    const usage = await client.GET('/organization/usage');
    expect(usage.data).toMatchObject({ limit: 1, externalSource: 'reported' });
    const reported = await client.PUT('/organization/usage', { body: { externalOngoingCalls: 2 } });
    expect(reported.data).toMatchObject({ limit: 1, externalOngoingCalls: 2, free: 0 });

    // An error is typed too: the contract's {status, message}.
    const missing = await client.GET('/status/{requestId}', { params: { path: { requestId: 'no_such_request' } } });
    expect(missing.response.status).toBe(404);
    expect(missing.error?.status).toBe('not_found');
  });
});
