import { IncomingMessage, ServerResponse } from 'node:http';
import { BIRD_WEBHOOK_PATH } from './bird-urls';

type WithRawBody = IncomingMessage & { rawBody?: Buffer };

/**
 * express.json's `verify` hook: keeps the exact bytes of Bird's webhooks (the signature covers them;
 * re-serialized JSON would not match). Other routes keep nothing.
 */
export function keepRawBodyOfBirdRequests(req: IncomingMessage, _res: ServerResponse, body: Buffer): void {
  if (req.url === BIRD_WEBHOOK_PATH || req.url?.startsWith(`${BIRD_WEBHOOK_PATH}?`)) (req as WithRawBody).rawBody = body;
}

/** The raw body of a request: as kept by the JSON parser, or read from the stream (another content type, or none). */
export async function birdRawBodyOf(req: IncomingMessage): Promise<Buffer> {
  const request = req as WithRawBody;
  if (request.rawBody) return request.rawBody;
  if (request.readableEnded) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
