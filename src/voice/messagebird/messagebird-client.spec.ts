import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MessageBirdClient } from './messagebird-client';
import { MessageBirdApiError, MessageBirdTransportError } from './messagebird-errors';

const fixture = (path: string) => readFileSync(join(__dirname, '../../../test/support/messagebird-double/fixtures', path), 'utf8');

type Answer = { status: number; body?: string } | 'timeout' | 'refused';

/** A fetch that answers from a script and records every request. */
function scriptedFetch(answers: Answer[]) {
  const requests: { url: string; method: string; headers: Record<string, string>; body?: string }[] = [];
  const fetchImpl = (async (url: string, init: RequestInit) => {
    requests.push({ url, method: init.method!, headers: init.headers as Record<string, string>, body: init.body as string | undefined });
    const answer = answers.shift();
    if (!answer) throw new Error('unexpected request');
    if (answer === 'timeout') throw Object.assign(new Error('timed out'), { name: 'TimeoutError' });
    if (answer === 'refused') throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
    return new Response(answer.body ?? null, { status: answer.status, headers: { 'content-type': 'application/json' } });
  }) as unknown as typeof fetch;
  return { fetchImpl, requests };
}

const client = (answers: Answer[], placementAttempts = 3) => {
  const { fetchImpl, requests } = scriptedFetch(answers);
  return {
    requests,
    api: new MessageBirdClient({ baseUrl: 'https://mb.test', accessKey: 'live_key', requestTimeoutMs: 1000, placementAttempts, retryBaseMs: 1 }, fetchImpl),
  };
};

const placement = JSON.parse(fixture('php-sdk/createCall_requestBody.json'));
const request = { ...placement, webhook: { url: 'https://us.test/webhooks/messagebird?callId=c1', token: 't' } };

describe('MessageBirdClient', () => {
  it('places a call with the access key, the API version and a JSON body, and reads the call id from the envelope', async () => {
    const { api, requests } = client([{ status: 201, body: fixture('php-sdk/createCall_response201.json') }]);
    const call = await api.placeCall(request);
    expect(call).toMatchObject({ id: '21025ed1-cc1d-4554-ac05-043fa6c84e00', status: 'starting' });
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ url: 'https://mb.test/calls', method: 'POST' });
    expect(requests[0].headers).toMatchObject({ authorization: 'AccessKey live_key', 'x-messagebird-version': '20170314', 'content-type': 'application/json' });
    expect(JSON.parse(requests[0].body!)).toEqual(request);
  });

  it('reads errors[].code/message into a MessageBirdApiError that names the code', async () => {
    const { api } = client([{ status: 404, body: fixture('go-sdk/error.json') }]);
    const error = await api.getCall('nope').catch((e) => e);
    expect(error).toBeInstanceOf(MessageBirdApiError);
    expect(error.status).toBe(404);
    expect(error.errors).toEqual([{ code: 13, message: 'some-error' }]);
    expect(error.notFound).toBe(true);
    expect(error.message).toBe('MessageBird error 13 (the resource was not found): some-error (HTTP 404)');
  });

  it('keeps every error of a body with several', async () => {
    const { api } = client([{ status: 422, body: fixture('go-sdk/errors.json') }]);
    const error = await api.placeCall(request).catch((e) => e);
    expect(error.errors.map((e: { code: number }) => e.code)).toEqual([11, 15]);
    expect(error.message).toContain('MessageBird error 11 (a required parameter is missing): some-error');
    expect(error.message).toContain('MessageBird error 15 (authentication is missing): other-error');
  });

  it('takes 204 as an empty success', async () => {
    const { api, requests } = client([{ status: 204 }]);
    await expect(api.deleteCall('21025ed1')).resolves.toBeUndefined();
    expect(requests[0]).toMatchObject({ url: 'https://mb.test/calls/21025ed1', method: 'DELETE' });
    expect(requests[0].body).toBeUndefined();
  });

  it('reads legs and recordings with their pagination', async () => {
    const { api, requests } = client([
      { status: 200, body: fixture('java-sdk/call_legs_list.json') },
      { status: 200, body: fixture('go-sdk/recordingPaginatorObject.json') },
    ]);
    const legs = await api.listLegs('unforgiven-call');
    expect(legs).toEqual([expect.objectContaining({ id: 'first-leg-of-unforgiven-call', status: 'hangup', direction: 'outgoing', answeredAt: '2019-01-10T16:13:24Z' })]);
    const recordings = await api.listRecordings('callid', 'legid');
    expect(recordings).toHaveLength(2);
    expect(recordings[0]).toMatchObject({ id: 'recid', status: 'done', duration: 6, _links: { file: '/recordings/recid.wav' } });
    expect(requests.map((r) => r.url)).toEqual(['https://mb.test/calls/unforgiven-call/legs?page=1', 'https://mb.test/calls/callid/legs/legid/recordings?page=1']);
  });

  it('retries a placement after a 5xx, a timeout or a refused connection, and places it once it is accepted', async () => {
    const { api, requests } = client(
      [{ status: 500, body: '{"errors":[{"code":21,"message":"boom"}]}' }, 'timeout', 'refused', { status: 201, body: fixture('php-sdk/createCall_response201.json') }],
      4,
    );
    await expect(api.placeCall(request)).resolves.toMatchObject({ id: '21025ed1-cc1d-4554-ac05-043fa6c84e00' });
    expect(requests.filter((r) => r.method === 'POST')).toHaveLength(4);
  });

  it('gives up after the configured number of attempts', async () => {
    const { api, requests } = client([{ status: 503 }, 'timeout', { status: 502 }], 3);
    const error = await api.placeCall(request).catch((e) => e);
    expect(error).toBeInstanceOf(MessageBirdApiError);
    expect(error.status).toBe(502);
    expect(requests).toHaveLength(3);

    const timeouts = client(['timeout', 'timeout'], 2);
    await expect(timeouts.api.placeCall(request)).rejects.toBeInstanceOf(MessageBirdTransportError);
    expect(timeouts.requests).toHaveLength(2);
  });

  it('never retries a 4xx, and never places a call again once MessageBird answered 2xx', async () => {
    const refused = client([{ status: 422, body: '{"errors":[{"code":12,"message":"destination is invalid"}]}' }]);
    await expect(refused.api.placeCall(request)).rejects.toThrow('MessageBird error 12 (a parameter has an invalid value): destination is invalid (HTTP 422)');
    expect(refused.requests).toHaveLength(1);

    const noId = client([{ status: 201, body: '{"data":[]}' }]);
    await expect(noId.api.placeCall(request)).rejects.toThrow('returned no call id');
    expect(noId.requests).toHaveLength(1);
  });
});
