import { loadConfig } from '../../config/app-config';

const complete = {
  VOICE_PROVIDER: 'messagebird',
  MESSAGEBIRD_ACCESS_KEY: 'live_abc',
  MESSAGEBIRD_SIGNING_KEY: 'signing',
  PUBLIC_BASE_URL: 'https://robocall.example.com/',
};

describe('VOICE_PROVIDER=messagebird configuration', () => {
  it('keeps the simulator the default, with no MessageBird settings', () => {
    const config = loadConfig({});
    expect(config.voiceProvider).toBe('simulator');
    expect(config.messagebird).toBeUndefined();
  });

  it('reads the MessageBird variables, with their defaults', () => {
    const config = loadConfig({ ...complete, MESSAGEBIRD_SIP_DOMAIN: 'pbx.example.com', MESSAGEBIRD_MACHINE_TIMEOUT_MS: '3000', MESSAGEBIRD_IF_MACHINE: 'hangup' });
    expect(config.messagebird).toEqual({
      accessKey: 'live_abc',
      baseUrl: 'https://voice.messagebird.com',
      signingKey: 'signing',
      publicBaseUrl: 'https://robocall.example.com',
      sipDomain: 'pbx.example.com',
      gatherTimeoutSeconds: 5,
      ifMachine: 'hangup',
      machineTimeoutMs: 3000,
      requestTimeoutMs: 10_000,
      placementAttempts: 3,
      reconcileAfterMs: 60_000,
      recordingsRetryMs: 5_000,
    });
    expect(loadConfig(complete).externalCallsFromPlatform).toBeNull();
    const counting = loadConfig({ ...complete, MESSAGEBIRD_COUNT_EXTERNAL_CALLS: 'true', MESSAGEBIRD_EXTERNAL_CALLS_POLL_MS: '1000' });
    expect(counting.externalCallsFromPlatform).toEqual({ platform: 'messagebird', pollMs: 1000 });
    expect(loadConfig({ ...complete, MESSAGEBIRD_COUNT_EXTERNAL_CALLS: '' }).externalCallsFromPlatform).toBeNull();
    // The setting of a platform that is not the deployment's counts nothing.
    expect(loadConfig({ ...complete, BIRD_COUNT_EXTERNAL_CALLS: 'true' }).externalCallsFromPlatform).toBeNull();
    expect(loadConfig({ ...complete, MESSAGEBIRD_BASE_URL: 'http://127.0.0.1:4010' }).messagebird!.baseUrl).toBe('http://127.0.0.1:4010');
  });

  it('refuses to start without the keys it needs, naming them', () => {
    expect(() => loadConfig({ VOICE_PROVIDER: 'messagebird', PUBLIC_BASE_URL: 'https://x.example.com' })).toThrow(
      'VOICE_PROVIDER=messagebird needs MESSAGEBIRD_ACCESS_KEY, MESSAGEBIRD_SIGNING_KEY',
    );
    const { PUBLIC_BASE_URL: _url, ...withoutUrl } = complete;
    expect(() => loadConfig(withoutUrl)).toThrow('VOICE_PROVIDER=messagebird needs PUBLIC_BASE_URL');
  });

  it('refuses bad values', () => {
    expect(() => loadConfig({ ...complete, PUBLIC_BASE_URL: 'robocall.example.com' })).toThrow('PUBLIC_BASE_URL');
    expect(() => loadConfig({ ...complete, MESSAGEBIRD_MACHINE_TIMEOUT_MS: '200' })).toThrow('MESSAGEBIRD_MACHINE_TIMEOUT_MS');
    expect(() => loadConfig({ ...complete, MESSAGEBIRD_IF_MACHINE: 'maybe' })).toThrow('MESSAGEBIRD_IF_MACHINE');
    expect(() => loadConfig({ VOICE_PROVIDER: 'twilio' })).toThrow('VOICE_PROVIDER');
    expect(() => loadConfig({ ...complete, MESSAGEBIRD_COUNT_EXTERNAL_CALLS: 'yes' })).toThrow('MESSAGEBIRD_COUNT_EXTERNAL_CALLS');
    expect(() => loadConfig({ ...complete, MESSAGEBIRD_EXTERNAL_CALLS_POLL_MS: '10' })).toThrow('MESSAGEBIRD_EXTERNAL_CALLS_POLL_MS');
  });
});
