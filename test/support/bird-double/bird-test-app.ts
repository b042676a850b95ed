import { BirdConfig } from '../../../src/config/app-config';
import { freePort, serviceProcessEnv } from '../processes';
import { startTestApp, TestApp } from '../test-app';
import { BirdDoubleScriptInput } from './bird-callee-script';
import { BirdDouble } from './bird-double';

export interface BirdTestApp extends TestApp {
  double: BirdDouble;
  /** Where the double reaches our service (PUBLIC_BASE_URL). */
  publicBaseUrl: string;
}

export const BIRD_ACCESS_KEY = 'test_bird_access_key';
export const BIRD_SIGNING_KEY = 'test-bird-signing-key';
export const BIRD_WORKSPACE_ID = '8bc02f53-87ac-48d2-b4fd-c2cf856a305f';
export const BIRD_CHANNEL_ID = '880d8171-cbab-47bb-81b6-b1a0902da136';

export function newBirdDouble(script: BirdDoubleScriptInput = {}): BirdDouble {
  return new BirdDouble({ accessKey: BIRD_ACCESS_KEY, signingKey: BIRD_SIGNING_KEY, workspaceId: BIRD_WORKSPACE_ID, channelId: BIRD_CHANNEL_ID, script });
}

/** The environment of a built service process that places calls on `double` and is reached by it at 127.0.0.1:`port`. */
export function birdProcessEnv(options: { databaseUrl: string; redisUrl: string; queuePrefix: string; double: BirdDouble; port: number }): Record<string, string> {
  return {
    ...serviceProcessEnv(options),
    VOICE_PROVIDER: 'bird',
    BIRD_ACCESS_KEY,
    BIRD_SIGNING_KEY,
    BIRD_WORKSPACE_ID,
    BIRD_CHANNEL_ID,
    BIRD_BASE_URL: options.double.url,
    PUBLIC_BASE_URL: `http://127.0.0.1:${options.port}`,
  };
}

/** The real application with VOICE_PROVIDER=bird on a loopback port, against a Bird double on another: real HTTP both ways. */
export async function startBirdTestApp(
  options: {
    script?: BirdDoubleScriptInput;
    bird?: Partial<BirdConfig>;
    /** BIRD_COUNT_EXTERNAL_CALLS=true with this poll interval. */
    countExternalCallsEveryMs?: number;
  } = {},
): Promise<BirdTestApp> {
  const double = newBirdDouble({ speed: 100, ...options.script });
  await double.start();
  const port = await freePort();
  const publicBaseUrl = `http://127.0.0.1:${port}`;
  const bird: BirdConfig = {
    accessKey: BIRD_ACCESS_KEY,
    workspaceId: BIRD_WORKSPACE_ID,
    channelId: BIRD_CHANNEL_ID,
    baseUrl: double.url,
    signingKey: BIRD_SIGNING_KEY,
    publicBaseUrl,
    sipDomain: 'pbx.example.com',
    gatherTimeoutSeconds: 5,
    ringTimeoutSeconds: 30,
    requestTimeoutMs: 2000,
    placementAttempts: 3,
    reconcileAfterMs: 60_000,
    transcriptionPollMs: 50,
    ...options.bird,
  };
  const externalCallsFromPlatform = options.countExternalCallsEveryMs ? { platform: 'bird' as const, pollMs: options.countExternalCallsEveryMs } : null;
  const t = await startTestApp({ config: { voiceProvider: 'bird', bird, externalCallsFromPlatform, role: 'all' } });
  await t.app.listen(port, '127.0.0.1');
  const close = t.close;
  return Object.assign(t, {
    double,
    publicBaseUrl,
    async close() {
      await double.stop();
      await close();
    },
  });
}
