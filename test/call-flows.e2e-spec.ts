import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { SpeechSynthesizer } from '../src/call-flows/spoken-preview';
import { VoiceProvider } from '../src/voice/voice-provider';
import { bytes } from './support/left-messages';
import { startTestApp, TestApp } from './support/test-app';

const KEY = 'x-credential-api-key';
const caller = '+6582674904';

const flowV1 = {
  steps: [
    { name: 'play', message: { msg: 'Dear {{name}}, version one' } },
    {
      name: 'gather',
      maxRetries: 2,
      message: { msg: 'Press 1 to pay {{amount}}' },
      branches: [{ digit: '1', callFlow: { steps: [{ name: 'play', message: { msg: 'Thank you' } }] } }],
    },
  ],
};
const flowV2 = { steps: [{ name: 'play', message: { msg: 'Hello {{name}}, version two' } }] };
const destination = (phone = '+6588893322') => ({ phone, caller, properties: { name: 'Alex', amount: '20$' } });

describe('saved call flows (issue 16, item 1)', () => {
  let t: TestApp;
  let apiKey: string;
  let other: { apiKey: string };

  beforeAll(async () => {
    t = await startTestApp({ simulatorScript: { default: { ringMs: 50 } } });
    ({ apiKey } = await t.createOrganization(10, 'A'));
    other = await t.createOrganization(10, 'B');
  });
  afterAll(() => t?.close());

  const as = (key: string) => ({
    get: (path: string) => t.http.get(path).set(KEY, key),
    post: (path: string) => t.http.post(path).set(KEY, key),
    put: (path: string) => t.http.put(path).set(KEY, key),
    delete: (path: string) => t.http.delete(path).set(KEY, key),
  });
  const a = () => as(apiKey);

  it('creates, reads, versions and deletes a flow; every version stays readable until the flow is deleted', async () => {
    const created = await a().post('/call-flows').send({ title: 'Reminder', callFlow: flowV1 }).expect(201);
    expect(created.body).toEqual({ id: expect.any(String), title: 'Reminder', version: 1, callFlow: flowV1, createdAt: expect.any(String), updatedAt: expect.any(String) });
    const { id } = created.body;
    expect((await a().get(`/call-flows/${id}`).expect(200)).body).toEqual(created.body);

    const v2 = await a().put(`/call-flows/${id}`).send({ callFlow: flowV2 }).expect(200);
    expect(v2.body).toMatchObject({ id, title: 'Reminder', version: 2, callFlow: flowV2, createdAt: created.body.createdAt });
    expect(Date.parse(v2.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(created.body.updatedAt));
    const v3 = await a().put(`/call-flows/${id}`).send({ title: 'Reminder, shorter', callFlow: flowV2 }).expect(200);
    expect(v3.body).toMatchObject({ version: 3, title: 'Reminder, shorter' });

    expect((await a().get(`/call-flows/${id}`).expect(200)).body).toMatchObject({ version: 3, title: 'Reminder, shorter' });
    expect((await a().get(`/call-flows/${id}?version=1`).expect(200)).body).toEqual(created.body);
    expect((await a().get(`/call-flows/${id}?version=2`).expect(200)).body).toMatchObject({ version: 2, title: 'Reminder', callFlow: flowV2 });
    expect((await a().get(`/call-flows/${id}?version=4`).expect(404)).body.message).toMatch(/has no version 4/);
    expect((await a().get(`/call-flows/${id}?version=0`).expect(400)).body.errors).toEqual([{ field: 'version', message: 'must be 1 or more' }]);

    await a().delete(`/call-flows/${id}`).expect(204);
    await a().get(`/call-flows/${id}`).expect(404);
    await a().get(`/call-flows/${id}?version=1`).expect(404);
    await a().put(`/call-flows/${id}`).send({ callFlow: flowV2 }).expect(404);
    await a().delete(`/call-flows/${id}`).expect(404);
    await a().get('/call-flows/not-a-uuid').expect(404);
    await a().delete('/call-flows/not-a-uuid').expect(404);
  });

  it('lists the latest versions, most recently updated first, in pages', async () => {
    const org = await t.createOrganization(1, 'lister');
    const ids: string[] = [];
    for (const title of ['first', 'second', 'third']) ids.push((await as(org.apiKey).post('/call-flows').send({ title, callFlow: flowV1 }).expect(201)).body.id);
    await as(org.apiKey).put(`/call-flows/${ids[0]}`).send({ title: 'first, edited', callFlow: flowV2 }).expect(200);
    const page1 = await as(org.apiKey).get('/call-flows?page=1&perPage=2').expect(200);
    expect(page1.body.items.map((f: any) => [f.title, f.version])).toEqual([
      ['first, edited', 2],
      ['third', 1],
    ]);
    expect(page1.body.pagination).toEqual({ page: 1, perPage: 2, total: 3, totalPages: 2 });
    const page2 = await as(org.apiKey).get('/call-flows?page=2&perPage=2').expect(200);
    expect(page2.body.items.map((f: any) => f.title)).toEqual(['second']);
    expect(page2.body.items[0]).toEqual({ id: ids[1], title: 'second', version: 1, callFlow: flowV1, createdAt: expect.any(String), updatedAt: expect.any(String) });
    await as(org.apiKey).delete(`/call-flows/${ids[2]}`).expect(204);
    const after = await as(org.apiKey).get('/call-flows').expect(200);
    expect(after.body.items.map((f: any) => f.id)).toEqual([ids[0], ids[1]]);
    expect(after.body.pagination).toEqual({ page: 1, perPage: 100, total: 2, totalPages: 1 });
    await as(org.apiKey).get('/call-flows?perPage=0').expect(400);
  });

  describe('refuses what POST /call refuses, with the same field paths and messages', () => {
    const badFlows: [string, unknown][] = [
      ['a misspelt field', { steps: [{ name: 'play', message: { msg: 'Hi', langauge: 'en' } }] }],
      ['a bad template', { steps: [{ name: 'play', message: { msg: 'Hi {{#if}}' } }] }],
      ['no steps', { steps: [] }],
      ['not an object', 'play hello'],
      ['a nested bad step', { steps: [{ name: 'gather', message: { msg: 'Press 1' }, branches: [{ digit: '11', callFlow: { steps: [{ name: 'play', message: { msg: '' } }] } }, { digit: '2', callFlow: { steps: [{ name: 'shout' }] } }] }] }],
      ['a bad transfer and record', { steps: [{ name: 'transfer', destination: '12' }, { name: 'record', maxLength: 0, endKey: 'x' }] }],
    ];
    it.each(badFlows)('%s', async (_name, callFlow) => {
      const campaign = await a().post('/call').send({ requestId: 'never-stored', destinations: [destination()], callFlow }).expect(400);
      const saved = await a().post('/call-flows').send({ title: 'bad', callFlow }).expect(400);
      expect(saved.body).toEqual(campaign.body);
      expect(campaign.body.errors.every((e: any) => e.field.startsWith('callFlow'))).toBe(true);
      const existing = (await a().post('/call-flows').send({ title: 'good', callFlow: flowV2 }).expect(201)).body.id;
      expect((await a().put(`/call-flows/${existing}`).send({ callFlow }).expect(400)).body).toEqual(campaign.body);
      const preview = await a().post('/call-flows/preview').send({ callFlow, properties: { name: 'x', amount: 'y' } }).expect(400);
      expect(preview.body).toEqual(campaign.body);
    });

    it('names a nested error with the path of the step', async () => {
      const saved = await a().post('/call-flows').send({ title: 'bad', callFlow: badFlows[4][1] }).expect(400);
      expect(saved.body.errors.map((e: any) => e.field)).toEqual([
        'callFlow.steps[0].branches[0].digit',
        'callFlow.steps[0].branches[1].callFlow.steps[0].name',
      ]);
    });

    it('refuses a missing, blank or long title, a missing flow and unknown fields', async () => {
      const errorsOf = async (body: unknown) => (await a().post('/call-flows').send(body as object).expect(400)).body.errors;
      expect(await errorsOf({ callFlow: flowV1 })).toEqual([{ field: 'title', message: 'must be a string' }]);
      expect(await errorsOf({ title: '   ', callFlow: flowV1 })).toEqual([{ field: 'title', message: 'must not be blank' }]);
      expect(await errorsOf({ title: 'x'.repeat(201), callFlow: flowV1 })).toEqual([{ field: 'title', message: 'must be 1 to 200 characters' }]);
      expect(await errorsOf({ title: 'ok' })).toEqual([{ field: 'callFlow', message: 'must be an object with a "steps" array' }]);
      expect(await errorsOf({ titel: 'ok', title: 'ok', callFlow: flowV1 })).toEqual([{ field: 'titel', message: 'unknown field; did you mean "title"?' }]);
      const id = (await a().post('/call-flows').send({ title: 'ok', callFlow: flowV1 }).expect(201)).body.id;
      expect((await a().put(`/call-flows/${id}`).send({ title: '', callFlow: flowV1 }).expect(400)).body.errors).toEqual([{ field: 'title', message: 'must be 1 to 200 characters' }]);
      expect((await a().put(`/call-flows/${id}`).send({ title: 'x' }).expect(400)).body.errors).toEqual([{ field: 'callFlow', message: 'must be an object with a "steps" array' }]);
      await a().post('/call-flows').set('Content-Type', 'text/plain').send('hello').expect(415);
    });
  });

  describe('campaigns started from a saved flow', () => {
    let flowId: string;
    beforeAll(async () => {
      flowId = (await a().post('/call-flows').send({ title: 'Campaign flow', callFlow: flowV1 }).expect(201)).body.id;
    });

    it('POST /call with callFlowId runs the saved flow; later edits and the deletion leave the campaign as it was', async () => {
      const submitted = await a().post('/call').send({ requestId: 'from-saved', destinations: [destination()], callFlowId: flowId }).expect(200);
      expect(submitted.body).toMatchObject({ requestId: 'from-saved', callFlowId: flowId, callFlowVersion: 1 });
      const done = await t.waitForStatus(apiKey, 'from-saved');
      expect(done.details[0].callFlowSteps[0].info.message).toBe('Dear Alex, version one');

      await a().put(`/call-flows/${flowId}`).send({ callFlow: flowV2 }).expect(200);
      // The same body again: the version it resolved to is now another one, so it is another body.
      await a().post('/call').send({ requestId: 'from-saved', destinations: [destination()], callFlowId: flowId }).expect(409);
      // Naming the version it was started with is the same body.
      await a().post('/call').send({ requestId: 'from-saved', destinations: [destination()], callFlowId: flowId, callFlowVersion: 1 }).expect(200);
      await a().delete(`/call-flows/${flowId}`).expect(204);

      const status = await a().get('/status/from-saved').expect(200);
      expect(status.body).toMatchObject({ status: 'completed', callFlowId: flowId, callFlowVersion: 1 });
      expect(status.body.details[0].callFlowSteps[0].info.message).toBe('Dear Alex, version one');
      const listed = await a().get('/campaigns').expect(200);
      expect(listed.body.campaigns.find((c: any) => c.requestId === 'from-saved')).toMatchObject({ callFlowId: flowId, callFlowVersion: 1 });
      // A deleted flow starts no new campaign.
      expect((await a().post('/call').send({ requestId: 'after-delete', destinations: [destination()], callFlowId: flowId }).expect(404)).body.status).toBe('not_found');
      flowId = (await a().post('/call-flows').send({ title: 'Campaign flow again', callFlow: flowV1 }).expect(201)).body.id;
    });

    it('takes callFlowVersion, and shows null for a flow sent with the campaign', async () => {
      await a().put(`/call-flows/${flowId}`).send({ callFlow: flowV2 }).expect(200);
      const v1 = await a().post('/call').send({ requestId: 'pinned-v1', destinations: [destination('+6588893323')], callFlowId: flowId, callFlowVersion: 1 }).expect(200);
      expect(v1.body).toMatchObject({ callFlowId: flowId, callFlowVersion: 1 });
      const latest = await a().post('/call').send({ requestId: 'latest', destinations: [destination('+6588893324')], callFlowId: flowId }).expect(200);
      expect(latest.body).toMatchObject({ callFlowId: flowId, callFlowVersion: 2 });
      expect((await t.waitForStatus(apiKey, 'latest')).details[0].callFlowSteps[0].info.message).toBe('Hello Alex, version two');
      const pasted = await a().post('/call').send({ requestId: 'pasted', destinations: [destination('+6588893325')], callFlow: flowV2 }).expect(200);
      expect(pasted.body).toMatchObject({ callFlowId: null, callFlowVersion: null });
      // The same body again is harmless (the idempotency of pasted flows is unchanged).
      await a().post('/call').send({ requestId: 'pasted', destinations: [destination('+6588893325')], callFlow: flowV2 }).expect(200);
      await a().post('/call').send({ requestId: 'pasted', destinations: [destination('+6588893325')], callFlowId: flowId, callFlowVersion: 2 }).expect(409);
      await a().post('/call').send({ requestId: 'latest', destinations: [destination('+6588893324')], callFlowId: flowId, callFlowVersion: 2 }).expect(200);
      await a().post('/call').send({ requestId: 'latest', destinations: [destination('+6588893324')], callFlow: flowV2 }).expect(409);
    });

    it('refuses both callFlow and callFlowId, neither, a version without an id, and names each field', async () => {
      const errorsOf = async (extra: object) => (await a().post('/call').send({ requestId: 'bad-ref', destinations: [destination()], ...extra }).expect(400)).body.errors;
      expect(await errorsOf({ callFlow: flowV1, callFlowId: flowId })).toEqual([{ field: 'callFlowId', message: 'send either callFlow or callFlowId (a saved call flow), not both' }]);
      expect(await errorsOf({})).toEqual([{ field: 'callFlow', message: 'must be an object with a "steps" array' }]);
      expect(await errorsOf({ callFlow: flowV1, callFlowVersion: 1 })).toEqual([{ field: 'callFlowVersion', message: 'needs callFlowId (the saved call flow it is a version of)' }]);
      // A null id or version is none.
      expect(await errorsOf({ callFlowId: null })).toEqual([{ field: 'callFlow', message: 'must be an object with a "steps" array' }]);
      expect((await a().post('/call?dryRun=true').send({ requestId: 'bad-ref', destinations: [destination()], callFlow: flowV1, callFlowId: null, callFlowVersion: null }).expect(200)).body.dryRun).toBe(true);
      expect(await errorsOf({ callFlowId: 'flow-1' })).toEqual([{ field: 'callFlowId', message: 'must be the id (a uuid) of a saved call flow' }]);
      expect(await errorsOf({ callFlowId: flowId, callFlowVersion: 0 })).toEqual([{ field: 'callFlowVersion', message: 'must be 1 or more' }]);
      expect(await errorsOf({ callFlowId: flowId, callFlowVersion: 1.5 })).toEqual([{ field: 'callFlowVersion', message: 'must be an integer' }]);
      expect((await a().post('/call').send({ requestId: 'bad-ref', destinations: [destination()], callFlowId: flowId, callFlowVersion: 9 }).expect(404)).body.message).toMatch(/has no version 9/);
      await a().post('/call').send({ requestId: 'bad-ref', destinations: [destination()], callFlowId: '00000000-0000-4000-8000-000000000000' }).expect(404);
      // A destination without the saved flow's placeholders is refused as for a pasted flow.
      const missing = await a().post('/call').send({ requestId: 'bad-ref', destinations: [{ phone: '+6588893322', caller }], callFlowId: flowId, callFlowVersion: 1 }).expect(400);
      expect(missing.body.errors).toEqual([{ field: 'destinations[0].properties', message: 'missing 2 placeholder(s) used by the call flow: name, amount' }]);
      expect((await a().get('/status/bad-ref').expect(404)).body.status).toBe('not_found');
    });

    it('dry runs with callFlowId', async () => {
      const dry = await a()
        .post('/call?dryRun=true')
        .send({ requestId: 'dry', destinations: [destination(), { phone: '+6588893399', caller }], callFlowId: flowId, callFlowVersion: 1 })
        .expect(200);
      expect(dry.body).toMatchObject({ dryRun: true, destinations: 2, wouldDialNow: 1, rejected: 1, errors: [{ field: 'destinations[1].properties' }] });
      await a().post('/call?dryRun=true').send({ requestId: 'dry', destinations: [destination()], callFlowId: flowId, callFlowVersion: 7 }).expect(404);
      await a().get('/status/dry').expect(404);
    });

    it('POST /call/csv takes callFlowId and callFlowVersion as form fields', async () => {
      const csv = Buffer.from(`phone,caller,name,amount\n+6588893330,${caller},Bo,5$\n`);
      const upload = (requestId: string, fields: Record<string, string>, key = apiKey) => {
        let request = t.http.post('/call/csv').set(KEY, key).field('requestId', requestId);
        for (const [name, value] of Object.entries(fields)) request = request.field(name, value);
        return request.attach('file', csv, 'debtors.csv');
      };
      const uploaded = await upload('csv-saved', { callFlowId: flowId, callFlowVersion: '1' }).expect(200);
      expect(uploaded.body).toMatchObject({ source: 'csv', callFlowId: flowId, callFlowVersion: 1, summary: { total: 1 } });
      expect((await t.waitForStatus(apiKey, 'csv-saved')).details[0].callFlowSteps[0].info.message).toBe('Dear Bo, version one');
      await upload('csv-saved', { callFlowId: flowId, callFlowVersion: '1' }).expect(200);
      await upload('csv-saved', { callFlowId: flowId }).expect(409); // the latest is version 2
      const latest = await upload('csv-latest', { callFlowId: flowId }).expect(200);
      expect(latest.body).toMatchObject({ callFlowId: flowId, callFlowVersion: 2 });
      const dry = await upload('csv-dry', { callFlowId: flowId, dryRun: 'true' }).expect(200);
      expect(dry.body).toMatchObject({ dryRun: true, destinations: 1, wouldDialNow: 1 });
      expect((await upload('csv-both', { callFlowId: flowId, callFlow: JSON.stringify(flowV2) }).expect(400)).body.errors).toEqual([
        { field: 'callFlowId', message: 'send either callFlow or callFlowId (a saved call flow), not both' },
      ]);
      expect((await upload('csv-none', {}).expect(400)).body.errors).toEqual([{ field: 'callFlow', message: 'must be the call flow as JSON text' }]);
      expect((await upload('csv-bad-version', { callFlowId: flowId, callFlowVersion: 'two' }).expect(400)).body.errors).toEqual([{ field: 'callFlowVersion', message: 'must be an integer' }]);
      await upload('csv-other', { callFlowId: flowId }, other.apiKey).expect(404);
      await t.http.get('/status/csv-other').set(KEY, other.apiKey).expect(404);
    });

    it("another organization's flow is a 404 everywhere, as one that does not exist", async () => {
      const b = as(other.apiKey);
      await b.get(`/call-flows/${flowId}`).expect(404);
      await b.get(`/call-flows/${flowId}?version=1`).expect(404);
      await b.put(`/call-flows/${flowId}`).send({ callFlow: flowV2 }).expect(404);
      await b.delete(`/call-flows/${flowId}`).expect(404);
      await b.post('/call').send({ requestId: 'steal', destinations: [destination()], callFlowId: flowId }).expect(404);
      await b.post('/call?dryRun=true').send({ requestId: 'steal', destinations: [destination()], callFlowId: flowId }).expect(404);
      await b.post('/call-flows/preview').send({ callFlowId: flowId, properties: { name: 'x', amount: 'y' } }).expect(404);
      expect((await b.get('/call-flows').expect(200)).body.items.map((f: any) => f.id)).not.toContain(flowId);
      // A's flow is untouched.
      expect((await a().get(`/call-flows/${flowId}`).expect(200)).body).toMatchObject({ version: 2 });
    });
  });

  describe('preview (issue 16, item 2)', () => {
    const previewFlow = {
      steps: [
        { name: 'play', message: { msg: 'Dear {{name}}', language: 'en-GB', gender: 'female' } },
        {
          name: 'gather',
          maxRetries: 3,
          message: { msg: 'Press 1 to pay {{amount}}, 0 for an agent, 9 to stop these calls' },
          branches: [
            { digit: '1', callFlow: { steps: [{ name: 'play', message: { msg: 'Thank you {{name}}' } }, { name: 'record', maxLength: 30, endKey: '*' }] } },
            { digit: '0', default: true, callFlow: { steps: [{ name: 'transfer', destination: '+6591991191' }, { name: 'play', message: { msg: 'Nobody is free' } }] } },
            { digit: '9', optOut: true, callFlow: { steps: [{ name: 'play', message: { msg: 'You will not be called again' } }] } },
          ],
        },
      ],
    };
    const properties = { name: 'Alex', amount: '200,000$' };
    const preview = (body: object, key = apiKey) => t.http.post('/call-flows/preview').set(KEY, key).send(body);

    it('runs the flow on one imaginary callee: rendered prompts, retries, the key taken, the branch followed, the record options', async () => {
      const answer = await preview({ callFlow: previewFlow, properties, keys: ['', '7', '1'] }).expect(200);
      expect(answer.body).toEqual({
        platform: 'simulator',
        steps: [
          { seq: 0, path: 'callFlow.steps[0]', stepName: 'play', text: 'Dear Alex', voice: { language: 'en-GB', gender: 'female' } },
          {
            seq: 1,
            path: 'callFlow.steps[1]',
            stepName: 'gather',
            text: 'Press 1 to pay 200,000$, 0 for an agent, 9 to stop these calls',
            maxRetries: 3,
            prompts: [
              { attempt: 1, text: 'Press 1 to pay 200,000$, 0 for an agent, 9 to stop these calls', key: '', result: 'reprompt' },
              { attempt: 2, text: 'Press 1 to pay 200,000$, 0 for an agent, 9 to stop these calls', key: '7', result: 'reprompt' },
              { attempt: 3, text: 'Press 1 to pay 200,000$, 0 for an agent, 9 to stop these calls', key: '1', result: 'follow' },
            ],
            key: '1',
            branch: { index: 0, path: 'callFlow.steps[1].branches[0]', digit: '1', default: false, optOut: false },
            optOut: false,
          },
          { seq: 2, path: 'callFlow.steps[1].branches[0].callFlow.steps[0]', stepName: 'play', text: 'Thank you Alex' },
          {
            seq: 3,
            path: 'callFlow.steps[1].branches[0].callFlow.steps[1]',
            stepName: 'record',
            record: { maxLength: 30, timeout: 5, endKey: '*', beep: true, transcribe: false, transcribeLocale: 'en-US' },
          },
        ],
        outcome: {
          endedBy: 'end_of_flow',
          description: 'The flow ends after callFlow.steps[1].branches[0].callFlow.steps[1]: the call hangs up.',
          optOut: false,
          keysUsed: 3,
          unusedKeys: [],
        },
      });
    });

    it('follows the default branch after the last retry, and the transfer target (answered, or not)', async () => {
      const answered = await preview({ callFlow: previewFlow, properties, keys: ['', '', '', '5'] }).expect(200);
      expect(answered.body.steps.map((s: any) => s.path)).toEqual(['callFlow.steps[0]', 'callFlow.steps[1]', 'callFlow.steps[1].branches[1].callFlow.steps[0]']);
      expect(answered.body.steps[1]).toMatchObject({ key: '', branch: { index: 1, default: true, digit: '0' } });
      expect(answered.body.steps[1].prompts.map((p: any) => p.result)).toEqual(['reprompt', 'reprompt', 'follow']);
      expect(answered.body.steps[2]).toMatchObject({ stepName: 'transfer', transfer: { destination: '+6591991191', status: 'answered' } });
      expect(answered.body.outcome).toEqual({
        endedBy: 'transferred',
        description: 'callFlow.steps[1].branches[1].callFlow.steps[0] hands the call over to +6591991191; the flow ends there.',
        transferredTo: '+6591991191',
        optOut: false,
        keysUsed: 3,
        unusedKeys: ['5'],
      });
      const busy = await preview({ callFlow: previewFlow, properties, keys: ['0'], transferStatus: 'busy' }).expect(200);
      expect(busy.body.steps.slice(2).map((s: any) => [s.stepName, s.transfer?.status ?? s.text])).toEqual([
        ['transfer', 'busy'],
        ['play', 'Nobody is free'],
      ]);
      expect(busy.body.outcome.endedBy).toBe('end_of_flow');
    });

    it('shows an opt-out, and a gather without a default branch that ends the call', async () => {
      const optOut = await preview({ callFlow: previewFlow, properties, keys: ['9'] }).expect(200);
      expect(optOut.body.steps[1]).toMatchObject({ key: '9', optOut: true, branch: { index: 2, optOut: true } });
      expect(optOut.body.outcome).toMatchObject({ endedBy: 'end_of_flow', optOut: true });
      const noDefault = { steps: [{ name: 'gather', maxRetries: 2, message: { msg: 'Press 1' }, branches: [{ digit: '1' }] }] };
      const ended = await preview({ callFlow: noDefault }).expect(200);
      expect(ended.body.steps).toEqual([
        {
          seq: 0,
          path: 'callFlow.steps[0]',
          stepName: 'gather',
          text: 'Press 1',
          maxRetries: 2,
          prompts: [
            { attempt: 1, text: 'Press 1', key: '', result: 'reprompt' },
            { attempt: 2, text: 'Press 1', key: '', result: 'hangup' },
          ],
          key: '',
          branch: null,
          optOut: false,
        },
      ]);
      expect(ended.body.outcome).toMatchObject({ endedBy: 'no_branch', keysUsed: 0 });
    });

    it('previews a saved flow at a version', async () => {
      const id = (await a().post('/call-flows').send({ title: 'to preview', callFlow: flowV1 }).expect(201)).body.id;
      await a().put(`/call-flows/${id}`).send({ callFlow: flowV2 }).expect(200);
      const latest = await preview({ callFlowId: id, properties }).expect(200);
      expect(latest.body).toMatchObject({ callFlowId: id, callFlowVersion: 2, steps: [{ text: 'Hello Alex, version two' }] });
      const v1 = await preview({ callFlowId: id, callFlowVersion: 1, properties, keys: ['1'] }).expect(200);
      expect(v1.body.steps.map((s: any) => s.text)).toEqual(['Dear Alex, version one', 'Press 1 to pay 200,000$', 'Thank you']);
      await preview({ callFlowId: id, callFlowVersion: 3, properties }).expect(404);
      expect((await preview({ callFlowId: id, callFlow: flowV1 }).expect(400)).body.errors).toEqual([
        { field: 'callFlowId', message: 'send either callFlow or callFlowId (a saved call flow), not both' },
      ]);
      expect((await preview({ properties }).expect(400)).body.errors).toEqual([{ field: 'callFlow', message: 'is required: the call flow, or callFlowId (a saved call flow)' }]);
    });

    it('refuses what a submission would: a missing property, a value that cannot be spoken, a platform limit, a bad key, an unknown field', async () => {
      const campaign = await a()
        .post('/call')
        .send({ requestId: 'never', destinations: [{ phone: '+6588893322', caller, properties: { name: 'Alex' } }], callFlow: previewFlow })
        .expect(400);
      const missing = await preview({ callFlow: previewFlow, properties: { name: 'Alex' } }).expect(400);
      expect(missing.body.errors).toEqual([{ field: 'properties', message: campaign.body.errors[0].message }]);
      expect(campaign.body.errors[0].field).toBe('destinations[0].properties');
      const objectValue = await preview({ callFlow: previewFlow, properties: { name: { first: 'A' }, amount: '1' } }).expect(400);
      expect(objectValue.body.errors).toEqual([{ field: 'properties.name', message: 'must be text, a number or true/false; got an object' }]);

      const recordFlow = { steps: [{ name: 'record', endKey: '1', transcribe: true, transcribeLocale: 'ja-JP' }] };
      expect((await preview({ callFlow: recordFlow }).expect(200)).body.platform).toBe('simulator');
      const messagebird = await preview({ callFlow: recordFlow, platform: 'messagebird' }).expect(400);
      expect(messagebird.body.errors).toEqual([
        { field: 'callFlow.steps[0].endKey', message: 'MessageBird classic cannot end a recording with "1"; it can with #, *' },
        { field: 'callFlow.steps[0].transcribeLocale', message: expect.stringMatching(/^MessageBird classic cannot transcribe ja-JP/) },
      ]);
      expect((await preview({ callFlow: recordFlow, platform: 'bird' }).expect(200)).body.platform).toBe('bird');
      expect((await preview({ callFlow: recordFlow, platform: 'twilio' }).expect(400)).body.errors).toEqual([{ field: 'platform', message: 'must be one of simulator, messagebird, bird' }]);
      expect((await preview({ callFlow: previewFlow, properties, keys: ['1', '12', 3] }).expect(400)).body.errors).toEqual([
        { field: 'keys[1]', message: 'must be one key: 0-9, * or #, or "" for no input; got "12"' },
        { field: 'keys[2]', message: 'must be one key: 0-9, * or #, or "" for no input; got 3' },
      ]);
      expect((await preview({ callFlow: previewFlow, properties, key: ['1'] }).expect(400)).body.errors).toEqual([{ field: 'key', message: 'unknown field; did you mean "keys"?' }]);
      expect((await preview({ callFlow: previewFlow, properties: 'Alex' }).expect(400)).body.errors).toEqual([{ field: 'properties', message: "must be an object of the callee's properties" }]);
    });

    it('stores nothing and dials no one', async () => {
      const db = t.app.get(DataSource);
      const counts = async () => (await db.query(`SELECT (SELECT count(*) FROM call_requests)::int AS requests, (SELECT count(*) FROM calls)::int AS calls, (SELECT count(*) FROM call_flows)::int AS flows, (SELECT count(*) FROM call_flow_versions)::int AS versions`))[0];
      const before = await counts();
      const dial = jest.spyOn(t.app.get(VoiceProvider), 'dial');
      try {
        await preview({ callFlow: previewFlow, properties, keys: ['0'] }).expect(200);
        await preview({ callFlow: previewFlow, properties: {} }).expect(400);
        await t.http.post('/call-flows/preview.wav').set(KEY, apiKey).send({ callFlow: flowV2, properties }).expect(200);
        expect(dial).not.toHaveBeenCalled();
      } finally {
        dial.mockRestore();
      }
      expect(await counts()).toEqual(before);
    });
  });

  describe('spoken preview (espeak-ng)', () => {
    const flow = {
      steps: [
        { name: 'play', message: { msg: 'Dear {{name}}, this is a reminder.' } },
        { name: 'gather', maxRetries: 2, message: { msg: 'Press 1 to pay {{amount}}.', language: 'en-GB', gender: 'female' }, branches: [{ digit: '1', callFlow: { steps: [{ name: 'play', message: { msg: 'Thank you.' } }] } }] },
      ],
    };
    const properties = { name: 'Alex', amount: '20 dollars' };
    /** Seconds of audio as sox reads it (a reader we did not write). */
    const soxSeconds = (wav: Buffer) => {
      const file = join(mkdtempSync(join(tmpdir(), 'preview-wav-')), 'preview.wav');
      writeFileSync(file, wav);
      return Number(execFileSync('soxi', ['-D', file]).toString().trim());
    };

    it('POST /call-flows/preview.wav speaks every prompt in order as a WAV file', async () => {
      const once = await t.http.post('/call-flows/preview.wav').set(KEY, apiKey).send({ callFlow: flow, properties, keys: ['1'] }).buffer(true).parse(bytes).expect(200).expect('Content-Type', 'audio/wav');
      const wav: Buffer = once.body;
      expect(wav.toString('ascii', 0, 4)).toBe('RIFF');
      expect(wav.toString('ascii', 8, 12)).toBe('WAVE');
      expect(wav.readUInt32LE(4)).toBe(wav.length - 8);
      expect(wav.length).toBeGreaterThan(44 + 22050); // more than half a second of 16-bit audio
      const seconds = soxSeconds(wav);
      expect(seconds).toBeGreaterThan(2);
      // A re-prompt is heard again: the same flow with one more prompt is longer.
      const twice = await t.http.post('/call-flows/preview.wav').set(KEY, apiKey).send({ callFlow: flow, properties, keys: ['', '1'] }).buffer(true).parse(bytes).expect(200);
      expect(soxSeconds(twice.body)).toBeGreaterThan(seconds + 0.5);
      // Text that looks like an option is spoken, not obeyed.
      const dashes = { steps: [{ name: 'play', message: { msg: '--help -w /tmp/x.wav $(touch /tmp/pwned) {{name}}' } }] };
      const spoken = await t.http.post('/call-flows/preview.wav').set(KEY, apiKey).send({ callFlow: dashes, properties }).buffer(true).parse(bytes).expect(200);
      expect(soxSeconds(spoken.body)).toBeGreaterThan(1);
    });

    it('GET /call-flows/{id}/preview.wav speaks a saved flow (a version, keys and properties in the query)', async () => {
      const id = (await a().post('/call-flows').send({ title: 'spoken', callFlow: flow }).expect(201)).body.id;
      const query = `version=1&keys=${encodeURIComponent(',1')}&properties=${encodeURIComponent(JSON.stringify(properties))}`;
      const answer = await a().get(`/call-flows/${id}/preview.wav?${query}`).buffer(true).parse(bytes).expect(200).expect('Content-Type', 'audio/wav');
      expect(answer.headers['content-disposition']).toBe(`inline; filename="call-flow-${id}-v1.wav"`);
      expect(soxSeconds(answer.body)).toBeGreaterThan(2);
      expect((await a().get(`/call-flows/${id}/preview.wav?properties=%7Bname`).expect(400)).body.errors[0].field).toBe('properties');
      expect((await a().get(`/call-flows/${id}/preview.wav?properties=${encodeURIComponent('["x"]')}`).expect(400)).body.errors[0].field).toBe('properties');
      expect((await a().get(`/call-flows/${id}/preview.wav?properties=${encodeURIComponent('{"name":"A"}')}`).expect(400)).body.errors).toEqual([
        { field: 'properties', message: 'missing 1 placeholder(s) used by the call flow: amount' },
      ]);
      expect((await a().get(`/call-flows/${id}/preview.wav?keys=12&properties=${encodeURIComponent(JSON.stringify(properties))}`).expect(400)).body.errors[0].field).toBe('keys[0]');
      await a().get(`/call-flows/${id}/preview.wav?version=2`).expect(404);
      await as(other.apiKey).get(`/call-flows/${id}/preview.wav?properties=${encodeURIComponent(JSON.stringify(properties))}`).expect(404);
    });

    it('answers 501 with the install hint when espeak-ng is not on PATH', async () => {
      const speech = t.app.get(SpeechSynthesizer);
      const id = (await a().post('/call-flows').send({ title: 'mute', callFlow: flow }).expect(201)).body.id;
      const hint = { status: 'not_implemented', message: 'Spoken previews need espeak-ng on the server: apt-get install espeak-ng' };
      speech.env = { PATH: '' };
      try {
        expect((await a().post('/call-flows/preview.wav').send({ callFlow: flow, properties }).expect(501)).body).toEqual(hint);
        expect((await a().get(`/call-flows/${id}/preview.wav?properties=${encodeURIComponent(JSON.stringify(properties))}`).expect(501)).body).toEqual(hint);
        // What the flow or the properties get wrong is still a 400 first.
        await a().post('/call-flows/preview.wav').send({ callFlow: flow }).expect(400);
      } finally {
        speech.env = undefined;
      }
      speech.binary = '/nonexistent/espeak-ng';
      try {
        expect((await a().post('/call-flows/preview.wav').send({ callFlow: flow, properties }).expect(501)).body).toEqual(hint);
      } finally {
        speech.binary = 'espeak-ng';
      }
      await a().post('/call-flows/preview.wav').send({ callFlow: flow, properties }).expect(200);
    });

    it('refuses a preview too long to speak', async () => {
      const long = { steps: [{ name: 'gather', maxRetries: 10, message: { msg: 'x '.repeat(499) + 'y' }, branches: [{ digit: '1' }] }] };
      const refused = await a().post('/call-flows/preview.wav').send({ callFlow: long }).expect(400);
      expect(refused.body.errors).toEqual([{ field: 'keys', message: expect.stringMatching(/^the preview would speak 9990 characters; a spoken preview speaks at most 5000/) }]);
    });
  });
});
