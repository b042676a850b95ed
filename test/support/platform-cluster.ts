import { fetchWithContractCheck } from './contract';
import { createOrganizationWithCli, freePort, ServiceProcess, ServiceProcesses } from './processes';
import { createRedisNamespace, createTestDatabase, TEST_REDIS_URL, TestDatabase } from './test-environment';

interface Double {
  start(): Promise<unknown>;
  stop(): Promise<unknown>;
}

export interface PlatformClusterOptions<D extends Double> {
  double: D;
  /** The environment of a service process on the platform (e.g. birdProcessEnv, messageBirdProcessEnv). */
  platformEnv(options: { databaseUrl: string; redisUrl: string; queuePrefix: string; double: D; port: number }): Record<string, string>;
  /** Settings of the scenario, over the platform's. */
  env: Record<string, string>;
  organization: { name: string; maxConcurrentCalls: number };
  metricsToken: string;
}

/**
 * The built service on a voice platform's double, as real processes: an API process on its own database,
 * Redis namespace and organization, and workers started (and killed) by the test.
 */
export class PlatformCluster<D extends Double> {
  readonly processes = new ServiceProcesses();
  private readonly namespace = createRedisNamespace();
  private database?: TestDatabase;
  env: Record<string, string> = {};
  api!: ServiceProcess;
  org!: { id: string; apiKey: string };

  constructor(private readonly options: PlatformClusterOptions<D>) {}

  async start(): Promise<void> {
    const { double, platformEnv, env, organization, metricsToken } = this.options;
    await double.start();
    this.database = await createTestDatabase();
    const port = await freePort();
    this.env = { ...platformEnv({ databaseUrl: this.database.url, redisUrl: TEST_REDIS_URL, queuePrefix: this.namespace.prefix, double, port }), ...env };
    this.api = await this.processes.start({ name: 'api', role: 'api', env: this.env, metricsToken, port });
    this.org = await createOrganizationWithCli(
      { DATABASE_URL: this.database.url, REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: this.namespace.prefix },
      organization.name,
      organization.maxConcurrentCalls,
    );
  }

  startWorker(name: string): Promise<ServiceProcess> {
    return this.processes.start({ name, role: 'worker', env: this.env, metricsToken: this.options.metricsToken });
  }

  /** A request to the API process with the organization's key; the answer is checked against openapi.json. */
  http(path: string, init: RequestInit = {}): Promise<Response> {
    return fetchWithContractCheck(`${this.api.baseUrl}${path}`, { ...init, headers: { 'x-credential-api-key': this.org.apiKey, 'content-type': 'application/json', ...init.headers } });
  }

  async stop(): Promise<void> {
    await this.processes.stopAll();
    await this.options.double.stop();
    await this.namespace.clear();
    await this.database?.drop();
  }
}
