import autocannon from 'autocannon';
import { max, mean, percentile, round } from './stats';

/**
 * A fixed-rate HTTP load made with autocannon's rate limiting (`overallRate`), as several staggered
 * autocannon instances ("slices").
 *
 * Why slices: autocannon limits a connection to `rate` requests per second by letting it send them back
 * to back (the next when the previous answer is in) and then pausing it until its next one-second tick;
 * the ticks of one instance's connections are nearly aligned, so one instance delivers each second's
 * quota as a burst at the start of the second. `slices` instances, each with rate / slices and started
 * 1000 / slices ms apart, spread the same rate into `slices` smaller bursts per second.
 *
 * Latencies are taken from every answer (autocannon's `response` event: request written → answer read),
 * so percentiles are exact nearest-rank figures over all answers; autocannon's coordinated-omission
 * correction is off (with a rate it assumes a 1 ms interval per request, which would add synthetic samples).
 */
export interface PacedRequest {
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface PacedLoadOptions {
  /** The service's base URL (loopback). */
  url: string;
  /** Requests per second, all slices together. */
  rate: number;
  seconds: number;
  /** Connections, all slices together (each slice gets connections / slices, at least 1). */
  connections: number;
  slices?: number;
  /** Makes each request (a new body, path...). Called once per request sent. */
  next: () => PacedRequest;
  /** Sees every answer's status and body (e.g. to collect what was accepted). */
  onAnswer?: (status: number, body: string) => void;
  /** Per-request timeout, seconds (autocannon's default is 10). */
  timeoutSeconds?: number;
}

export interface PacedLoadResult {
  targetRate: number;
  seconds: number;
  /** From the first slice's start to the last slice's end. */
  windowSeconds: number;
  requestsMade: number;
  responses: number;
  /** Answers per second over `seconds` (each slice runs exactly `seconds`, staggered). */
  achievedRate: number;
  /** Answers counted in each whole second of the window (steadiness of the rate). */
  perSecond: { min: number; max: number; median: number };
  statusCounts: Record<string, number>;
  non2xx: number;
  /** Connection errors (autocannon's `errors` includes timeouts). */
  errors: number;
  timeouts: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  /** A few bodies of non-2xx answers, to say why. */
  non2xxSamples: string[];
}

export async function runPacedLoad(options: PacedLoadOptions): Promise<PacedLoadResult> {
  const slices = Math.max(1, options.slices ?? 5);
  const latencies: number[] = [];
  const statusCounts: Record<string, number> = {};
  const answeredAt: number[] = [];
  const non2xxSamples: string[] = [];
  let requestsMade = 0;
  let errors = 0;
  let timeouts = 0;
  const started = performance.now();

  const runSlice = async (index: number): Promise<void> => {
    await new Promise((resolve) => setTimeout(resolve, (index * 1000) / slices));
    const rate = Math.floor(options.rate / slices) + (index < options.rate % slices ? 1 : 0);
    if (rate === 0) return;
    const connections = Math.max(1, Math.min(rate, Math.round(options.connections / slices)));
    const settings: autocannon.Options = {
      url: options.url,
      connections,
      overallRate: rate,
      duration: options.seconds,
      timeout: options.timeoutSeconds ?? 10,
      ignoreCoordinatedOmission: true,
      requests: [
        {
          setupRequest: (request: any) => {
            requestsMade++;
            return { ...request, ...options.next() };
          },
          onResponse: (status: number, body: string) => {
            options.onAnswer?.(status, String(body));
            if ((status < 200 || status >= 300) && non2xxSamples.length < 5) non2xxSamples.push(`${status} ${String(body).slice(0, 300)}`);
          },
        },
      ],
    };
    const result = await new Promise<autocannon.Result>((resolve, reject) => {
      const instance = autocannon(settings, (error, done) => (error ? reject(error) : resolve(done)));
      // Every answer: request written → answer read, in ms (the instance is an EventEmitter).
      (instance as unknown as NodeJS.EventEmitter).on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
        latencies.push(responseTime);
        answeredAt.push(performance.now() - started);
        statusCounts[statusCode] = (statusCounts[statusCode] ?? 0) + 1;
      });
    });
    errors += result.errors;
    timeouts += result.timeouts;
  };

  await Promise.all(Array.from({ length: slices }, (_, i) => runSlice(i)));
  const windowSeconds = (performance.now() - started) / 1000;

  const buckets = new Array(Math.max(1, Math.floor(windowSeconds))).fill(0);
  for (const at of answeredAt) {
    const second = Math.floor(at / 1000);
    if (second < buckets.length) buckets[second]++;
  }
  // The first and the last second are partial (slices start and stop staggered): leave them out.
  const whole = buckets.length > 2 ? buckets.slice(1, -1) : buckets;
  const non2xx = Object.entries(statusCounts).reduce((sum, [status, count]) => (status.startsWith('2') ? sum : sum + count), 0);
  return {
    targetRate: options.rate,
    seconds: options.seconds,
    windowSeconds: round(windowSeconds, 2),
    requestsMade,
    responses: latencies.length,
    achievedRate: round(latencies.length / options.seconds, 1),
    perSecond: { min: Math.min(...whole), max: max(whole), median: percentile(whole, 50) },
    statusCounts,
    non2xx,
    errors,
    timeouts,
    latencyMs: {
      p50: round(percentile(latencies, 50), 1),
      p90: round(percentile(latencies, 90), 1),
      p99: round(percentile(latencies, 99), 1),
      max: round(max(latencies), 1),
      mean: round(mean(latencies), 1),
    },
    non2xxSamples,
  };
}
