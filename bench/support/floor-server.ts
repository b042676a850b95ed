import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { status, stopFloorWork, submit } from './floor-work';

/**
 * The `load-floor` scenario's server: the database work and JSON of the load scenario's two requests
 * (floor-work.ts) on node:http and nothing else (no framework), as a lower bound for what this machine can
 * serve. Run as its own process: DATABASE_URL, PORT, ORGANIZATION_ID.
 */
async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function answer(res: ServerResponse, code: number, value: unknown): void {
  const text = JSON.stringify(value);
  res.writeHead(code, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://floor');
  const handle = async () => {
    if (req.method === 'POST' && url.pathname === '/call') return answer(res, 200, await submit(JSON.parse(await readBody(req))));
    const match = /^\/status\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'GET' && match) {
      const view = await status(decodeURIComponent(match[1]), Number(url.searchParams.get('page') ?? 1), Number(url.searchParams.get('perPage') ?? 100));
      return view ? answer(res, 200, view) : answer(res, 404, { status: 'error', message: 'no such request' });
    }
    if (url.pathname === '/health') return answer(res, 200, { status: 'ok' });
    answer(res, 404, { status: 'error', message: 'not found' });
  };
  handle().catch((error) => answer(res, 500, { status: 'error', message: String(error) }));
}).listen(Number(process.env.PORT), '127.0.0.1');

process.on('SIGTERM', () => void stopFloorWork().finally(() => process.exit(0)));
