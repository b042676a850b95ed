import { BadRequestException, Inject, Injectable, Logger, UnauthorizedException } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { APP_CONFIG, MessageBirdConfig, ResolvedConfig } from '../../config/app-config';
import { CallUpdate } from './call-news';
import { MessageBirdWebhookItem } from './messagebird-api.types';
import { MessageBirdEventLog } from './messagebird-event-log';
import { requestedUrl } from './messagebird-urls';
import { verifySignature } from './webhook-signature';
import { countWebhookSignatureFailure } from '../../metrics/metrics';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface SignedHttpRequest {
  /** Path and query as received (express originalUrl). */
  originalUrl: string;
  signature: string | undefined;
  rawBody: Buffer;
  /** The body as the JSON parser already read it from `rawBody`, if it did. */
  parsedBody?: unknown;
}

/**
 * POST /webhooks/messagebird: MessageBird's callCreated/callUpdated events about a call's status and legs.
 * Verified, recorded once, and passed on to the worker running the call; a webhook about a call we do
 * not know is acknowledged (so MessageBird stops retrying) and logged, and changes nothing.
 */
@Injectable()
export class MessageBirdWebhooksService {
  private readonly logger = new Logger('MessageBirdWebhooks');
  private readonly config: MessageBirdConfig;

  constructor(
    @Inject(APP_CONFIG) config: ResolvedConfig,
    private readonly log: MessageBirdEventLog,
  ) {
    this.config = config.messagebird!;
  }

  /** Throws 401 unless MessageBird signed exactly this URL and body. */
  verify(request: SignedHttpRequest): void {
    const verdict = verifySignature({ token: request.signature, url: requestedUrl(this.config, request.originalUrl), body: request.rawBody }, this.config.signingKey);
    if (!verdict.valid) {
      this.logger.warn(`refused a request to ${request.originalUrl.split('?')[0]}: ${verdict.reason}`);
      countWebhookSignatureFailure();
      throw new UnauthorizedException(`Invalid MessageBird-Signature-JWT: ${verdict.reason}`);
    }
  }

  async receive(request: SignedHttpRequest, callId: unknown): Promise<void> {
    this.verify(request);
    const { body, items } = parseWebhook(request);
    const updates: CallUpdate[] = items
      .filter((item) => item.type === 'call' && typeof item.payload?.id === 'string')
      .map((item) => ({ providerCallId: item.payload.id, status: item.payload.status, legs: Array.isArray(item.payload.legs) ? item.payload.legs : [] }));
    const dedupeKey = `webhook:${createHash('sha256').update(request.rawBody).digest('hex')}`;
    if (typeof callId !== 'string' || !UUID.test(callId)) {
      await this.receiveForProviderCall(updates, body, dedupeKey);
      return;
    }
    const result = await this.log.record(
      {
        callId,
        providerCallId: updates[0]?.providerCallId ?? null,
        kind: 'webhook',
        dedupeKey,
        body,
      },
      updates.map((update) => ({ callId, kind: 'update', update })),
    );
    if (result === 'unknown-call') this.logger.warn(`webhook for unknown call ${callId} (MessageBird call ${updates[0]?.providerCallId}); acknowledged, nothing applied`);
  }

  /**
   * A webhook whose URL names no call of ours (one configured on the number, as in MessageBird's calls-and-legs
   * tutorial) is matched to our call by MessageBird's call id, `payload.id` (stored when the placement answered),
   * and applied like any other. An id we never placed is acknowledged and logged.
   */
  private async receiveForProviderCall(updates: CallUpdate[], body: unknown, dedupeKey: string): Promise<void> {
    const providerCallIds = [...new Set(updates.map((update) => update.providerCallId))];
    if (providerCallIds.length === 0) {
      this.logger.warn('webhook without a call of ours and without a MessageBird call id; acknowledged, nothing applied');
      return;
    }
    for (const providerCallId of providerCallIds) {
      const { result } = await this.log.recordForProviderCall(
        { providerCallId, kind: 'webhook', dedupeKey: providerCallIds.length === 1 ? dedupeKey : `${dedupeKey}:${providerCallId}`, body },
        (callId) => updates.filter((update) => update.providerCallId === providerCallId).map((update) => ({ callId, kind: 'update' as const, update })),
      );
      if (result === 'unknown-call') this.logger.warn(`webhook for MessageBird call ${providerCallId}, which is none of ours; acknowledged, nothing applied`);
    }
  }
}

/** `{timestamp, items: [{type, event, payload}]}`; a body MessageBird signed but we cannot read is a 400. */
function parseWebhook(request: SignedHttpRequest): { body: unknown; items: MessageBirdWebhookItem[] } {
  let body = request.parsedBody;
  if (body === undefined) {
    try {
      body = JSON.parse(request.rawBody.toString('utf8'));
    } catch {
      throw new BadRequestException('The webhook body is not JSON');
    }
  }
  const items = (body as { items?: unknown })?.items;
  if (!Array.isArray(items)) throw new BadRequestException('The webhook body has no items array');
  return { body, items: items as MessageBirdWebhookItem[] };
}
