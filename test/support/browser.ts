import { INestApplication } from '@nestjs/common';
import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync, statSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { delimiter, join } from 'node:path';
import { Browser, chromium } from 'playwright-core';

const ROOT = join(__dirname, '../..');
const CLIENT_SOURCES = join(ROOT, 'src/dashboard/client');
const CLIENT_BUILD = join(ROOT, 'dist/dashboard/client');

/**
 * The app created from the TypeScript sources serves the dashboard's compiled client from
 * dist/dashboard/client (see dashboardDirs). The test command builds it before jest runs; when a single
 * test file is run after editing the client, this compiles it again (tsc only, dist/ is otherwise left alone).
 */
export function ensureDashboardClientBuilt(): void {
  const sources = readdirSync(CLIENT_SOURCES).filter((name) => name.endsWith('.ts'));
  const stale = sources.some((name) => {
    const built = join(CLIENT_BUILD, name.replace(/\.ts$/, '.js'));
    return !existsSync(built) || statSync(built).mtimeMs < statSync(join(CLIENT_SOURCES, name)).mtimeMs;
  });
  if (stale) execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(CLIENT_SOURCES, 'tsconfig.json')], { stdio: 'inherit' });
}

/** Listens on a free loopback port and answers the base URL. */
export async function listen(app: INestApplication): Promise<string> {
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

/** Debian's chromium (on PATH as `chromium`), or CHROMIUM_PATH; playwright cannot download browsers here. */
export function chromiumPath(): string {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    for (const name of ['chromium', 'chromium-browser']) {
      const candidate = join(dir, name);
      try {
        accessSync(candidate, constants.X_OK);
        return candidate;
      } catch {
        // not here
      }
    }
  }
  throw new Error('chromium is not installed: apt-get install chromium (or set CHROMIUM_PATH)');
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** Polls `probe` until it stops throwing; rethrows its last failure after `timeoutMs`. */
export async function eventually<T>(probe: () => Promise<T> | T, timeoutMs = 10_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await probe();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}
