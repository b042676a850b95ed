import { loadConfig } from '../../config/app-config';

const complete = {
  VOICE_PROVIDER: 'bird',
  BIRD_ACCESS_KEY: 'key',
  BIRD_WORKSPACE_ID: 'ws',
  BIRD_CHANNEL_ID: 'ch',
  BIRD_SIGNING_KEY: 'signing',
  PUBLIC_BASE_URL: 'https://robocall.example.com/',
};

describe('VOICE_PROVIDER=bird configuration', () => {
  it('reads the Bird variables, with their defaults', () => {
    expect(loadConfig(complete).bird).toEqual({
      accessKey: 'key',
      workspaceId: 'ws',
      channelId: 'ch',
      baseUrl: 'https://api.bird.com',
      signingKey: 'signing',
      publicBaseUrl: 'https://robocall.example.com',
      sipDomain: undefined,
      gatherTimeoutSeconds: 5,
      ringTimeoutSeconds: 30,
      requestTimeoutMs: 10_000,
      placementAttempts: 3,
      reconcileAfterMs: 60_000,
      transcriptionPollMs: 2_000,
    });
    expect(loadConfig({}).bird).toBeUndefined();
  });

  it("counts other apps' calls from the channel only when asked to", () => {
    expect(loadConfig(complete).externalCallsFromPlatform).toBeNull();
    expect(loadConfig({ ...complete, BIRD_COUNT_EXTERNAL_CALLS: 'true' }).externalCallsFromPlatform).toEqual({ platform: 'bird', pollMs: 5_000 });
    expect(loadConfig({ ...complete, BIRD_COUNT_EXTERNAL_CALLS: 'true', BIRD_EXTERNAL_CALLS_POLL_MS: '1000' }).externalCallsFromPlatform).toEqual({ platform: 'bird', pollMs: 1000 });
    expect(loadConfig({ ...complete, MESSAGEBIRD_COUNT_EXTERNAL_CALLS: 'true' }).externalCallsFromPlatform).toBeNull();
  });

  it('refuses to start without a required setting, in one line naming each missing one', () => {
    const { BIRD_CHANNEL_ID: _channel, PUBLIC_BASE_URL: _url, ...partial } = complete;
    expect(() => loadConfig(partial)).toThrow('Invalid environment:\n  VOICE_PROVIDER=bird needs BIRD_CHANNEL_ID, PUBLIC_BASE_URL (see docs/bird.md)');
    expect(() => loadConfig({ ...complete, BIRD_RING_TIMEOUT_SECONDS: '200' })).toThrow('BIRD_RING_TIMEOUT_SECONDS');
  });
});
