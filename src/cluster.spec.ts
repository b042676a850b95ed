import { clusterPlan, restartDelayMs } from './cluster';

describe('the children of an API_PROCESSES primary', () => {
  it('APP_ROLE=all: the worker part once, first (it bootstraps), then N API processes', () => {
    expect(clusterPlan({ role: 'all', apiProcesses: 3, localMode: false })).toEqual([
      { slot: 0, role: 'worker', bootstrap: true, embeddedPostgres: false },
      { slot: 1, role: 'api', bootstrap: false, embeddedPostgres: false },
      { slot: 2, role: 'api', bootstrap: false, embeddedPostgres: false },
      { slot: 3, role: 'api', bootstrap: false, embeddedPostgres: false },
    ]);
  });

  it('APP_ROLE=api: N API processes, the first one bootstraps', () => {
    expect(clusterPlan({ role: 'api', apiProcesses: 2, localMode: false }).map((c) => [c.role, c.bootstrap])).toEqual([
      ['api', true],
      ['api', false],
    ]);
  });

  it('APP_ROLE=worker forks nothing', () => {
    expect(() => clusterPlan({ role: 'worker', apiProcesses: 2, localMode: false })).toThrow('APP_ROLE=worker serves no HTTP');
  });

  it('on the embedded PostgreSQL: small API pools, and at most 4 API processes', () => {
    const plan = clusterPlan({ role: 'all', apiProcesses: 4, localMode: true });
    expect(plan.map((c) => c.databasePoolSize)).toEqual([undefined, 2, 2, 2, 2]);
    expect(plan.every((c) => c.embeddedPostgres)).toBe(true);
    expect(() => clusterPlan({ role: 'all', apiProcesses: 5, localMode: true })).toThrow('API_PROCESSES=5 needs DATABASE_URL');
  });

  it('restarts a dying child after 1 s, doubling up to 30 s', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 10].map(restartDelayMs)).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
  });
});
