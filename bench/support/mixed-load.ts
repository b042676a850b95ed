import { PacedLoadResult, runPacedLoad } from './paced-load';

/**
 * The mixed API load of issue 7 item 6, used by the `load` and `soak` benchmarks and by
 * test/load.e2e-spec.ts: at the same time, POST /call with new 100-destination campaigns at one fixed
 * rate and GET /status pages of a running campaign at another, both with autocannon's rate limiting
 * (see paced-load.ts), from one API key.
 */
export interface MixedLoadOptions {
  /** The service's base URL (loopback). */
  baseUrl: string;
  apiKey: string;
  /** POST /call per second, and GET /status per second. */
  postRate: number;
  getRate: number;
  seconds: number;
  /** The campaign whose pages are read: GET /status/{id}?page=P&perPage=100, P cycling over 1..pages. */
  statusRequestId: string;
  statusPages: number;
  /** Unique per run: requestIds are `${prefix}-${n}`, and phones +1556 and 7 digits from n × 100. */
  requestIdPrefix: string;
  postConnections?: number;
  getConnections?: number;
  slices?: number;
}

export interface MixedLoadResult {
  post: PacedLoadResult;
  get: PacedLoadResult;
  /** The requestIds that POST /call answered with 200 (their campaigns must exist). */
  accepted: string[];
  /** requestIds sent (some may have been cut off by the end of the run before their answer). */
  sent: number;
}

export const DESTINATIONS_PER_POST = 100;
export const LOAD_CALLER = '+6582674904';
/** One play using every property, as a billing reminder would; rendered (and checked) at submission. */
export const LOAD_CALL_FLOW = { steps: [{ name: 'play', message: { msg: 'Hello {{name}}, {{amount}} is due on {{dueDate}}.' } }] };

/** The JSON body of the n-th POST: 100 destinations with phones unique across the run. */
export function campaignBody(requestId: string, n: number): string {
  const destinations: string[] = [];
  for (let i = 0; i < DESTINATIONS_PER_POST; i++) {
    const index = n * DESTINATIONS_PER_POST + i;
    const phone = `+1556${String(index % 10_000_000).padStart(7, '0')}`;
    destinations.push(`{"phone":"${phone}","caller":"${LOAD_CALLER}","properties":{"name":"Customer ${index}","amount":"${(index % 997) + 3}.50$","dueDate":"2030-08-20"}}`);
  }
  return `{"requestId":"${requestId}","destinations":[${destinations.join(',')}],"callFlow":${JSON.stringify(LOAD_CALL_FLOW)}}`;
}

export async function runMixedLoad(options: MixedLoadOptions): Promise<MixedLoadResult> {
  const auth = { 'x-credential-api-key': options.apiKey };
  let posts = 0;
  let gets = 0;
  const accepted: string[] = [];
  const statusPath = `/status/${encodeURIComponent(options.statusRequestId)}`;
  const [post, get] = await Promise.all([
    runPacedLoad({
      url: options.baseUrl,
      rate: options.postRate,
      seconds: options.seconds,
      connections: options.postConnections ?? Math.max(5, Math.ceil(options.postRate / 5)),
      slices: options.slices,
      next: () => {
        const n = posts++;
        const requestId = `${options.requestIdPrefix}-${n}`;
        return { method: 'POST', path: '/call', headers: { ...auth, 'content-type': 'application/json' }, body: campaignBody(requestId, n) };
      },
      onAnswer: (status, body) => {
        if (status !== 200) return;
        const requestId = /"requestId":"([^"]+)"/.exec(body.slice(0, 500))?.[1];
        if (requestId) accepted.push(requestId);
      },
    }),
    runPacedLoad({
      url: options.baseUrl,
      rate: options.getRate,
      seconds: options.seconds,
      connections: options.getConnections ?? Math.max(10, Math.ceil(options.getRate / 10)),
      slices: options.slices,
      next: () => ({ method: 'GET', path: `${statusPath}?page=${(gets++ % options.statusPages) + 1}&perPage=100`, headers: auth }),
    }),
  ]);
  return { post, get, accepted, sent: posts };
}
