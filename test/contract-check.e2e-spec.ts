import { contract, toStrictJsonSchema } from './support/contract';

/** The contract check itself (test/support/contract.ts) must fail where an answer breaks openapi.json. */
describe('the contract check of the e2e suites', () => {
  const usage = { limit: 6, externalOngoingCalls: 2, externalSource: 'reported', ongoingCalls: 1, free: 3, queuedCalls: 0 };
  const json = 'application/json; charset=utf-8';

  it('accepts an answer as documented', () => {
    expect(contract().check('GET', '/organization/usage', 200, json, usage)).toEqual([]);
  });

  it('names the route, the status and the path of a field outside the schema', () => {
    expect(contract().check('GET', '/organization/usage', 200, json, { ...usage, extra: 1 })).toEqual([
      expect.stringMatching(/^GET \/organization\/usage \(\/organization\/usage\) answered 200: body must NOT have additional properties "extra"/),
    ]);
  });

  it('refuses an undocumented status, a value outside an enum, a missing field and an undocumented media type', () => {
    expect(contract().check('GET', '/organization/usage', 404, json, { status: 'not_found', message: 'x' })).toEqual([expect.stringContaining('status 404 is not documented')]);
    expect(contract().check('GET', '/organization/usage', 200, json, { ...usage, externalSource: 'guessed' })).toEqual([expect.stringContaining('body/externalSource must be equal to one of the allowed values')]);
    const { free, ...withoutFree } = usage;
    void free;
    expect(contract().check('GET', '/organization/usage', 200, json, withoutFree)).toEqual([expect.stringContaining("must have required property 'free'")]);
    expect(contract().check('GET', '/status/r1/export.csv', 200, 'application/json', {})).toEqual([expect.stringContaining('Content-Type application/json is not documented')]);
  });

  it('checks nested schemas, nullable fields and error bodies of templated paths', () => {
    const error = { status: 'not_found', message: 'No call request "r1"' };
    expect(contract().check('GET', '/status/r1?perPage=1', 404, json, error)).toEqual([]);
    expect(contract().check('GET', '/status/r1', 404, json, { ...error, stack: 'x' })).toEqual([expect.stringContaining('"stack"')]);
    const view = { requestId: 'r1', status: 'paused', source: 'api', createdAt: '2026-11-20T09:30:00.000Z', completedAt: null, summary: {} };
    expect(contract().check('POST', '/status/r1/pause', 200, json, view).join('\n')).toContain("body/summary must have required property 'total'");
  });

  it('leaves routes the document does not describe alone', () => {
    expect(contract().check('POST', '/webhooks/messagebird/events', 204, undefined, undefined)).toEqual([]);
    expect(contract().check('GET', '/dashboard', 200, 'text/html', '')).toEqual([]);
  });

  it('reads nullable as a null alternative and closes objects that list their properties', () => {
    expect(toStrictJsonSchema({ type: 'object', nullable: true, properties: { a: { type: 'string' } } })).toEqual({
      anyOf: [{ type: 'null' }, { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: false }],
    });
  });
});
