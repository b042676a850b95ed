import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { CpuSplit, processCpuSeconds, roundSplit, startCpuMeter } from './support/cpu';
import { DebtorCsvStats, PHONE_FORMATS, sgMobileE164, writeDebtorCsv } from './support/debtor-csv';
import { MIXED_COUNTRIES, mixedPhoneSource, PhoneSource, usPhoneSource } from './support/phone-numbers';
import { startRssSampler } from './support/memory';
import { MultipartUploadResult, uploadMultipart } from './support/multipart-upload';
import { startActivitySampler } from './support/pg-activity';
import { metric, ScenarioResult } from './support/report';
import { RunningService, withService } from './support/service';
import { round } from './support/stats';
import { startBackgroundCpuMeter } from './support/system-cpu';
import { CALLER } from './support/workload';

const ROWS = 1_000_000;
const WARMUP_ROWS = 200;
/** Warm-up debtors get numbers from this index on, disjoint from the measured file's 0..ROWS−1. */
const WARMUP_FIRST_INDEX = 2_000_000;
/** The service's default BOOTSTRAP_MAX_CONCURRENT_CALLS: the dispatcher runs as in production. */
const LIMIT = 6;
const UPLOAD_TIMEOUT_MS = 300_000;
const FIRST_DIAL_TIMEOUT_MS = 30_000;
const SEED = 20261122;

/** A play, then a gather with two branches (the style of docs/seed-example.json), every message using the CSV's columns. */
const CALL_FLOW = {
  steps: [
    { name: 'play', message: { msg: 'Hello {{name}}, this is a reminder from your bank.', lang: 'en', gender: 'female' } },
    {
      name: 'gather',
      message: { msg: 'Dear {{name}}, the amount of {{amount}} will be due on {{dueDate}}. Press 1 to pay now, or 0 to speak to an agent.' },
      branches: [
        { digit: '1', default: 'false', callFlow: { steps: [{ name: 'play', message: { msg: 'Thank you {{name}}, your payment of {{amount}} is being processed.', lang: 'en', gender: 'female' } }] } },
        { digit: '0', default: 'true', callFlow: { steps: [{ name: 'transfer', destination: 'Ext:1000' }] } },
      ],
    },
  ],
};

/** The generated files, each uploaded to a service of its own (a fresh database), in this order. */
interface CsvFileSpec {
  key: 'sg' | 'us' | 'mixed';
  /** How the file is described in the report. */
  label: string;
  defaultRegion: string;
  spellings: readonly string[];
  /** Writes the measured file and a disjoint 200-row warm-up file; returns the warm-up's numbers in E.164. */
  write(dir: string): Promise<{ csv: DebtorCsvStats; warmupCsv: DebtorCsvStats; warmupE164: string[] }>;
}

/** Writes the warm-up rows first and the measured rows next from one source, so that their numbers are disjoint. */
async function writeFromSource(dir: string, key: string, phones: PhoneSource): Promise<{ csv: DebtorCsvStats; warmupCsv: DebtorCsvStats; warmupE164: string[] }> {
  const warmupE164: string[] = [];
  const recording: PhoneSource = {
    ...phones,
    next: () => {
      const generated = phones.next();
      warmupE164.push(generated.e164);
      return generated;
    },
  };
  const warmupCsv = await writeDebtorCsv(join(dir, `debtors-${key}-warmup.csv`), WARMUP_ROWS, { seed: SEED + 1, phones: recording });
  const csv = await writeDebtorCsv(join(dir, `debtors-${key}-1m.csv`), ROWS, { seed: SEED, phones });
  return { csv, warmupCsv, warmupE164 };
}

const CSV_FILES: CsvFileSpec[] = [
  {
    key: 'sg',
    label: '1M Singapore mobiles',
    defaultRegion: 'SG',
    spellings: PHONE_FORMATS,
    write: async (dir) => ({
      csv: await writeDebtorCsv(join(dir, 'debtors-sg-1m.csv'), ROWS, { seed: SEED }),
      warmupCsv: await writeDebtorCsv(join(dir, 'debtors-sg-warmup.csv'), WARMUP_ROWS, { seed: SEED + 1, firstIndex: WARMUP_FIRST_INDEX }),
      warmupE164: Array.from({ length: WARMUP_ROWS }, (_, i) => sgMobileE164(WARMUP_FIRST_INDEX + i)),
    }),
  },
  {
    key: 'us',
    label: '1M US numbers',
    defaultRegion: 'US',
    spellings: usPhoneSource(0).spellings,
    write: (dir) => writeFromSource(dir, 'us', usPhoneSource(SEED + 2)),
  },
  {
    key: 'mixed',
    label: `1M numbers of ${MIXED_COUNTRIES.join(', ')}`,
    defaultRegion: 'US',
    spellings: mixedPhoneSource(0).spellings,
    write: (dir) => writeFromSource(dir, 'mixed', mixedPhoneSource(SEED + 3)),
  },
];

/**
 * Scenario 4: POST /call/csv with generated 1,000,000-row debtor CSVs (~45 MB each; phone, name, amount, dueDate),
 * streamed from disk as multipart/form-data: Singapore mobiles (defaultRegion SG), US numbers (defaultRegion US), and
 * numbers mixed over SG, US, GB, IN, DE, AU, BR and NL (defaultRegion US; see support/phone-numbers.ts). Each file is
 * uploaded to a service of its own (a fresh database). BENCH_CSV_FILES=sg,us,mixed picks some of them.
 * Time = first byte of the request sent → whole response read (the campaign is then committed and ready for
 * dispatch). The service runs as in production: the default simulator, the default limit of 6 concurrent calls,
 * the dispatcher on. One 200-row warm-up upload of the same kind first (its callees fail at once, so its calls are
 * over before the measured upload starts). The service's resident memory is sampled every 50 ms from /proc. Then
 * the floor: PostgreSQL's own COPY of the same stored rows, in the same run.
 */
export async function runCsvUpload(): Promise<ScenarioResult> {
  const wanted = (process.env.BENCH_CSV_FILES ?? 'sg,us,mixed').split(',').map((s) => s.trim());
  const unknown = wanted.filter((key) => !CSV_FILES.some((file) => file.key === key));
  if (unknown.length > 0) throw new Error(`BENCH_CSV_FILES: unknown file ${unknown.join(', ')} (sg, us, mixed)`);
  const metrics: ScenarioResult['metrics'] = [];
  const details: Record<string, unknown> = {};
  for (const spec of CSV_FILES.filter((file) => wanted.includes(file.key))) {
    console.log(`  file ${spec.key}: ${spec.label}, defaultRegion ${spec.defaultRegion}`);
    const dir = mkdtempSync(join(tmpdir(), 'robocall-bench-csv-'));
    try {
      const { csv, warmupCsv, warmupE164 } = await spec.write(dir);
      console.log(`  generated ${csv.rows.toLocaleString('en-US')} rows, ${(csv.bytes / 1e6).toFixed(1)} MB (${(csv.bytes / csv.rows).toFixed(1)} B/row) in ${(csv.generateMs / 1000).toFixed(1)} s`);
      const numbers = Object.fromEntries(warmupE164.map((e164) => [e164, { answer: 'failed', ringMs: 0 }]));
      const result = await withService({ maxConcurrentCalls: LIMIT, simulatorScript: { numbers } }, (service) => measure(service, spec, csv, warmupCsv, dir));
      metrics.push(...result.metrics);
      details[spec.key] = result.details;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return { scenario: 'csv-upload', metrics, details };
}

async function measure(service: RunningService, spec: CsvFileSpec, csv: DebtorCsvStats, warmupCsv: DebtorCsvStats, dir: string): Promise<Omit<ScenarioResult, 'scenario'>> {
  const upload = (file: DebtorCsvStats, requestId: string) =>
    uploadMultipart({
      url: `${service.api.baseUrl}/call/csv`,
      headers: service.api.authHeaders(),
      fields: { requestId, callFlow: JSON.stringify(CALL_FLOW), caller: CALLER, defaultRegion: spec.defaultRegion, skipInvalidRows: 'false', enableCallRecording: 'false' },
      file: { field: 'file', path: file.path, filename: 'debtors.csv', contentType: 'text/csv' },
      timeoutMs: UPLOAD_TIMEOUT_MS,
    });

  // Warm-up: JIT, the connection pools, the parser's first use; then wait for its (failing) calls to end.
  const warmupId = `csv-warmup-${randomUUID()}`;
  const warmup = await upload(warmupCsv, warmupId);
  checkAnswer(warmup, WARMUP_ROWS);
  await waitFor(service, warmupId, (s) => s.status === 'completed', 60_000, 'the warm-up campaign to complete');
  console.log(`  warm-up: ${WARMUP_ROWS} rows in ${warmup.responseEndMs.toFixed(0)} ms, its calls completed`);

  const requestId = `csv-upload-${randomUUID()}`;
  const walBefore = await walPosition(service);
  const background = startBackgroundCpuMeter();
  const cpu = await startCpuMeter(service.pid, service.database.url);
  const activity = await startActivitySampler(service.database.url);
  const rss = startRssSampler(service.pid, 50);
  const result = await upload(csv, requestId);
  const rssProfile = rss.stop();
  const split = await cpu.stop();
  const backgroundCpu = background.stop();
  const pgProfile = await activity.stop();
  const walAfter = await walPosition(service);
  checkAnswer(result, ROWS);
  const report = result.body.importReport;

  // Ready for dispatch: committed (counted by another connection) and picked up by the dispatcher.
  const afterResponse = performance.now();
  const firstDial = await waitFor(service, requestId, (s) => s.summary.queued < s.summary.total, FIRST_DIAL_TIMEOUT_MS, 'the first dial of the campaign').then(
    () => performance.now() - afterResponse,
    (error: Error) => (console.warn(`  ${error.message}`), NaN),
  );
  const db = await service.database.connect();
  let stored: number;
  let distinctPhones: number;
  let sample: { phone: string; caller: string; properties: Record<string, string> }[];
  try {
    const { rows } = await db.query<{ n: number; phones: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT phone)::int AS phones FROM calls
       WHERE call_request_id = (SELECT id FROM call_requests WHERE request_id = $1)`,
      [requestId],
    );
    stored = rows[0].n;
    distinctPhones = rows[0].phones;
    sample = (
      await db.query(
        `SELECT phone, caller, properties FROM calls WHERE call_request_id = (SELECT id FROM call_requests WHERE request_id = $1)
         ORDER BY destination_index LIMIT ${csv.firstE164.length}`,
        [requestId],
      )
    ).rows;
  } finally {
    await db.end();
  }
  const expectedPhones = csv.firstE164;
  const phonesNormalized = sample.every((row, i) => row.phone === expectedPhones[i]) && sample.length === expectedPhones.length;
  if (!phonesNormalized) console.warn(`  the first stored phones are not the expected E.164 numbers: ${JSON.stringify(sample.map((r) => r.phone))} vs ${JSON.stringify(expectedPhones)}`);

  // The database's floor: the same rows, COPYed straight into a table defined like calls.
  const floor = await rawCopyFloor(service, requestId, dir);

  const totalS = result.responseEndMs / 1000;
  const transferS = result.bodyWrittenMs / 1000;
  const cpuS = (v: number) => v.toFixed(1);
  const floorS = floor.copy.ms / 1000;
  console.log(
    `  [${spec.key}] ${ROWS.toLocaleString('en-US')} rows: ${totalS.toFixed(2)} s (body written at ${transferS.toFixed(2)} s, then ${(totalS - transferS).toFixed(2)} s to the answer); ` +
      `RSS ${rssProfile.baselineMB} → peak ${rssProfile.peakMB} MB (+${rssProfile.growthMB}); CPU s: service ${cpuS(split.service)}, postgres ${cpuS(split.postgres)}, client ${cpuS(split.client)}, ` +
      `other ${cpuS(split.other)} (of which PostgreSQL background, kernel threads, interrupts ${cpuS(backgroundCpu.postgresBackground + backgroundCpu.kernelThreads + backgroundCpu.irqAndSoftirq)})`,
  );

  const k = `[${spec.key}]`;
  return {
    metrics: [
      metric(`${k} ${spec.label}: first byte → response`, round(totalS, 2), 's', { op: '<=', value: 15 }),
      metric(`${k}   PostgreSQL's own COPY of the same rows (same run)`, round(floorS, 2), 's'),
      metric(`${k}   upload / COPY`, round(totalS / floorS, 2), '×'),
      metric(`${k}   upload (body written)`, round(transferS, 2), 's'),
      metric(`${k}   after the body: parse, validate, COPY, commit`, round(totalS - transferS, 2), 's'),
      metric(`${k} rows accepted (importReport)`, report?.rowsAccepted ?? NaN, 'rows', { op: '==', value: ROWS }),
      metric(`${k} calls stored in PostgreSQL`, stored, 'rows', { op: '==', value: ROWS }),
      metric(`${k} service peak RSS growth`, rssProfile.growthMB, 'MB', { op: '<=', value: 250 }),
      metric(`${k} first phones stored as expected`, phonesNormalized && distinctPhones === ROWS ? 1 : 0, '', { op: '==', value: 1 }),
      metric(`${k} service CPU time`, round(split.service, 2), 's'),
      metric(`${k} PostgreSQL CPU time (backends)`, round(split.postgres, 2), 's'),
    ],
    details: {
      file: spec.label,
      defaultRegion: spec.defaultRegion,
      phoneSpellings: spec.spellings,
      rows: ROWS,
      csvBytes: csv.bytes,
      bytesPerRow: round(csv.bytes / csv.rows, 1),
      requestBodyBytes: result.bodyBytes,
      csvFirstLines: csv.firstLines.slice(0, 6),
      quotedNames: csv.quotedNames,
      quotedAmounts: csv.quotedAmounts,
      generateMs: round(csv.generateMs, 0),
      limit: LIMIT,
      simulator: 'default script (3 s ring, 60 ms per character), SIMULATOR_SPEED 1; warm-up numbers fail at once',
      warmupMs: round(warmup.responseEndMs, 1),
      timingsMs: {
        bodyWritten: round(result.bodyWrittenMs, 1),
        responseHeaders: round(result.responseHeadersMs, 1),
        responseEnd: round(result.responseEndMs, 1),
      },
      rowsPerSecond: Math.round(ROWS / totalS),
      importReport: { rowsRead: report?.rowsRead, rowsAccepted: report?.rowsAccepted, rowsRejected: report?.rowsRejected, errors: report?.errors?.slice(0, 3) },
      summary: result.body.summary,
      distinctPhonesStored: distinctPhones,
      firstPhonesNormalized: phonesNormalized,
      firstStoredRows: sample.slice(0, 2),
      memoryMB: { ...rssProfile, note: 'MB = 10^6 bytes; VmRSS sampled every 50 ms from the first byte to the response' },
      cpuSeconds: {
        ...roundSplit(split),
        ofOtherPostgresBackground: round(backgroundCpu.postgresBackground),
        ofOtherKernelThreads: round(backgroundCpu.kernelThreads),
        ofOtherIrqAndSoftirq: round(backgroundCpu.irqAndSoftirq),
        steal: round(backgroundCpu.steal),
      },
      // Without the work the benchmark itself causes outside its processes: PostgreSQL's WAL writer and
      // checkpointer, the kernel's write-back threads, and interrupts (loopback TCP is charged to no process).
      otherProcessCores: unrelatedCores(split, backgroundCpu.postgresBackground + backgroundCpu.kernelThreads + backgroundCpu.irqAndSoftirq),
      wal: { megabytes: round((walAfter.lsnBytes - walBefore.lsnBytes) / 1e6, 1), checkpoints: walAfter.checkpoints - walBefore.checkpoints },
      rawCopyFloor: floor,
      postgresActivity: pgProfile,
      serviceWarningLines: service.output().length,
      serviceWarningSample: service.output().slice(0, 3),
    },
  };
}

/** Cores kept busy by processes unrelated to the benchmark during the phase (background work it caused is left out). */
function unrelatedCores(split: CpuSplit, backgroundSeconds: number): number {
  return round(Math.max(0, split.other - backgroundSeconds) / split.wallSeconds);
}

/** The cluster's WAL insert position (bytes) and checkpoints so far. */
async function walPosition(service: RunningService): Promise<{ lsnBytes: number; checkpoints: number }> {
  const db = await service.database.connect();
  try {
    const { rows } = await db.query(
      `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::float8 AS "lsnBytes",
              (SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter)::int AS checkpoints`,
    );
    return rows[0];
  } finally {
    await db.end();
  }
}

/**
 * The columns the service's COPY writes (src/campaigns/store-calls.ts), those of them that the table has. `id` is
 * among them: the service writes time-ordered keys itself (store-calls.ts); the stored ones are copied as they are.
 */
const SERVICE_COPY_COLUMNS = ['id', 'organization_id', 'call_request_id', 'destination_index', 'phone', 'caller', 'properties', 'call_state', 'status', 'next_attempt_at', 'time_zones'];

interface CopyFloor {
  ms: number;
  /** CPU of the PostgreSQL backend running the COPY. */
  backendCpuSeconds: number;
}

/**
 * PostgreSQL's own COPY of the same rows: the stored rows of the campaign (the columns the service COPYs) exported
 * to a file, then COPYed from it in one transaction into a scratch table `LIKE calls INCLUDING ALL` (its keys,
 * defaults, indexes and constraints; `calls` has no foreign key) with the same storage parameters (fillfactor).
 * Timed from the first byte sent to the commit.
 */
async function rawCopyFloor(service: RunningService, requestId: string, dir: string): Promise<{ columns: string; rows: number; exportedBytes: number; copy: CopyFloor }> {
  const db = await service.database.connect();
  const file = join(dir, 'calls.copy');
  try {
    const { rows } = await db.query(
      `SELECT r.id, (SELECT coalesce(array_to_string(reloptions, ', '), '') FROM pg_class WHERE oid = 'calls'::regclass) AS reloptions
       FROM call_requests r WHERE r.request_id = $1`,
      [requestId],
    );
    const { id, reloptions } = rows[0] as { id: string; reloptions: string };
    const existing = new Set(
      (await db.query<{ name: string }>(`SELECT attname AS name FROM pg_attribute WHERE attrelid = 'calls'::regclass AND attnum > 0 AND NOT attisdropped`)).rows.map((r) => r.name),
    );
    const columns = SERVICE_COPY_COLUMNS.filter((name) => existing.has(name)).join(', ');
    const exported = db.query(copyTo(`COPY (SELECT ${columns} FROM calls WHERE call_request_id = '${id}' ORDER BY destination_index) TO STDOUT`));
    await pipeline(exported, createWriteStream(file));
    const exportedRows = Number(exported.rowCount);
    const [{ pid }] = (await db.query('SELECT pg_backend_pid() AS pid')).rows;
    const table = 'bench_scratch_calls';
    await db.query(`CREATE TABLE ${table} (LIKE calls INCLUDING ALL)${reloptions ? ` WITH (${reloptions})` : ''}`);
    let copy: CopyFloor;
    try {
      const cpu0 = processCpuSeconds(pid);
      const started = performance.now();
      await db.query('BEGIN');
      await pipeline(createReadStream(file, { highWaterMark: 256 * 1024 }), db.query(copyFrom(`COPY ${table} (${columns}) FROM STDIN`)));
      await db.query('COMMIT');
      const ms = performance.now() - started;
      copy = { ms: round(ms, 0), backendCpuSeconds: round(processCpuSeconds(pid) - cpu0) };
    } finally {
      await db.query(`DROP TABLE ${table}`);
    }
    console.log(`  floor: PostgreSQL's own COPY of the same rows ${(copy.ms / 1000).toFixed(2)} s (backend CPU ${copy.backendCpuSeconds} s)`);
    return { columns, rows: exportedRows, exportedBytes: statSync(file).size, copy };
  } finally {
    await db.end();
    rmSync(file, { force: true });
  }
}

function checkAnswer(result: MultipartUploadResult, rows: number): void {
  const text = typeof result.body === 'string' ? result.body : JSON.stringify(result.body);
  if (result.status !== 200) throw new Error(`POST /call/csv answered ${result.status}: ${text.slice(0, 800)}`);
  const report = result.body?.importReport;
  if (report?.rowsAccepted !== rows || result.body?.summary?.total !== rows) {
    throw new Error(`POST /call/csv accepted ${report?.rowsAccepted} of ${rows} rows (summary.total ${result.body?.summary?.total}): ${text.slice(0, 800)}`);
  }
}

async function waitFor(service: RunningService, requestId: string, done: (status: any) => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await service.api.get(`/status/${encodeURIComponent(requestId)}?page=1&perPage=1`);
    if (done(body)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}: ${JSON.stringify(body.summary)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
