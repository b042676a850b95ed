import { randomUUID } from 'node:crypto';
import { ApiClient } from './support/api-client';
import { CpuSplit, startCpuMeter } from './support/cpu';
import { redisCommandsProcessed } from './support/infrastructure';
import { BACKGROUND_CALLS, LOAD_SIMULATOR_SCRIPT } from './load.bench';
import { startFloor } from './load-floor.bench';
import { campaignBody, DESTINATIONS_PER_POST } from './support/mixed-load';
import { metric, ScenarioResult } from './support/report';
import { withService } from './support/service';
import { round } from './support/stats';

const POSTS = 400;
const GETS = 2_000;
const WARMUP_POSTS = 100;
const WARMUP_GETS = 300;
/** Turns the service and the floor take (see runRequestCost). */
const ROUNDS = 4;
/** Requests in flight at once: enough to keep a process busy, few enough that nothing queues for long. */
const CONCURRENCY = 4;

interface Cost {
  /** CPU milliseconds per request of the process that served it, and of PostgreSQL's backends. */
  serverMs: number;
  postgresMs: number;
  /** Requests per second this one-at-a-few load achieved (not a capacity figure). */
  rate: number;
  /** Redis commands per request, by anyone (the service's background work included; the floor uses none). */
  redisCommands: number;
}

/**
 * Scenario `request-cost` (issue 17 item 1): the CPU each of the load scenario's two requests costs, in the
 * service and in the floor server (bench/support/floor-server.ts) of the same run, and in the same floor served by a
 * bare NestJS application (nest-floor-server.ts: what the framework alone adds). On a machine that the load
 * saturates (2 cores: the service, PostgreSQL and the load generator), the rates the load scenario reaches are
 * bound by these costs, and the costs, unlike those rates, do not depend on how the cores were shared: requests
 * are sent CONCURRENCY at a time, so the machine is never saturated. Same bodies as the load scenario (100
 * destinations of +1556 numbers, the one-`play` billing flow), same status pages (100 calls of a 20,000-call
 * campaign held by the usage so that nothing is dialed: neither side has dispatch work).
 */
export async function runRequestCost(): Promise<ScenarioResult> {
  return withService({ maxConcurrentCalls: 50, simulatorScript: LOAD_SIMULATOR_SCRIPT, simulatorSpeed: 1 }, async (service) => {
    const floor = await startFloor(service, ['nest']);
    const [nestFloor] = floor.others;
    try {
      const run = randomUUID().slice(0, 8);
      const sides = [
        { name: 'service', pid: service.pid, api: service.api, prefix: `cost-service-${run}`, post: new Spent(), get: new Spent() },
        { name: 'floor', pid: floor.pid, api: new ApiClient(floor.baseUrl, 'none'), prefix: `cost-floor-${run}`, post: new Spent(), get: new Spent() },
        { name: 'nest floor', pid: nestFloor.pid, api: new ApiClient(nestFloor.baseUrl, 'none'), prefix: `cost-nest-${run}`, post: new Spent(), get: new Spent() },
      ];
      for (const side of sides) {
        await sendPosts(side.api, `${side.prefix}-warmup`, WARMUP_POSTS);
        await sendGets(side.api, floor.background, WARMUP_GETS);
      }
      // The machine's speed drifts by tens of per cent within a minute: the sides take turns, a round each,
      // so that a slow spell falls on both instead of on whichever was measured then.
      for (let turn = 0; turn < ROUNDS; turn++) {
        for (const side of sides) {
          await side.post.add(side.pid, service.database.url, POSTS / ROUNDS, () => sendPosts(side.api, `${side.prefix}-${turn}`, POSTS / ROUNDS));
          await side.get.add(side.pid, service.database.url, GETS / ROUNDS, () => sendGets(side.api, floor.background, GETS / ROUNDS));
        }
      }
      const [ours, theirs, nest] = sides.map((side) => ({ post: side.post.perRequest(), get: side.get.perRequest() }));
      const ratio = (floorCost: Cost, serviceCost: Cost) => round((floorCost.serverMs + floorCost.postgresMs) / (serviceCost.serverMs + serviceCost.postgresMs), 2);
      return {
        scenario: 'request-cost',
        metrics: [
          metric('POST /call (100 destinations): service CPU per request', ours.post.serverMs, 'ms'),
          metric('POST /call: floor server CPU per request', theirs.post.serverMs, 'ms'),
          metric('POST /call: PostgreSQL CPU per request, service', ours.post.postgresMs, 'ms'),
          metric('POST /call: PostgreSQL CPU per request, floor', theirs.post.postgresMs, 'ms'),
          metric('POST /call: floor / service, server + PostgreSQL CPU', ratio(theirs.post, ours.post), '×', { op: '>=', value: 0.8 }),
          metric('POST /call: Redis commands per request, service', ours.post.redisCommands, ''),
          metric('POST /call: the floor on NestJS, server CPU per request', nest.post.serverMs, 'ms'),
          metric('POST /call: floor / the floor on NestJS, server + PostgreSQL CPU', ratio(theirs.post, nest.post), '×'),
          metric('GET /status (perPage 100): service CPU per request', ours.get.serverMs, 'ms'),
          metric('GET /status: floor server CPU per request', theirs.get.serverMs, 'ms'),
          metric('GET /status: PostgreSQL CPU per request, service', ours.get.postgresMs, 'ms'),
          metric('GET /status: PostgreSQL CPU per request, floor', theirs.get.postgresMs, 'ms'),
          metric('GET /status: floor / service, server + PostgreSQL CPU', ratio(theirs.get, ours.get), '×', { op: '>=', value: 0.8 }),
          metric('GET /status: Redis commands per request, service', ours.get.redisCommands, ''),
          metric('GET /status: the floor on NestJS, server CPU per request', nest.get.serverMs, 'ms'),
          metric('GET /status: floor / the floor on NestJS, server + PostgreSQL CPU', ratio(theirs.get, nest.get), '×'),
        ],
        details: { posts: POSTS, gets: GETS, rounds: ROUNDS, concurrency: CONCURRENCY, destinationsPerPost: DESTINATIONS_PER_POST, backgroundCalls: BACKGROUND_CALLS, service: ours, floor: theirs, nestFloor: nest },
      };
    } finally {
      await floor.stop();
    }
  });
}

/** CPU and Redis commands spent on one kind of request, summed over the rounds. */
class Spent {
  private requests = 0;
  private serverSeconds = 0;
  private postgresSeconds = 0;
  private wallSeconds = 0;
  private redisCommands = 0;

  async add(pid: number, databaseUrl: string, requests: number, send: () => Promise<void>): Promise<void> {
    const redisBefore = await redisCommandsProcessed();
    const cpu = await startCpuMeter(pid, databaseUrl);
    await send();
    const split: CpuSplit = await cpu.stop();
    this.redisCommands += (await redisCommandsProcessed()) - redisBefore;
    this.requests += requests;
    this.serverSeconds += split.service;
    this.postgresSeconds += split.postgres;
    this.wallSeconds += split.wallSeconds;
  }

  perRequest(): Cost {
    return {
      serverMs: round((this.serverSeconds * 1000) / this.requests, 3),
      postgresMs: round((this.postgresSeconds * 1000) / this.requests, 3),
      rate: round(this.requests / this.wallSeconds, 1),
      redisCommands: round(this.redisCommands / this.requests, 2),
    };
  }
}

/** `count` requests, CONCURRENCY at a time; any answer but a 200 stops the scenario. */
async function inParallel(count: number, request: (n: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await request(next++);
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

function sendPosts(api: ApiClient, prefix: string, count: number): Promise<void> {
  return inParallel(count, (n) => api.request('POST', '/call', campaignBody(`${prefix}-${n}`, n), 200));
}

function sendGets(api: ApiClient, requestId: string, count: number): Promise<void> {
  const pages = BACKGROUND_CALLS / 100;
  return inParallel(count, (n) => api.request('GET', `/status/${encodeURIComponent(requestId)}?page=${(n % pages) + 1}&perPage=100`, undefined, 200));
}
