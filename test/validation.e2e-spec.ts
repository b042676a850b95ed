import { SEED_EXAMPLE } from './support/seed-example';
import { startTestApp, TestApp } from './support/test-app';

const KEY = 'x-credential-api-key';

type Raw = Record<string, any>;

const destination = (i: number, properties: Raw = { name: `Customer ${i}` }) => ({
  phone: `+659100${String(i).padStart(4, '0')}`,
  caller: '+6582674904',
  properties,
});
const play = (msg = 'Hello {{name}}') => ({ name: 'play', message: { msg } });
const gather = (branches: unknown) => ({ name: 'gather', message: { msg: 'Press 1, {{name}}' }, branches });

/** A valid body; tests break one thing in it. */
const validBody = (requestId: string, destinations = 1): Raw => ({
  requestId,
  destinations: Array.from({ length: destinations }, (_, i) => destination(i)),
  callFlow: { steps: [play()] },
});

/** A callFlow nested `levels` levels deep (the top-level flow is level 1). */
function nestedFlow(levels: number): Raw {
  let flow: Raw = { steps: [play('innermost')] };
  for (let level = levels - 1; level >= 1; level--) flow = { steps: [gather([{ digit: '1', callFlow: flow }])] };
  return flow;
}

describe('POST /call validation', () => {
  let t: TestApp;
  /** Never gets a campaign accepted: its queue must stay empty. */
  let refusedKey: string;
  let acceptedKey: string;

  beforeAll(async () => {
    // Slow calls: whatever is accepted stays queued or ringing for the whole file.
    t = await startTestApp({ simulatorScript: { default: { ringMs: 60_000 } }, simulatorSpeed: 1 });
    ({ apiKey: refusedKey } = await t.createOrganization(2, 'refused'));
    ({ apiKey: acceptedKey } = await t.createOrganization(2, 'accepted'));
  }, 30_000);
  afterAll(() => t.close());

  const post = (body: unknown, apiKey = refusedKey) => t.http.post('/call').set(KEY, apiKey).send(body as object);

  /** Asserts the organization has stored nothing under `requestId`, and no call at all. */
  async function expectNothingStored(requestId: string | undefined) {
    if (requestId !== undefined) {
      const status = await t.http.get(`/status/${encodeURIComponent(requestId)}`).set(KEY, refusedKey);
      expect(status.status).toBe(404);
      expect(status.body).toEqual({ status: 'not_found', message: expect.any(String) });
    }
    const usage = await t.http.get('/organization/usage').set(KEY, refusedKey);
    expect(usage.status).toBe(200);
    expect(usage.body).toMatchObject({ queuedCalls: 0, ongoingCalls: 0 });
  }

  /**
   * Posts a body that must be refused: a 400 in the API's error shape, naming each of `fields`,
   * with nothing stored. Returns the body's errors.
   */
  async function expectRefused(body: Raw, fields: string[]): Promise<{ field: string; message: string }[]> {
    const response = await post(body);
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toMatch(/application\/json/);
    const { status, message, errors, errorCount } = response.body;
    expect(Object.keys(response.body).sort()).toEqual(['errorCount', 'errors', 'message', 'status']);
    expect(status).toBe('bad_request');
    expect(typeof message).toBe('string');
    expect(message).toContain(fields[0]);
    expect(Array.isArray(errors)).toBe(true);
    for (const error of errors) {
      expect(Object.keys(error).sort()).toEqual(['field', 'message']);
      expect(typeof error.field).toBe('string');
      expect(typeof error.message).toBe('string');
      expect(error.message.length).toBeGreaterThan(0);
    }
    expect(errorCount).toBe(errors.length);
    expect([...new Set(errors.map((e: any) => e.field))].sort()).toEqual([...fields].sort());
    await expectNothingStored(typeof body.requestId === 'string' ? body.requestId : undefined);
    return errors;
  }

  describe('destinations', () => {
    it('refuses a phone that is not E.164, naming destinations[3].phone in a list of 5', async () => {
      const body = validBody('bad-phone', 5);
      body.destinations[3].phone = '0917-660-247';
      const errors = await expectRefused(body, ['destinations[3].phone']);
      expect(errors).toEqual([{ field: 'destinations[3].phone', message: expect.stringContaining('E.164') }]);
    });

    it.each(['+0123456', '+123456789012345678', '65 8889 3322', '', 'abc'])('refuses the phone %p', async (phone) => {
      const body = validBody(`bad-phone-${phone}`, 2);
      body.destinations[1].phone = phone;
      await expectRefused(body, ['destinations[1].phone']);
    });

    it('refuses a caller that is not E.164', async () => {
      const body = validBody('bad-caller', 3);
      body.destinations[0].caller = '+6582674904x';
      const errors = await expectRefused(body, ['destinations[0].caller']);
      expect(errors).toEqual([{ field: 'destinations[0].caller', message: expect.stringContaining('E.164') }]);
    });

    it('refuses an empty destinations list', async () => {
      const errors = await expectRefused({ ...validBody('no-destinations'), destinations: [] }, ['destinations']);
      expect(errors).toEqual([{ field: 'destinations', message: 'must contain at least one destination' }]);
    });

    it('refuses a missing destinations list', async () => {
      const { destinations: _omitted, ...body } = validBody('missing-destinations');
      const errors = await expectRefused(body, ['destinations']);
      expect(errors).toContainEqual({ field: 'destinations', message: 'must be an array of destinations' });
    });

    it('refuses a destination that is not an object, and properties that are not an object', async () => {
      const body = validBody('bad-destination-shapes', 3);
      body.destinations[1] = null;
      body.destinations[2].properties = ['Alex'];
      await expectRefused(body, ['destinations[1]', 'destinations[2].properties']);
    });

    it('refuses more than 100,000 destinations, naming destinations', async () => {
      const body = {
        requestId: 'too-many-destinations',
        destinations: Array.from({ length: 100_001 }, (_, i) => ({ phone: `+6590${String(i).padStart(6, '0')}`, caller: '+6582674904' })),
        callFlow: { steps: [play('Hello')] },
      };
      const errors = await expectRefused(body, ['destinations']);
      expect(errors).toEqual([{ field: 'destinations', message: 'must contain at most 100000 destinations' }]);
    }, 30_000);

    it('lists the first 100 of many errors and counts them all', async () => {
      const body = validBody('many-errors', 150);
      for (const d of body.destinations) d.phone = 'nope';
      const response = await post(body);
      expect(response.status).toBe(400);
      expect(response.body.status).toBe('bad_request');
      expect(response.body.errorCount).toBe(150);
      expect(response.body.errors).toHaveLength(100);
      expect(response.body.errors[0].field).toBe('destinations[0].phone');
      expect(response.body.errors[99].field).toBe('destinations[99].phone');
      await expectNothingStored('many-errors');
    });
  });

  describe('requestId', () => {
    it('refuses a missing requestId', async () => {
      const { requestId: _omitted, ...body } = validBody('unused');
      await expectRefused(body, ['requestId']);
    });

    it('refuses an empty, non-string or over-long requestId', async () => {
      await expectRefused({ ...validBody('x'), requestId: '' }, ['requestId']);
      await expectRefused({ ...validBody('x'), requestId: 42 }, ['requestId']);
      await expectRefused({ ...validBody('x'), requestId: 'r'.repeat(201) }, ['requestId']);
    });
  });

  describe('callFlow', () => {
    it('refuses a missing callFlow', async () => {
      const { callFlow: _omitted, ...body } = validBody('no-flow');
      await expectRefused(body, ['callFlow']);
    });

    it('refuses a msg over 1000 characters', async () => {
      const errors = await expectRefused({ ...validBody('long-msg'), callFlow: { steps: [play('x'.repeat(1001))] } }, ['callFlow.steps[0].message.msg']);
      expect(errors[0].message).toContain('1001');
    });

    it('refuses a msg that is over 1000 characters only after rendering', async () => {
      const body = validBody('long-after-render', 2);
      body.callFlow = { steps: [play('ok'), play('Dear {{name}}')] };
      body.destinations[1].properties = { name: 'y'.repeat(1000) };
      const errors = await expectRefused(body, ['destinations[1].properties']);
      expect(errors).toEqual([
        { field: 'destinations[1].properties', message: 'callFlow.steps[1].message.msg renders to 1005 characters; at most 1000 are allowed' },
      ]);
    });

    it('refuses an unknown step name', async () => {
      const errors = await expectRefused({ ...validBody('unknown-step'), callFlow: { steps: [{ name: 'dial', destination: '+6591991191' }] } }, [
        'callFlow.steps[0].name',
      ]);
      expect(errors[0].message).toContain('"dial"');
    });

    it('refuses a gather without branches', async () => {
      await expectRefused({ ...validBody('gather-no-branches'), callFlow: { steps: [play(), { name: 'gather', message: { msg: 'Press' } }] } }, [
        'callFlow.steps[1].branches',
      ]);
    });

    it('refuses two default branches', async () => {
      const flow = { steps: [play(), gather([{ digit: '1', default: 'true' }, { default: true, callFlow: { steps: [play()] } }])] };
      await expectRefused({ ...validBody('two-defaults'), callFlow: flow }, ['callFlow.steps[1].branches[1].default']);
    });

    it('refuses a digit outside 0-9 * #', async () => {
      const flow = { steps: [play(), gather([{ digit: '12', callFlow: { steps: [play()] } }, { default: true }])] };
      const errors = await expectRefused({ ...validBody('bad-digit'), callFlow: flow }, ['callFlow.steps[1].branches[0].digit']);
      expect(errors[0].message).toContain('"12"');
    });

    it('refuses the same digit on two branches', async () => {
      const flow = { steps: [gather([{ digit: '1' }, { digit: '1' }])] };
      await expectRefused({ ...validBody('same-digit'), callFlow: flow }, ['callFlow.steps[0].branches[1].digit']);
    });

    it('refuses an invalid transfer destination', async () => {
      await expectRefused({ ...validBody('bad-transfer'), callFlow: { steps: [{ name: 'transfer', destination: '12ab' }] } }, [
        'callFlow.steps[0].destination',
      ]);
    });

    it('refuses nesting deeper than 5 levels', async () => {
      const errors = await expectRefused({ ...validBody('too-deep'), callFlow: nestedFlow(6) }, [`callFlow${'.steps[0].branches[0].callFlow'.repeat(5)}`]);
      expect(errors[0].message).toContain('6 levels');
    });

    it('refuses more than 100 steps', async () => {
      const steps = Array.from({ length: 101 }, (_, i) => play(`step ${i} {{name}}`));
      const errors = await expectRefused({ ...validBody('too-many-steps'), callFlow: { steps } }, ['callFlow']);
      expect(errors[0].message).toContain('101 steps');
    });

    it('refuses a template with invalid syntax, naming the message', async () => {
      const errors = await expectRefused({ ...validBody('bad-template'), callFlow: { steps: [play('ok'), play('Dear {{#if vip}}sir')] } }, [
        'callFlow.steps[1].message.msg',
      ]);
      expect(errors[0].message).toMatch(/^is not a valid template/);
    });

    it('lists every flow error of one submission', async () => {
      const flow = { steps: [{ name: 'dial' }, play(''), { name: 'transfer', destination: 'nowhere' }] };
      await expectRefused({ ...validBody('several-flow-errors'), callFlow: flow }, [
        'callFlow.steps[0].name',
        'callFlow.steps[1].message.msg',
        'callFlow.steps[2].destination',
      ]);
    });
  });

  describe('placeholders', () => {
    it('names the destination and the missing placeholders', async () => {
      const body = validBody('missing-placeholder', 3);
      body.callFlow = { steps: [play('Dear {{name}}, pay {{amount}} by {{dueDate}}')] };
      body.destinations[0].properties = { name: 'A', amount: '1', dueDate: 'x' };
      body.destinations[1].properties = { name: 'B' };
      body.destinations[2].properties = { name: 'C', amount: '3', dueDate: 'z' };
      const errors = await expectRefused(body, ['destinations[1].properties']);
      expect(errors).toEqual([{ field: 'destinations[1].properties', message: 'missing 2 placeholder(s) used by the call flow: amount, dueDate' }]);
    });

    it('lists at most 20 missing names with the total count, for each destination that misses some', async () => {
      const names = Array.from({ length: 25 }, (_, i) => `p${String(i + 1).padStart(2, '0')}`);
      const all = Object.fromEntries(names.map((n) => [n, n.toUpperCase()]));
      const body: Raw = {
        requestId: 'missing-25',
        destinations: [destination(0, all), destination(1, {}), destination(2, all), destination(3, { p01: 'only one' })],
        callFlow: { steps: [play(names.map((n) => `{{${n}}}`).join(' '))] },
      };
      const errors = await expectRefused(body, ['destinations[1].properties', 'destinations[3].properties']);
      expect(errors).toEqual([
        { field: 'destinations[1].properties', message: `missing 25 placeholder(s) used by the call flow: ${names.slice(0, 20).join(', ')} and 5 more` },
        { field: 'destinations[3].properties', message: `missing 24 placeholder(s) used by the call flow: ${names.slice(1, 21).join(', ')} and 4 more` },
      ]);
    });

    it('treats a destination without properties as having none', async () => {
      const body = validBody('no-properties', 2);
      delete body.destinations[1].properties;
      await expectRefused(body, ['destinations[1].properties']);
    });
  });

  describe('body format', () => {
    it('refuses malformed JSON with 400 bad_request', async () => {
      const response = await t.http
        .post('/call')
        .set(KEY, refusedKey)
        .set('content-type', 'application/json')
        .send('{"requestId": "malformed-json", "destinations": [');
      expect(response.status).toBe(400);
      expect(response.body).toEqual({ status: 'bad_request', message: expect.stringMatching(/JSON/) });
      await expectNothingStored('malformed-json');
    });

    it('refuses a JSON document that is not an object or array', async () => {
      const response = await t.http.post('/call').set(KEY, refusedKey).set('content-type', 'application/json').send('"request"');
      expect(response.status).toBe(400);
      expect(response.body.status).toBe('bad_request');
      await expectNothingStored(undefined);
    });

    it('refuses a body that is not JSON with 415 unsupported_media_type', async () => {
      const response = await t.http
        .post('/call')
        .set(KEY, refusedKey)
        .set('content-type', 'text/plain')
        .send(JSON.stringify(validBody('text-plain')));
      expect(response.status).toBe(415);
      expect(response.body).toEqual({ status: 'unsupported_media_type', message: expect.stringContaining('application/json') });
      await expectNothingStored('text-plain');
    });

    it('refuses a form-encoded body with 415', async () => {
      const response = await t.http.post('/call').set(KEY, refusedKey).type('form').send({ requestId: 'form-body' });
      expect(response.status).toBe(415);
      expect(response.body.status).toBe('unsupported_media_type');
      await expectNothingStored('form-body');
    });
  });

  describe('accepted bodies', () => {
    it('accepts the seed example verbatim', async () => {
      const response = await post(SEED_EXAMPLE, acceptedKey);
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ requestId: 'request_10', status: 'submitted', summary: { total: 2 } });
      expect(response.body.details.map((d: any) => [d.destination, d.caller])).toEqual([
        ['+84917660247', '+6582674904'],
        ['+84912860330', '+6582674904'],
      ]);
      const status = await t.http.get('/status/request_10').set(KEY, acceptedKey);
      expect(status.status).toBe(200);
      expect(status.body.requestId).toBe('request_10');
      expect(status.body.summary.total).toBe(2);
    });

    it('accepts the limits themselves: a 1000-character msg, 100 steps, 5 levels of nesting', async () => {
      const steps: Raw[] = [play('x'.repeat(1000)), ...nestedFlow(5).steps];
      while (steps.length < 96) steps.push(play(`step ${steps.length}`));
      // 96 top-level steps + 4 nested = 100 steps in all
      const body = { ...validBody('at-the-limits'), callFlow: { steps } };
      const response = await post(body, acceptedKey);
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ requestId: 'at-the-limits', status: 'submitted', summary: { total: 1 } });
    });

    it('accepts a message that renders to exactly 1000 characters', async () => {
      const body = validBody('render-1000', 1);
      body.callFlow = { steps: [play('Dear {{name}}')] };
      body.destinations[0].properties = { name: 'y'.repeat(995) };
      const response = await post(body, acceptedKey);
      expect(response.status).toBe(200);
      expect(response.body.status).toBe('submitted');
    });
  });
});
