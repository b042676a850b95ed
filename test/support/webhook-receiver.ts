import { AddressInfo } from 'node:net';
import http from 'node:http';
import { Webhook } from 'standardwebhooks';

export interface ReceivedWebhook {
  id: string;
  timestamp: string;
  signature: string;
  body: string;
  json: any;
  /** The status this receiver answered; 0 when the sender hung up before the answer (its timeout). */
  answered: number;
}

/** What to answer one request: a status, after a delay, with a body. */
export type Behaviour = (hook: Omit<ReceivedWebhook, 'answered'>, seen: number) => { status: number; delayMs?: number; body?: string };

/**
 * A status-callback receiver over real HTTP on loopback, like an integrator's: it records every request,
 * and `unique()` deduplicates by webhook-id as the Standard Webhooks spec asks receivers to do.
 */
export class WebhookReceiver {
  readonly requests: ReceivedWebhook[] = [];
  /** Answers still being delayed (cleared at close). */
  private readonly delayed = new Set<NodeJS.Timeout>();
  behaviour: Behaviour = () => ({ status: 200 });

  private constructor(
    private readonly server: http.Server,
    readonly url: string,
  ) {}

  static async start(path = '/hooks'): Promise<WebhookReceiver> {
    let receiver!: WebhookReceiver;
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const hook = {
          id: String(req.headers['webhook-id']),
          timestamp: String(req.headers['webhook-timestamp']),
          signature: String(req.headers['webhook-signature']),
          body,
          json: JSON.parse(body),
        };
        const seen = receiver.requests.filter((r) => r.id === hook.id).length;
        const answer = receiver.behaviour(hook, seen);
        const record = { ...hook, answered: answer.status };
        receiver.requests.push(record);
        const timer = setTimeout(() => {
          receiver.delayed.delete(timer);
          if (res.destroyed || req.socket.destroyed) {
            record.answered = 0;
            return;
          }
          res.writeHead(answer.status, { 'content-type': 'text/plain' });
          res.end(answer.body ?? 'ok');
        }, answer.delayMs ?? 0);
        receiver.delayed.add(timer);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    receiver = new WebhookReceiver(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`);
    return receiver;
  }

  /** The events a deduplicating receiver keeps: the first 2xx-answered request of each webhook-id. */
  unique(): ReceivedWebhook[] {
    const byId = new Map<string, ReceivedWebhook>();
    for (const request of this.requests) if (request.answered < 300 && !byId.has(request.id)) byId.set(request.id, request);
    return [...byId.values()];
  }

  /** Verifies a request with the reference `standardwebhooks` package; throws when the signature is wrong. */
  static verify(request: ReceivedWebhook, secret: string): unknown {
    return new Webhook(secret).verify(request.body, { 'webhook-id': request.id, 'webhook-timestamp': request.timestamp, 'webhook-signature': request.signature });
  }

  async waitFor(accept: (receiver: WebhookReceiver) => boolean, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!accept(this)) {
      if (Date.now() > deadline) throw new Error(`receiver: condition not met within ${timeoutMs} ms; got ${this.requests.length} requests: ${this.requests.map((r) => `${r.json.type}:${r.answered}`).join(', ')}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  close(): Promise<void> {
    for (const timer of this.delayed) clearTimeout(timer);
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
