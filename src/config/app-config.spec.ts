import { loadConfig } from './app-config';

describe('API_PROCESSES', () => {
  it('is 1 unless set: one process serves the API, as without a cluster', () => {
    expect(loadConfig({}).apiProcesses).toBe(1);
    expect(loadConfig({ API_PROCESSES: '' }).apiProcesses).toBe(1);
  });

  it('takes a whole number from 1 to 64', () => {
    expect(loadConfig({ API_PROCESSES: '1' }).apiProcesses).toBe(1);
    expect(loadConfig({ API_PROCESSES: '2' }).apiProcesses).toBe(2);
    expect(loadConfig({ API_PROCESSES: '64' }).apiProcesses).toBe(64);
  });

  it.each(['0', '65', '-1', '1.5', 'two', 'auto'])('refuses %s, naming the variable and the range', (value) => {
    expect(() => loadConfig({ API_PROCESSES: value })).toThrow(
      `API_PROCESSES=${JSON.stringify(Number(value))}: must be a whole number of HTTP API processes from 1 to 64 (1: no cluster)`,
    );
  });

  it('is read with any role (APP_ROLE=worker ignores it at start-up, with a warning)', () => {
    expect(loadConfig({ APP_ROLE: 'worker', API_PROCESSES: '4' })).toMatchObject({ role: 'worker', apiProcesses: 4 });
  });
});
