import { plainToInstance, Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsNumber, IsOptional, IsString, IsUrl, Matches, Max, Min, validateSync } from 'class-validator';
import { booleanFromText } from '../common/text-values';

const API_PROCESSES_RANGE = 'must be a whole number of HTTP API processes from 1 to 64 (1: no cluster)';

const toInt = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : Number(value));

/** Every environment variable the service reads, validated once at start-up. */
class EnvironmentSchema {
  @IsOptional() @IsIn(['api', 'worker', 'all'])
  APP_ROLE: 'api' | 'worker' | 'all' = 'all';

  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(65535)
  PORT = 3000;

  // One command, several cores (README "Configuration"): HTTP API processes sharing PORT through node:cluster.
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: API_PROCESSES_RANGE })
  @Min(1, { message: API_PROCESSES_RANGE })
  @Max(64, { message: API_PROCESSES_RANGE })
  API_PROCESSES = 1;

  @IsOptional() @IsString()
  DATABASE_URL?: string;

  @IsOptional() @IsString()
  REDIS_URL?: string;

  @IsOptional() @Transform(toInt) @IsInt() @Min(2)
  DATABASE_POOL_SIZE?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1)
  DATABASE_CALL_POOL_SIZE?: number;

  @IsOptional() @IsString()
  DATA_DIR = './.data';

  @IsOptional() @IsString()
  QUEUE_PREFIX = 'robocall';

  @IsOptional() @IsIn(['simulator', 'messagebird', 'bird'])
  VOICE_PROVIDER: 'simulator' | 'messagebird' | 'bird' = 'simulator';

  @IsOptional() @IsString()
  SIMULATOR_SCRIPT?: string;

  @IsOptional() @Transform(toInt) @IsNumber() @Min(0.001)
  SIMULATOR_SPEED = 1;

  // Off by default: a cross-process count of the simulator's live calls, kept in Redis (tests).
  @IsOptional() @IsString()
  SIMULATOR_CONCURRENCY_KEY?: string;

  @IsOptional() @IsString()
  SIMULATOR_CONCURRENCY_REDIS_URL?: string;

  @IsOptional() @IsString()
  METRICS_TOKEN?: string;

  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(65535)
  METRICS_PORT?: number;

  @IsOptional() @IsString()
  BOOTSTRAP_API_KEY?: string;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1)
  BOOTSTRAP_MAX_CONCURRENT_CALLS = 6;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1000)
  SLOT_LEASE_TTL_MS = 30_000;

  @IsOptional() @Transform(toInt) @IsInt() @Min(100)
  RECONCILE_INTERVAL_MS = 5_000;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1)
  DIAL_CONCURRENCY = 200;

  @IsOptional() @Transform(toInt) @IsInt() @Min(50)
  SCHEDULER_INTERVAL_MS = 1_000;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1)
  CSV_MAX_FILE_BYTES = 200 * 1024 * 1024;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1)
  CSV_MAX_ROWS = 1_000_000;

  @IsOptional() @IsIn(['error', 'warn', 'log', 'debug'])
  LOG_LEVEL: 'error' | 'warn' | 'log' | 'debug' = 'log';

  // Security (README "Security"). Requests per second per API key, across every API process (0: no limit).
  @IsOptional() @Transform(toInt) @IsNumber() @Min(0)
  RATE_LIMIT_PER_SECOND = 2_000;

  /** Requests a key may make at once after being idle (the bucket's size). */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1)
  RATE_LIMIT_BURST = 4_000;

  /** Largest JSON body (POST /call with 100,000 destinations needs tens of MB). */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1024)
  JSON_BODY_MAX_BYTES = 64 * 1024 * 1024;

  @IsOptional() @IsIn(['true', 'false'])
  LOG_REDACT_PII: 'true' | 'false' = 'false';

  // Status callbacks (README "Status callbacks"). true: http:// and loopback receivers are allowed (tests, local use).
  @IsOptional() @IsIn(['true', 'false'])
  WEBHOOKS_ALLOW_INSECURE: 'true' | 'false' = 'false';

  /** How often a worker looks for due deliveries. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(10)
  WEBHOOKS_POLL_MS = 1_000;

  /** Deliveries one worker process sends at once. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1)
  WEBHOOKS_CONCURRENCY = 50;

  /** Of those, at most this many to one receiver (endpoint or campaign URL): a slow one cannot take them all. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1)
  WEBHOOKS_CONCURRENCY_PER_ENDPOINT = 10;

  /** A receiver that has not answered a 2xx within this long has failed the attempt. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(100)
  WEBHOOKS_TIMEOUT_MS = 10_000;

  /** Waits before the 2nd, 3rd, … attempt, in ms, comma-separated (each ±10 % jitter). */
  @IsOptional() @Matches(/^\d+(,\d+)*$/, { message: 'must be waits in ms, comma-separated' })
  WEBHOOKS_RETRY_SCHEDULE_MS = '5000,300000,1800000,7200000,18000000,36000000,36000000';

  /** An endpoint whose deliveries have failed for this long, without a success, is disabled. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1000)
  WEBHOOKS_DISABLE_AFTER_MS = 5 * 24 * 3600 * 1000;

  /** Events older than this whose deliveries are all done (delivered or failed) are deleted, with their deliveries. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(60_000)
  WEBHOOKS_RETENTION_MS = 30 * 24 * 3600 * 1000;

  // MessageBird (VOICE_PROVIDER=messagebird): see docs/messagebird.md.
  @IsOptional() @IsString()
  MESSAGEBIRD_ACCESS_KEY?: string;

  @IsOptional() @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  MESSAGEBIRD_BASE_URL = 'https://voice.messagebird.com';

  @IsOptional() @IsString()
  MESSAGEBIRD_SIGNING_KEY?: string;

  @IsOptional() @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  PUBLIC_BASE_URL?: string;

  @IsOptional() @IsString()
  MESSAGEBIRD_SIP_DOMAIN?: string;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1)
  MESSAGEBIRD_GATHER_TIMEOUT_SECONDS = 5;

  @IsOptional() @IsIn(['continue', 'delay', 'hangup'])
  MESSAGEBIRD_IF_MACHINE?: 'continue' | 'delay' | 'hangup';

  @IsOptional() @Transform(toInt) @IsInt() @Min(400) @Max(10_000)
  MESSAGEBIRD_MACHINE_TIMEOUT_MS?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(100)
  MESSAGEBIRD_REQUEST_TIMEOUT_MS = 10_000;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(10)
  MESSAGEBIRD_PLACEMENT_ATTEMPTS = 3;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1000)
  MESSAGEBIRD_RECONCILE_AFTER_MS = 60_000;

  @IsOptional() @Transform(toInt) @IsInt() @Min(50)
  MESSAGEBIRD_RECORDINGS_RETRY_MS = 5_000;

  @IsOptional() @Transform(({ value }) => (value === '' ? undefined : booleanFromText({ value }))) @IsBoolean()
  MESSAGEBIRD_COUNT_EXTERNAL_CALLS?: boolean;

  @IsOptional() @Transform(toInt) @IsInt() @Min(200)
  MESSAGEBIRD_EXTERNAL_CALLS_POLL_MS = 5_000;

  // Bird Channels Voice API (VOICE_PROVIDER=bird): see docs/bird.md. PUBLIC_BASE_URL is shared with MessageBird.
  @IsOptional() @IsString()
  BIRD_ACCESS_KEY?: string;

  @IsOptional() @IsString()
  BIRD_WORKSPACE_ID?: string;

  @IsOptional() @IsString()
  BIRD_CHANNEL_ID?: string;

  @IsOptional() @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  BIRD_BASE_URL = 'https://api.bird.com';

  @IsOptional() @IsString()
  BIRD_SIGNING_KEY?: string;

  @IsOptional() @IsString()
  BIRD_SIP_DOMAIN?: string;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1)
  BIRD_GATHER_TIMEOUT_SECONDS = 5;

  @IsOptional() @Transform(toInt) @IsInt() @Min(3) @Max(120)
  BIRD_RING_TIMEOUT_SECONDS = 30;

  @IsOptional() @Transform(toInt) @IsInt() @Min(100)
  BIRD_REQUEST_TIMEOUT_MS = 10_000;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(10)
  BIRD_PLACEMENT_ATTEMPTS = 3;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1000)
  BIRD_RECONCILE_AFTER_MS = 60_000;

  @IsOptional() @Transform(toInt) @IsInt() @Min(50)
  BIRD_TRANSCRIPTION_POLL_MS = 2_000;

  @IsOptional() @Transform(({ value }) => (value === '' ? undefined : booleanFromText({ value }))) @IsBoolean()
  BIRD_COUNT_EXTERNAL_CALLS?: boolean;

  @IsOptional() @Transform(toInt) @IsInt() @Min(200)
  BIRD_EXTERNAL_CALLS_POLL_MS = 5_000;
}

/** Required with VOICE_PROVIDER=messagebird. */
const MESSAGEBIRD_REQUIRED = ['MESSAGEBIRD_ACCESS_KEY', 'MESSAGEBIRD_SIGNING_KEY', 'PUBLIC_BASE_URL'] as const;
/** Required with VOICE_PROVIDER=bird. */
const BIRD_REQUIRED = ['BIRD_ACCESS_KEY', 'BIRD_WORKSPACE_ID', 'BIRD_CHANNEL_ID', 'BIRD_SIGNING_KEY', 'PUBLIC_BASE_URL'] as const;

export interface AppConfig {
  role: 'api' | 'worker' | 'all';
  port: number;
  /**
   * HTTP API processes sharing `port` (node:cluster, src/cluster.ts); 1: this process serves it, as always.
   * Ignored with role worker, which serves no HTTP.
   */
  apiProcesses: number;
  /** Unset: an embedded PostgreSQL is started (local mode). */
  databaseUrl?: string;
  /** Unset: a private redis-server is started (local mode). */
  redisUrl?: string;
  /** PostgreSQL connections per pool of this process (unset: 20, or the embedded database's limit). */
  databasePoolSize?: number;
  /** PostgreSQL connections of each of a worker's two call-path pools, dial starts and call progress (unset: 2). */
  databaseCallPoolSize?: number;
  dataDir: string;
  queuePrefix: string;
  voiceProvider: 'simulator' | 'messagebird' | 'bird';
  simulator: { scriptPath?: string; speed: number; concurrencyCounter?: { key: string; redisUrl?: string } };
  /** GET /metrics: the bearer token it requires (unset: not served on PORT), and an extra listener for it (any role). */
  metrics: { token?: string; port?: number };
  /** Set when voiceProvider is messagebird. */
  messagebird?: MessageBirdConfig;
  /** Set when voiceProvider is bird. */
  bird?: BirdConfig;
  /**
   * Other apps' ongoing calls counted from the voice platform's account (MESSAGEBIRD_/BIRD_COUNT_EXTERNAL_CALLS)
   * instead of reported with PUT /organization/usage; null: reported.
   */
  externalCallsFromPlatform: { platform: 'messagebird' | 'bird'; pollMs: number } | null;
  bootstrap: { apiKey?: string; maxConcurrentCalls: number };
  slotLeaseTtlMs: number;
  reconcileIntervalMs: number;
  /** How often scheduled calls (retries, calling hours) that are due are put back in the queue. */
  schedulerIntervalMs: number;
  /** Dials one worker process runs at once: its dispatcher's own dials, and as many bull dial jobs. */
  dialConcurrency: number;
  csvUpload: { maxFileBytes: number; maxRows: number };
  logLevel: 'error' | 'warn' | 'log' | 'debug';
  /** Per API key: a token bucket of `burst` requests refilled at `perSecond` (0: no limit), kept in Redis. */
  rateLimit: { perSecond: number; burst: number };
  jsonBodyMaxBytes: number;
  /** Phone numbers in log lines are masked (`+65******22`). */
  logRedactPii: boolean;
  /** Status callbacks (src/webhooks/). */
  webhooks: WebhooksConfig;
}

export interface WebhooksConfig {
  /** http:// receivers and loopback addresses are allowed (private and link-local ones never are). */
  allowInsecure: boolean;
  pollMs: number;
  concurrency: number;
  /** Attempts in flight to one receiver at most (per process). */
  concurrencyPerEndpoint: number;
  timeoutMs: number;
  /** Waits before the 2nd, 3rd, … attempt; after the last, the delivery has failed. */
  retryScheduleMs: number[];
  disableAfterMs: number;
  /** How long finished events (and their deliveries) are kept. */
  retentionMs: number;
  /** How often a worker deletes what is past the retention (default 60 s; tests set less). */
  pruneEveryMs?: number;
}

/** Reads and validates the environment; throws one readable error listing every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = plainToInstance(EnvironmentSchema, { ...env }, { exposeDefaultValues: true });
  const errors = validateSync(parsed, { whitelist: false, forbidUnknownValues: false });
  if (errors.length > 0) {
    const lines = errors.map((e) => `${e.property}=${JSON.stringify(e.value)}: ${Object.values(e.constraints ?? {}).join(', ')}`);
    throw new Error(`Invalid environment:\n  ${lines.join('\n  ')}`);
  }
  if (parsed.VOICE_PROVIDER === 'messagebird') {
    const missing = MESSAGEBIRD_REQUIRED.filter((name) => !parsed[name]);
    if (missing.length > 0) throw new Error(`Invalid environment:\n  VOICE_PROVIDER=messagebird needs ${missing.join(', ')} (see docs/messagebird.md)`);
  }
  if (parsed.VOICE_PROVIDER === 'bird') {
    const missing = BIRD_REQUIRED.filter((name) => !parsed[name]);
    if (missing.length > 0) throw new Error(`Invalid environment:\n  VOICE_PROVIDER=bird needs ${missing.join(', ')} (see docs/bird.md)`);
  }
  return {
    role: parsed.APP_ROLE,
    port: parsed.PORT,
    apiProcesses: parsed.API_PROCESSES ?? 1,
    databaseUrl: parsed.DATABASE_URL || undefined,
    redisUrl: parsed.REDIS_URL || undefined,
    databasePoolSize: parsed.DATABASE_POOL_SIZE,
    databaseCallPoolSize: parsed.DATABASE_CALL_POOL_SIZE,
    dataDir: parsed.DATA_DIR,
    queuePrefix: parsed.QUEUE_PREFIX,
    voiceProvider: parsed.VOICE_PROVIDER,
    simulator: {
      scriptPath: parsed.SIMULATOR_SCRIPT || undefined,
      speed: parsed.SIMULATOR_SPEED,
      ...(parsed.SIMULATOR_CONCURRENCY_KEY && {
        concurrencyCounter: { key: parsed.SIMULATOR_CONCURRENCY_KEY, redisUrl: parsed.SIMULATOR_CONCURRENCY_REDIS_URL || undefined },
      }),
    },
    metrics: { token: parsed.METRICS_TOKEN || undefined, port: parsed.METRICS_PORT },
    ...(parsed.VOICE_PROVIDER === 'messagebird' && {
      messagebird: {
        accessKey: parsed.MESSAGEBIRD_ACCESS_KEY!,
        baseUrl: parsed.MESSAGEBIRD_BASE_URL.replace(/\/+$/, ''),
        signingKey: parsed.MESSAGEBIRD_SIGNING_KEY!,
        publicBaseUrl: parsed.PUBLIC_BASE_URL!.replace(/\/+$/, ''),
        sipDomain: parsed.MESSAGEBIRD_SIP_DOMAIN || undefined,
        gatherTimeoutSeconds: parsed.MESSAGEBIRD_GATHER_TIMEOUT_SECONDS,
        ifMachine: parsed.MESSAGEBIRD_IF_MACHINE,
        machineTimeoutMs: parsed.MESSAGEBIRD_MACHINE_TIMEOUT_MS,
        requestTimeoutMs: parsed.MESSAGEBIRD_REQUEST_TIMEOUT_MS,
        placementAttempts: parsed.MESSAGEBIRD_PLACEMENT_ATTEMPTS,
        reconcileAfterMs: parsed.MESSAGEBIRD_RECONCILE_AFTER_MS,
        recordingsRetryMs: parsed.MESSAGEBIRD_RECORDINGS_RETRY_MS,
      },
    }),
    ...(parsed.VOICE_PROVIDER === 'bird' && {
      bird: {
        accessKey: parsed.BIRD_ACCESS_KEY!,
        workspaceId: parsed.BIRD_WORKSPACE_ID!,
        channelId: parsed.BIRD_CHANNEL_ID!,
        baseUrl: parsed.BIRD_BASE_URL.replace(/\/+$/, ''),
        signingKey: parsed.BIRD_SIGNING_KEY!,
        publicBaseUrl: parsed.PUBLIC_BASE_URL!.replace(/\/+$/, ''),
        sipDomain: parsed.BIRD_SIP_DOMAIN || undefined,
        gatherTimeoutSeconds: parsed.BIRD_GATHER_TIMEOUT_SECONDS,
        ringTimeoutSeconds: parsed.BIRD_RING_TIMEOUT_SECONDS,
        requestTimeoutMs: parsed.BIRD_REQUEST_TIMEOUT_MS,
        placementAttempts: parsed.BIRD_PLACEMENT_ATTEMPTS,
        reconcileAfterMs: parsed.BIRD_RECONCILE_AFTER_MS,
        transcriptionPollMs: parsed.BIRD_TRANSCRIPTION_POLL_MS,
      },
    }),
    externalCallsFromPlatform:
      parsed.VOICE_PROVIDER === 'messagebird' && parsed.MESSAGEBIRD_COUNT_EXTERNAL_CALLS
        ? { platform: 'messagebird', pollMs: parsed.MESSAGEBIRD_EXTERNAL_CALLS_POLL_MS }
        : parsed.VOICE_PROVIDER === 'bird' && parsed.BIRD_COUNT_EXTERNAL_CALLS
          ? { platform: 'bird', pollMs: parsed.BIRD_EXTERNAL_CALLS_POLL_MS }
          : null,
    bootstrap: { apiKey: parsed.BOOTSTRAP_API_KEY || undefined, maxConcurrentCalls: parsed.BOOTSTRAP_MAX_CONCURRENT_CALLS },
    slotLeaseTtlMs: parsed.SLOT_LEASE_TTL_MS,
    reconcileIntervalMs: parsed.RECONCILE_INTERVAL_MS,
    schedulerIntervalMs: parsed.SCHEDULER_INTERVAL_MS,
    dialConcurrency: parsed.DIAL_CONCURRENCY,
    csvUpload: { maxFileBytes: parsed.CSV_MAX_FILE_BYTES, maxRows: parsed.CSV_MAX_ROWS },
    logLevel: parsed.LOG_LEVEL,
    rateLimit: { perSecond: parsed.RATE_LIMIT_PER_SECOND, burst: parsed.RATE_LIMIT_BURST },
    jsonBodyMaxBytes: parsed.JSON_BODY_MAX_BYTES,
    logRedactPii: parsed.LOG_REDACT_PII === 'true',
    webhooks: {
      allowInsecure: parsed.WEBHOOKS_ALLOW_INSECURE === 'true',
      pollMs: parsed.WEBHOOKS_POLL_MS,
      concurrency: parsed.WEBHOOKS_CONCURRENCY,
      concurrencyPerEndpoint: parsed.WEBHOOKS_CONCURRENCY_PER_ENDPOINT,
      timeoutMs: parsed.WEBHOOKS_TIMEOUT_MS,
      retryScheduleMs: parsed.WEBHOOKS_RETRY_SCHEDULE_MS.split(',').map(Number),
      disableAfterMs: parsed.WEBHOOKS_DISABLE_AFTER_MS,
      retentionMs: parsed.WEBHOOKS_RETENTION_MS,
    },
  };
}

/** The MessageBird Voice Calling API adapter's settings (docs/messagebird.md). */
export interface MessageBirdConfig {
  accessKey: string;
  /** Without a trailing slash. */
  baseUrl: string;
  /** Verifies the MessageBird-Signature-JWT of webhooks and call-flow fetches. */
  signingKey: string;
  /** Where MessageBird reaches this service (webhooks, fetchCallFlow), without a trailing slash. */
  publicBaseUrl: string;
  /** `Ext:NNNN` transfers go to sip:NNNN@sipDomain; unset: they fail. */
  sipDomain?: string;
  /** How long a gather prompt waits for a key after it was spoken. */
  gatherTimeoutSeconds: number;
  /** Answering-machine handling of every `say` (unset: MessageBird's default, delay). */
  ifMachine?: 'continue' | 'delay' | 'hangup';
  machineTimeoutMs?: number;
  /** One HTTP request to MessageBird gives up after this long. */
  requestTimeoutMs: number;
  /** Tries to place one call (timeouts and 5xx are retried; a call id once returned is never placed again). */
  placementAttempts: number;
  /** A call without news for this long is looked up with GET /calls/{id}. */
  reconcileAfterMs: number;
  /** First wait before a call's recordings are read again while MessageBird still processes them (doubles each time). */
  recordingsRetryMs: number;
}

/** The Bird Channels Voice API adapter's settings (docs/bird.md). */
export interface BirdConfig {
  accessKey: string;
  workspaceId: string;
  channelId: string;
  /** Without a trailing slash. */
  baseUrl: string;
  /** Verifies the messagebird-signature of Bird's webhooks. */
  signingKey: string;
  /** Where Bird reaches this service (webhooks), without a trailing slash. */
  publicBaseUrl: string;
  /** `Ext:NNNN` transfers go to sip:NNNN@sipDomain; unset: they fail. */
  sipDomain?: string;
  /** A gather's `timeout`: how long it waits for a key. */
  gatherTimeoutSeconds: number;
  /** `ringTimeout` of every placed call and transfer (3-120). */
  ringTimeoutSeconds: number;
  requestTimeoutMs: number;
  /** Tries to place one call (timeouts and 5xx are retried; a call id once returned is never placed again). */
  placementAttempts: number;
  /** A call without news for this long is looked up. */
  reconcileAfterMs: number;
  /** How often a pending transcription is read again. */
  transcriptionPollMs: number;
}

/** The resolved config after local infrastructure has been started: both URLs are known. */
export interface ResolvedConfig extends AppConfig {
  databaseUrl: string;
  redisUrl: string;
  /** True when the database is the embedded one: the default organization is bootstrapped. */
  localMode: boolean;
  databasePoolSize: number;
  databaseCallPoolSize: number;
}

export const APP_CONFIG = Symbol('APP_CONFIG');
