import { Client } from 'pg';
import { startTestApp, TestApp } from './support/test-app';

/**
 * Issue 14, item 1: what is spoken is what was meant. Through HTTP against the real app: property values,
 * reserved names, template helpers, messages with nothing to say, unknown fields with "did you mean"
 * hints, for POST /call, dry runs, CSV uploads and the organization's JSON bodies. Every refusal is a 400 in
 * the README's shape, and nothing is stored.
 */
const KEY = 'x-credential-api-key';
type Raw = Record<string, any>;

const destination = (i: number, properties: Raw = { name: `Customer ${i}` }) => ({ phone: `+659200${String(i).padStart(4, '0')}`, caller: '+6582674904', properties });
const play = (msg: string) => ({ name: 'play', message: { msg } });
const body = (requestId: string, destinations: Raw[], steps: Raw[] = [play('Hello {{name}}')]): Raw => ({ requestId, destinations, callFlow: { steps } });
const THE_ISSUES_HELPERS = '{{#with "constructor"}}{{#with split as |a|}}{{pop (push "x")}}{{/with}}{{/with}}';

describe('what is spoken is what was meant (issue 14)', () => {
  let t: TestApp;
  let refusedKey: string;
  let refusedOrg: string;
  let acceptedKey: string;

  beforeAll(async () => {
    t = await startTestApp();
    ({ apiKey: refusedKey, id: refusedOrg } = await t.createOrganization(2, 'refused'));
    ({ apiKey: acceptedKey } = await t.createOrganization(2, 'accepted'));
  }, 30_000);
  afterAll(() => t.close());

  const post = (payload: unknown, path = '/call', apiKey = refusedKey) => t.http.post(path).set(KEY, apiKey).send(payload as object);

  /** A 400 in the README's shape whose errors name exactly `fields` (in any order); returns the errors. */
  async function expectRefused(response: { status: number; body: any }, fields: string[]): Promise<{ field: string; message: string }[]> {
    expect(response.status).toBe(400);
    const { status, message, errors, errorCount } = response.body;
    expect(Object.keys(response.body).sort()).toEqual(['errorCount', 'errors', 'message', 'status']);
    expect(status).toBe('bad_request');
    expect(message).toContain(fields[0]);
    expect(errorCount).toBe(errors.length);
    expect([...new Set(errors.map((e: any) => e.field))].sort()).toEqual([...fields].sort());
    return errors;
  }

  /** The refused organization never has anything stored: no request, no call. */
  async function expectNothingStored(): Promise<void> {
    const db = new Client({ connectionString: t.config.databaseUrl });
    await db.connect();
    try {
      const [{ requests }] = (await db.query('SELECT count(*)::int AS requests FROM call_requests WHERE organization_id = $1', [refusedOrg])).rows;
      const [{ calls }] = (await db.query('SELECT count(*)::int AS calls FROM calls WHERE organization_id = $1', [refusedOrg])).rows;
      expect({ requests, calls }).toEqual({ requests: 0, calls: 0 });
    } finally {
      await db.end();
    }
  }
  afterEach(() => expectNothingStored());

  describe('property values', () => {
    it('refuses "name": {"first": "Ann"} naming destinations[i].properties.name, instead of speaking "hi [object Object]"', async () => {
      const errors = await expectRefused(await post(body('object-name', [destination(0), destination(1, { name: { first: 'Ann' } })], [play('hi {{name}}')])), ['destinations[1].properties.name']);
      expect(errors[0].message).toBe('must be text, a number or true/false (it is spoken as written); got an object');
    });

    it('refuses arrays and nulls, used by the flow or not, each by its path', async () => {
      const errors = await expectRefused(
        await post(body('array-null', [destination(0, { name: ['Ann'] }), destination(1, { name: 'Bo', note: null }), destination(2, { name: 'Cy', extra: { deep: [1] } })])),
        ['destinations[0].properties.name', 'destinations[1].properties.note', 'destinations[2].properties.extra'],
      );
      expect(errors.map((e) => e.message)).toEqual([expect.stringMatching(/got an array$/), expect.stringMatching(/got null$/), expect.stringMatching(/got an object$/)]);
    });

    it.each(['__proto__', 'constructor', 'prototype'])('refuses a property named %s, with any value', async (name) => {
      const payload = JSON.stringify(body(`reserved-${name}`, [destination(0)])).replace('"name":"Customer 0"', `"name":"Customer 0","${name}":"x"`);
      const response = await t.http.post('/call').set(KEY, refusedKey).set('content-type', 'application/json').send(payload);
      const errors = await expectRefused(response, [`destinations[0].properties.${name}`]);
      expect(errors[0].message).toMatch(/is a reserved name/);
    });

    it('refuses them in a dry run too, listing the destination as rejected', async () => {
      const response = await post(body('dry-object', [destination(0), destination(1, { name: { first: 'Ann' } })]), '/call?dryRun=true');
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ dryRun: true, destinations: 2, rejected: 1, errorCount: 1 });
      expect(response.body.errors).toEqual([{ field: 'destinations[1].properties.name', message: expect.stringMatching(/got an object$/) }]);
    });

    it('speaks numbers and booleans as written: 200, true', async () => {
      const accepted = await post(body('numbers', [destination(0, { amount: 200, paid: true, late: false, zero: 0 })], [play('You owe {{amount}}; paid {{paid}}, late {{late}}, {{zero}} left')]), '/call', acceptedKey);
      expect(accepted.status).toBe(200);
      const done = await t.waitForStatus(acceptedKey, 'numbers');
      expect(done.details[0].callFlowSteps[0].info.message).toBe('You owe 200; paid true, late false, 0 left');
    });
  });

  describe('templates', () => {
    it("refuses the issue's helper chain, naming the step's message path (and in a dry run)", async () => {
      const steps = [play('Hello'), play(THE_ISSUES_HELPERS)];
      for (const path of ['/call', '/call?dryRun=true']) {
        const errors = await expectRefused(await post(body('helpers', [destination(0)], steps), path), ['callFlow.steps[1].message.msg']);
        expect(errors[0].message).toMatch(/^is not a valid template: the argument of \{\{#with\}\} must be a property/);
      }
    });

    it.each([
      ['another helper', '{{#with name}}{{pop (push "x")}}{{/with}}', /the helper "pop" is not available/],
      ['a partial', 'Hi {{> header}}', /partials/],
      ['a decorator', 'Hi {{*decorator}} {{name}}', /decorators/],
      ['an inline partial', '{{#*inline "x"}}y{{/inline}}Hi', /decorators/],
      ['a raw block', 'Hi {{{{raw}}}}{{name}}{{{{/raw}}}}', /raw blocks/],
      ['a nested path', 'Hi {{name.first}}', /reads inside a value/],
      ['a reserved name', 'Hi {{constructor}}', /"constructor" cannot be a property name/],
      ['log as a helper', 'Hi {{log name}}', /the helper "log" is not available/],
    ])('refuses %s, naming the message path', async (_, msg, reason) => {
      const steps = [play('Hi'), { name: 'gather', message: { msg: 'Press 1' }, branches: [{ digit: '1', callFlow: { steps: [play(msg)] } }] }];
      const errors = await expectRefused(await post(body('helper', [destination(0)], steps)), ['callFlow.steps[1].branches[0].callFlow.steps[0].message.msg']);
      expect(errors[0].message).toMatch(reason);
    });

    it('accepts if, unless, each, with and lookup over the destination\'s own properties, and {{log}} / {{lookup}} as property names', async () => {
      const msg = '{{#if vip}}Dear{{else}}Hi{{/if}} {{#with name as |n|}}{{n}}{{/with}}, {{lookup this "Due Date"}}{{#unless paid}}, unpaid{{/unless}}; {{log}} {{lookup}}.';
      const properties = { vip: true, name: 'Ann', 'Due Date': 'Friday', paid: false, log: 'L1', lookup: 'K2' };
      const accepted = await post(body('helpers-ok', [destination(0, properties)], [play(msg), play('{{#each this}}{{@key}} {{/each}}')]), '/call', acceptedKey);
      expect(accepted.status).toBe(200);
      const done = await t.waitForStatus(acceptedKey, 'helpers-ok');
      const [first, second] = done.details[0].callFlowSteps.map((s: any) => s.info.message);
      expect(first).toBe('Dear Ann, Friday, unpaid; L1 K2.');
      // Stored as jsonb, the properties come back in jsonb's key order: the same names, maybe not in the order sent.
      expect(second.split(' ').filter(Boolean).sort()).toEqual(['Date', 'Due', 'log', 'lookup', 'name', 'paid', 'vip']);
    });

    it('names the destination that lacks a property read with lookup', async () => {
      const errors = await expectRefused(await post(body('lookup-missing', [destination(0, { name: 'A', 'Due Date': 'x' }), destination(1)], [play('Due {{lookup this "Due Date"}}')])), ['destinations[1].properties']);
      expect(errors[0].message).toBe('missing 1 placeholder(s) used by the call flow: Due Date');
    });
  });

  describe('messages with nothing to say', () => {
    it('refuses a message that renders to empty or whitespace-only text, naming the destination and the step', async () => {
      const steps = [play('Hello {{name}}'), play('{{#if vip}}Dear customer{{/if}}{{note}}')];
      const destinations = [destination(0, { name: 'A', vip: true, note: '' }), destination(1, { name: 'B', vip: false, note: '' }), destination(2, { name: 'C', vip: false, note: ' \t ' })];
      const errors = await expectRefused(await post(body('empty', destinations, steps)), ['destinations[1].properties', 'destinations[2].properties']);
      expect(errors).toEqual([
        { field: 'destinations[1].properties', message: 'callFlow.steps[1].message.msg renders to empty text: the callee would hear nothing' },
        { field: 'destinations[2].properties', message: 'callFlow.steps[1].message.msg renders to only whitespace: the callee would hear nothing' },
      ]);
    });

    it('lists them as rejected in a dry run', async () => {
      const response = await post(body('empty-dry', [destination(0, { name: '' }), destination(1, { name: 'B' })], [play('{{name}}')]), '/call?dryRun=true');
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ rejected: 1, errors: [{ field: 'destinations[0].properties', message: expect.stringContaining('callFlow.steps[0].message.msg renders to empty text') }] });
    });
  });

  describe('unknown fields', () => {
    it('refuses misspelt top-level fields with a "did you mean" hint', async () => {
      const payload = { ...body('typos', [destination(0)]), callingHour: { start: '09:00', end: '20:00', days: ['mon'] }, enableCallRecordng: true, retyr: {} };
      const errors = await expectRefused(await post(payload), ['callingHour', 'enableCallRecordng', 'retyr']);
      expect(errors).toEqual([
        { field: 'callingHour', message: 'unknown field; did you mean "callingHours"?' },
        { field: 'enableCallRecordng', message: 'unknown field; did you mean "enableCallRecording"?' },
        { field: 'retyr', message: 'unknown field; did you mean "retry"?' },
      ]);
    });

    it('refuses unknown fields of destinations, retry, callingHours, machineDetection and the flow, each by its path', async () => {
      const payload = {
        ...body('nested-typos', [{ ...destination(0), propertes: { name: 'A' } }], [{ name: 'play', message: { msg: 'Hi', langauge: 'en' } }]),
        retry: { busy: { maxAttemps: 2 } },
        callingHours: { start: '09:00', end: '20:00', days: ['mon'], timeZone: 'Asia/Singapore' },
        machineDetection: { ifMachine: 'hangup', machineTimout: 3000 },
      };
      const errors = await expectRefused(await post(payload), [
        'destinations[0].propertes',
        'retry.busy.maxAttemps',
        'callingHours.timeZone',
        'machineDetection.machineTimout',
        'callFlow.steps[0].message.langauge',
      ]);
      expect(errors.map((e) => e.message)).toEqual(expect.arrayContaining(['unknown field; did you mean "properties"?', 'unknown field; did you mean "language"?', 'unknown field; did you mean "timezone"?']));
    });

    it('refuses them in a dry run: top-level ones as a 400, a destination\'s as a rejected destination', async () => {
      await expectRefused(await post({ ...body('dry-typo', [destination(0)]), retyr: {} }, '/call?dryRun=true'), ['retyr']);
      const response = await post(body('dry-dest-typo', [{ ...destination(0), propertes: {} }, destination(1)]), '/call?dryRun=true');
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ rejected: 1, errors: [{ field: 'destinations[0].propertes', message: 'unknown field; did you mean "properties"?' }] });
    });

    it('accepts the contract\'s own fields: language and lang, enableCallRecording as text, retry, callingHours, machineDetection', async () => {
      const payload = {
        ...body('contract-fields', [destination(0)], [
          { name: 'play', message: { msg: 'Hi {{name}}', language: 'en', gender: 'female', pitch: 5, rate: 5 } },
          { name: 'gather', maxRetries: 2, message: { msg: 'Press 1', lang: 'en' }, branches: [{ digit: '1', default: 'true', optOut: false, callFlow: { steps: [play('Bye')] } }] },
        ]),
        enableCallRecording: 'false',
        retry: { busy: { maxAttempts: 2, delaySeconds: 60 }, backoff: 'fixed' },
        callingHours: { start: '00:00', end: '24:00', days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] },
        machineDetection: { ifMachine: 'continue', machineTimeout: 3000 },
      };
      const response = await post(payload, '/call', acceptedKey);
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ requestId: 'contract-fields', status: 'submitted' });
    });

    it('refuses unknown fields of PUT /organization/settings, POST /organization/dnc and PUT /organization/usage, changing nothing', async () => {
      const before = await t.http.get('/organization/settings').set(KEY, refusedKey);
      const settings = await t.http.put('/organization/settings').set(KEY, refusedKey).send({ callsPerSecnd: 2, callingHours: null });
      const errors = await expectRefused(settings, ['callsPerSecnd']);
      expect(errors[0]).toEqual({ field: 'callsPerSecnd', message: 'unknown field; did you mean "callsPerSecond"?' });
      const hours = await t.http.put('/organization/settings').set(KEY, refusedKey).send({ callingHours: { start: '09:00', end: '20:00', days: ['mon'], timezon: 'UTC' } });
      expect((await expectRefused(hours, ['callingHours.timezon']))[0].message).toBe('unknown field; did you mean "timezone"?');
      expect((await t.http.get('/organization/settings').set(KEY, refusedKey)).body).toEqual(before.body);

      const dnc = await t.http.post('/organization/dnc').set(KEY, refusedKey).send({ phones: ['+6588893322'], defaultRegon: 'SG' });
      expect((await expectRefused(dnc, ['defaultRegon']))[0].message).toBe('unknown field; did you mean "defaultRegion"?');
      expect((await t.http.get('/organization/dnc').set(KEY, refusedKey)).body.numbers).toEqual([]);

      const usage = await t.http.put('/organization/usage').set(KEY, refusedKey).send({ externalOngoingCall: 1 });
      // Listed with the body's other problem: the field it meant is missing.
      expect((await expectRefused(usage, ['externalOngoingCall', 'externalOngoingCalls']))[0]).toEqual({ field: 'externalOngoingCall', message: 'unknown field; did you mean "externalOngoingCalls"?' });
      expect((await t.http.get('/organization/usage').set(KEY, refusedKey)).body.externalOngoingCalls).toBe(0);

      // The same bodies, spelt right, are accepted.
      expect((await t.http.put('/organization/settings').set(KEY, acceptedKey).send({ callsPerSecond: 2 })).status).toBe(200);
    });
  });

  describe('CSV uploads', () => {
    const upload = (requestId: string, flow: Raw, file: string) =>
      t.http.post('/call/csv').set(KEY, refusedKey).field('requestId', requestId).field('callFlow', JSON.stringify(flow)).attach('file', Buffer.from(file), 'debtors.csv');

    it.each(['__proto__', 'constructor', 'prototype', 'Constructor'])('refuses a header named %s, naming its column', async (name) => {
      const response = await upload(`csv-${name}`, { steps: [play('Hi {{name}}')] }, `phone,caller,name,${name}\n+6588893322,+6582674904,Ann,x\n`);
      expect(response.status).toBe(400);
      expect(response.body.errors).toEqual([{ field: 'file', line: 1, column: name, value: null, message: expect.stringMatching(new RegExp(`^column 4 "${name}" (has a reserved name|gives the reserved property name)`)) }]);
    });

    it("refuses the issue's helper chain in the form's flow, naming the message path", async () => {
      const response = await upload('csv-helpers', { steps: [play(THE_ISSUES_HELPERS)] }, 'phone,caller,name\n+6588893322,+6582674904,Ann\n');
      await expectRefused(response, ['callFlow.steps[0].message.msg']);
    });

    it('refuses a row whose message renders to nothing, with its line', async () => {
      // A quoted cell keeps its spaces: the row has a value, and the message would be only whitespace.
      const response = await upload('csv-empty', { steps: [play('Hi {{name}}'), play('{{spaces}}')] }, 'phone,caller,name,spaces\n+6588893322,+6582674904,Ann,ok\n+6588893323,+6582674904,Bo," "\n');
      expect(response.status).toBe(400);
      expect(response.body.errors).toEqual([{ field: 'file', line: 3, column: null, value: null, message: 'callFlow.steps[1].message.msg renders to only whitespace: the callee would hear nothing' }]);
    });
  });
});
