import { INestApplication } from '@nestjs/common';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { createHttpApp } from '../../src/app.factory';
import { loadConfig, ResolvedConfig } from '../../src/config/app-config';
import { OrganizationsService } from '../../src/organizations/organizations.service';
import { withContractCheck } from './contract';
import { createRedisNamespace, createTestDatabase, TEST_REDIS_URL } from './test-environment';

export interface TestApp {
  app: INestApplication;
  config: ResolvedConfig;
  http: ReturnType<typeof request>;
  createOrganization(maxConcurrentCalls: number, name?: string): Promise<{ id: string; apiKey: string }>;
  /** Polls GET /status until the request reaches `status` (default completed); fails after `timeoutMs`. */
  waitForStatus(apiKey: string, requestId: string, status?: string, timeoutMs?: number): Promise<any>;
  /** Stops this instance only, as if its process died; close() still cleans up afterwards. */
  stop(): Promise<void>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Simulator script (written to a temp file and passed as SIMULATOR_SCRIPT). */
  simulatorScript?: object;
  simulatorSpeed?: number;
  config?: Partial<ResolvedConfig>;
  /** Start a second instance (another worker process) on the same database and Redis namespace. */
  join?: TestApp;
}

/** The real application (HTTP + dispatcher + simulator) on a fresh database and its own Redis namespace. */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const owner = !options.join;
  const database = options.join ? { url: options.join.config.databaseUrl, drop: async () => undefined } : await createTestDatabase();
  const redis = options.join ? { prefix: options.join.config.queuePrefix, clear: async () => undefined } : createRedisNamespace();
  let scriptPath: string | undefined;
  if (options.simulatorScript) {
    scriptPath = join(mkdtempSync(join(tmpdir(), 'robocall-sim-')), 'script.json');
    writeFileSync(scriptPath, JSON.stringify(options.simulatorScript));
  }
  const config: ResolvedConfig = {
    ...loadConfig({}),
    role: 'all',
    databaseUrl: database.url,
    redisUrl: TEST_REDIS_URL,
    queuePrefix: redis.prefix,
    localMode: false,
    databasePoolSize: 10,
    databaseCallPoolSize: 2,
    logLevel: 'warn',
    simulator: { scriptPath, speed: options.simulatorSpeed ?? 100 },
    ...options.config,
  };
  const app = await createHttpApp(config);
  await app.init();
  // Every answer the suites get through `http` is checked against openapi.json (test/support/contract.ts).
  const http = withContractCheck(request(app.getHttpServer()));
  const organizations = app.get(OrganizationsService);
  let stopped = false;

  const testApp: TestApp = {
    app,
    config,
    http,
    async createOrganization(maxConcurrentCalls, name = 'Test organization') {
      const { organization, apiKey } = await organizations.create(name, maxConcurrentCalls);
      return { id: organization.id, apiKey };
    },
    async waitForStatus(apiKey, requestId, status = 'completed', timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      let last: any;
      while (Date.now() < deadline) {
        const response = await http.get(`/status/${encodeURIComponent(requestId)}?perPage=1000`).set('x-credential-api-key', apiKey);
        last = response.body;
        if (response.status === 200 && last.status === status) return last;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error(`request ${requestId} did not reach ${status} within ${timeoutMs} ms; last: ${JSON.stringify(last).slice(0, 2000)}`);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await app.close();
    },
    async close() {
      await testApp.stop();
      if (!owner) return;
      await redis.clear();
      await database.drop();
    },
  };
  return testApp;
}
