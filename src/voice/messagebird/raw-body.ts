import { IncomingMessage, ServerResponse } from 'node:http';
import { WEBHOOK_PATH } from './messagebird-urls';

type WithRawBody = IncomingMessage & { rawBody?: Buffer; body?: unknown };

/**
 * express.json's `verify` hook: keeps the exact bytes of the requests MessageBird makes to us (the
 * signature covers them; re-serialized JSON would not match). Other routes keep nothing.
 */
export function keepRawBodyOfMessageBirdRequests(req: IncomingMessage, _res: ServerResponse, body: Buffer): void {
  if (req.url?.startsWith(WEBHOOK_PATH)) (req as WithRawBody).rawBody = body;
}

/**
 * The raw body of a request: as kept by the JSON parser (`parsed`: `req.body` is then its JSON), or read
 * from the stream (another content type, or none).
 */
export async function rawBodyOf(req: IncomingMessage): Promise<{ rawBody: Buffer; parsed: boolean }> {
  const request = req as WithRawBody;
  if (request.rawBody) return { rawBody: request.rawBody, parsed: true };
  if (request.readableEnded) return { rawBody: Buffer.alloc(0), parsed: false };
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return { rawBody: Buffer.concat(chunks), parsed: false };
}
