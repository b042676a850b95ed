import { MessageBirdConfig } from '../../../src/config/app-config';
import { freePort, serviceProcessEnv } from '../processes';
import { startTestApp, TestApp } from '../test-app';
import { DoubleScriptInput } from './callee-script';
import { MessageBirdDouble } from './messagebird-double';

export interface MessageBirdTestApp extends TestApp {
  double: MessageBirdDouble;
  /** Where the double reaches our service (PUBLIC_BASE_URL). */
  publicBaseUrl: string;
}

export const TEST_ACCESS_KEY = 'test_double_access_key';
export const TEST_SIGNING_KEY = 'test-double-signing-key';

/**
 * The environment of a built service process (test/support/processes.ts) that places calls on `double`
 * and is reached by it at 127.0.0.1:`port` (give an api process that port).
 */
export function messageBirdProcessEnv(options: { databaseUrl: string; redisUrl: string; queuePrefix: string; double: MessageBirdDouble; port: number }): Record<string, string> {
  return {
    ...serviceProcessEnv(options),
    VOICE_PROVIDER: 'messagebird',
    MESSAGEBIRD_ACCESS_KEY: TEST_ACCESS_KEY,
    MESSAGEBIRD_SIGNING_KEY: TEST_SIGNING_KEY,
    MESSAGEBIRD_BASE_URL: options.double.url,
    PUBLIC_BASE_URL: `http://127.0.0.1:${options.port}`,
  };
}

/**
 * The real application with VOICE_PROVIDER=messagebird, listening on a loopback port, against a
 * MessageBird double on another: requests go over real HTTP both ways.
 */
export async function startMessageBirdTestApp(
  options: {
    script?: DoubleScriptInput;
    messagebird?: Partial<MessageBirdConfig>;
    /** MESSAGEBIRD_COUNT_EXTERNAL_CALLS=true with this poll interval. */
    countExternalCallsEveryMs?: number;
    role?: 'api' | 'all';
    join?: MessageBirdTestApp;
  } = {},
): Promise<MessageBirdTestApp> {
  const double = options.join?.double ?? new MessageBirdDouble({ accessKey: TEST_ACCESS_KEY, signingKey: TEST_SIGNING_KEY, script: { speed: 100, ...options.script } });
  if (!options.join) await double.start();
  const port = await freePort();
  const publicBaseUrl = `http://127.0.0.1:${port}`;
  const messagebird: MessageBirdConfig = {
    accessKey: TEST_ACCESS_KEY,
    baseUrl: double.url,
    signingKey: TEST_SIGNING_KEY,
    publicBaseUrl,
    sipDomain: 'pbx.example.com',
    gatherTimeoutSeconds: 5,
    requestTimeoutMs: 2000,
    placementAttempts: 3,
    reconcileAfterMs: 60_000,
    recordingsRetryMs: 100,
    ...options.messagebird,
  };
  const externalCallsFromPlatform = options.countExternalCallsEveryMs ? { platform: 'messagebird' as const, pollMs: options.countExternalCallsEveryMs } : null;
  const t = await startTestApp({
    config: { voiceProvider: 'messagebird', messagebird, externalCallsFromPlatform, role: options.role ?? 'all' },
    ...(options.join && { join: options.join }),
  });
  await t.app.listen(port, '127.0.0.1');
  const close = t.close;
  return Object.assign(t, {
    double,
    publicBaseUrl,
    async close() {
      if (!options.join) await double.stop();
      await close();
    },
  });
}
