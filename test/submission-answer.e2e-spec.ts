import { startTestApp, TestApp } from './support/test-app';

const KEY = 'x-credential-api-key';

/**
 * POST /call answers with page 1 of the campaign's status document built from the calls it has just stored,
 * not read back (issue 17 item 1). What it answers must be exactly what GET /status answers for the same page
 * before anything happens to the calls: checked here with no dispatcher running (role api), on both ways of
 * storing calls (COPY, and the embedded database's batched inserts, `localMode`).
 */
describe.each([
  ['COPY', false],
  ['batched inserts (localMode)', true],
])('POST /call answers what GET /status reads back, calls stored by %s', (_name, localMode) => {
  let t: TestApp;
  let key: string;

  beforeAll(async () => {
    t = await startTestApp({ config: { role: 'api', localMode } });
    ({ apiKey: key } = await t.createOrganization(5));
  });
  afterAll(() => t.close());

  // Numbers of shared calling codes and of several countries, properties as integrators send them.
  const destinations = (count: number) =>
    Array.from({ length: count }, (_, i) => ({
      phone: ['+12015550123', '+14165550199', '+447700900123', '+6591234567', '+61412345678', '+5511987654321'][i % 6].slice(0, -3) + String(100 + i).slice(-3),
      caller: '+6582674904',
      properties: { name: i % 2 ? `Zoë "Z" O'Brien\t${i}` : `客户 ${i}`, amount: i * 10.5, paid: i % 3 === 0 },
    }));
  const flow = { steps: [{ name: 'play', message: { msg: 'Hello {{name}}, {{amount}} is due.' } }] };

  const submitAndRead = async (requestId: string, body: Record<string, unknown>) => {
    const submitted = await t.http.post('/call').set(KEY, key).send({ requestId, callFlow: flow, ...body });
    expect(submitted.status).toBe(200);
    const read = await t.http.get(`/status/${requestId}?page=1&perPage=100`).set(KEY, key);
    expect(read.status).toBe(200);
    return { submitted: submitted.body, read: read.body };
  };

  it('queued calls, more than one page of them', async () => {
    const { submitted, read } = await submitAndRead(`queued-${localMode}`, { destinations: destinations(130) });
    expect(submitted.details).toHaveLength(100);
    expect(submitted.details.every((d: { status: string }) => d.status === 'queued')).toBe(true);
    expect(submitted).toEqual(read);
  });

  it('calls scheduled for their start (startAt)', async () => {
    const startAt = new Date(Date.now() + 3_600_000).toISOString();
    const { submitted, read } = await submitAndRead(`scheduled-${localMode}`, { destinations: destinations(7), startAt });
    expect(submitted.details.map((d: { status: string; nextAttemptAt: string }) => [d.status, d.nextAttemptAt])).toEqual(Array(7).fill(['scheduled', startAt]));
    expect(submitted).toEqual(read);
  });

  it('with a number on the do-not-call list (its suppression is read back)', async () => {
    const listed = destinations(4)[3].phone;
    expect((await t.http.post('/organization/dnc').set(KEY, key).send({ phones: [listed] })).status).toBe(200);
    const { submitted, read } = await submitAndRead(`suppressed-${localMode}`, { destinations: destinations(4) });
    expect(submitted.summary.suppressed).toBe(1);
    expect(submitted.details[3]).toMatchObject({ destination: listed, failureReason: 'on the do-not-call list' });
    expect(submitted).toEqual(read);
  });
});
