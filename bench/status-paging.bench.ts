import { randomUUID } from 'node:crypto';
import { otherProcessCores, roundSplit, startCpuMeter } from './support/cpu';
import { metric, ScenarioResult } from './support/report';
import { withService } from './support/service';
import { max, mean, percentile, round, seededRandom } from './support/stats';
import { billingDestinations, billingFlow, phoneNumber } from './support/workload';

const CALLS = 100_000;
const PER_PAGE = 100;
const PAGES = CALLS / PER_PAGE;
const WARMUP_GETS = 10;
const MEASURED_GETS = 500;
const LIMIT = 1;

/**
 * Scenario 3: one campaign of 100,000 calls kept queued (external usage = the whole limit), then
 * 500 sequential GET /status/{id}?page=P&perPage=100 with P uniformly random over 1..1000.
 */
export async function runStatusPaging(): Promise<ScenarioResult> {
  return withService({ maxConcurrentCalls: LIMIT, simulatorScript: {} }, async (service) => {
    const usage = await service.api.put('/organization/usage', { externalOngoingCalls: LIMIT });
    if (usage.body.free !== 0) throw new Error(`expected no free slot, usage is ${JSON.stringify(usage.body)}`);

    const requestId = `paging-${randomUUID()}`;
    const body = JSON.stringify({ requestId, destinations: billingDestinations(CALLS), callFlow: billingFlow() });
    const cpu = await startCpuMeter(service.pid, service.database.url);
    const submitted = await service.api.post('/call', body);
    const submitSplit = await cpu.stop();
    if (submitted.body.summary?.queued !== CALLS) throw new Error(`expected ${CALLS} queued calls, summary ${JSON.stringify(submitted.body.summary)}`);
    console.log(`  POST /call with ${CALLS.toLocaleString('en-US')} destinations (${(Buffer.byteLength(body) / 1e6).toFixed(1)} MB): ${(submitted.ms / 1000).toFixed(2)} s`);

    const random = seededRandom(20251122);
    const path = (page: number) => `/status/${encodeURIComponent(requestId)}?page=${page}&perPage=${PER_PAGE}`;
    for (let i = 0; i < WARMUP_GETS; i++) await service.api.get(path(1 + Math.floor(random() * PAGES)));

    const times: number[] = [];
    let pageBytes = 0;
    const pagingCpu = await startCpuMeter(service.pid, service.database.url);
    for (let i = 0; i < MEASURED_GETS; i++) {
      const page = 1 + Math.floor(random() * PAGES);
      const response = await service.api.get(path(page));
      const details = response.body.details ?? [];
      if (details.length !== PER_PAGE || details[0].destination !== phoneNumber((page - 1) * PER_PAGE)) {
        throw new Error(`page ${page}: ${details.length} details, first ${details[0]?.destination}`);
      }
      times.push(response.ms);
      pageBytes = response.bytes;
    }
    const pagingSplit = await pagingCpu.stop();

    return {
      scenario: 'status-paging',
      metrics: [
        metric('POST /call 100k (all queued)', round(submitted.ms / 1000, 2), 's'),
        metric('GET /status page p50', round(percentile(times, 50), 2), 'ms'),
        metric('GET /status page p95', round(percentile(times, 95), 2), 'ms'),
        metric('GET /status page p99', round(percentile(times, 99), 2), 'ms', { op: '<=', value: 50 }),
      ],
      details: {
        calls: CALLS,
        perPage: PER_PAGE,
        measuredGets: MEASURED_GETS,
        warmupGets: WARMUP_GETS,
        submitBodyBytes: Buffer.byteLength(body),
        submitCpuSeconds: roundSplit(submitSplit),
        pageBytes,
        getMs: { mean: round(mean(times), 2), max: round(max(times), 2) },
        pagingCpuSeconds: roundSplit(pagingSplit),
        otherProcessCores: otherProcessCores(submitSplit, pagingSplit),
        serviceCpuMsPerGet: round((pagingSplit.service * 1000) / MEASURED_GETS, 2),
        postgresCpuMsPerGet: round((pagingSplit.postgres * 1000) / MEASURED_GETS, 2),
      },
    };
  });
}
