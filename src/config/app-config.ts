import { plainToInstance, Transform } from 'class-transformer';
import { IsIn, IsInt, IsNumber, IsOptional, IsString, Max, Min, validateSync } from 'class-validator';

const toInt = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : Number(value));

/** Every environment variable the service reads, validated once at start-up. */
class EnvironmentSchema {
  @IsOptional() @IsIn(['api', 'worker', 'all'])
  APP_ROLE: 'api' | 'worker' | 'all' = 'all';

  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(65535)
  PORT = 3000;

  @IsOptional() @IsString()
  DATABASE_URL?: string;

  @IsOptional() @IsString()
  REDIS_URL?: string;

  @IsOptional() @IsString()
  DATA_DIR = './.data';

  @IsOptional() @IsString()
  QUEUE_PREFIX = 'robocall';

  @IsOptional() @IsIn(['simulator'])
  VOICE_PROVIDER: 'simulator' = 'simulator';

  @IsOptional() @IsString()
  SIMULATOR_SCRIPT?: string;

  @IsOptional() @Transform(toInt) @IsNumber() @Min(0.001)
  SIMULATOR_SPEED = 1;

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
}

export interface AppConfig {
  role: 'api' | 'worker' | 'all';
  port: number;
  /** Unset: an embedded PostgreSQL is started (local mode). */
  databaseUrl?: string;
  /** Unset: a private redis-server is started (local mode). */
  redisUrl?: string;
  dataDir: string;
  queuePrefix: string;
  voiceProvider: 'simulator';
  simulator: { scriptPath?: string; speed: number };
  bootstrap: { apiKey?: string; maxConcurrentCalls: number };
  slotLeaseTtlMs: number;
  reconcileIntervalMs: number;
  /** How often scheduled calls (retries, calling hours) that are due are put back in the queue. */
  schedulerIntervalMs: number;
  csvUpload: { maxFileBytes: number; maxRows: number };
  logLevel: 'error' | 'warn' | 'log' | 'debug';
}

/** Reads and validates the environment; throws one readable error listing every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = plainToInstance(EnvironmentSchema, { ...env }, { exposeDefaultValues: true });
  const errors = validateSync(parsed, { whitelist: false, forbidUnknownValues: false });
  if (errors.length > 0) {
    const lines = errors.map((e) => `${e.property}=${JSON.stringify(e.value)}: ${Object.values(e.constraints ?? {}).join(', ')}`);
    throw new Error(`Invalid environment:\n  ${lines.join('\n  ')}`);
  }
  return {
    role: parsed.APP_ROLE,
    port: parsed.PORT,
    databaseUrl: parsed.DATABASE_URL || undefined,
    redisUrl: parsed.REDIS_URL || undefined,
    dataDir: parsed.DATA_DIR,
    queuePrefix: parsed.QUEUE_PREFIX,
    voiceProvider: parsed.VOICE_PROVIDER,
    simulator: { scriptPath: parsed.SIMULATOR_SCRIPT || undefined, speed: parsed.SIMULATOR_SPEED },
    bootstrap: { apiKey: parsed.BOOTSTRAP_API_KEY || undefined, maxConcurrentCalls: parsed.BOOTSTRAP_MAX_CONCURRENT_CALLS },
    slotLeaseTtlMs: parsed.SLOT_LEASE_TTL_MS,
    reconcileIntervalMs: parsed.RECONCILE_INTERVAL_MS,
    schedulerIntervalMs: parsed.SCHEDULER_INTERVAL_MS,
    csvUpload: { maxFileBytes: parsed.CSV_MAX_FILE_BYTES, maxRows: parsed.CSV_MAX_ROWS },
    logLevel: parsed.LOG_LEVEL,
  };
}

/** The resolved config after local infrastructure has been started: both URLs are known. */
export interface ResolvedConfig extends AppConfig {
  databaseUrl: string;
  redisUrl: string;
  /** True when the database is the embedded one: the default organization is bootstrapped. */
  localMode: boolean;
  databasePoolSize: number;
}

export const APP_CONFIG = Symbol('APP_CONFIG');
