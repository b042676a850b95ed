import { BadRequestException, Inject, Injectable, Logger, UnauthorizedException } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { APP_CONFIG, BirdConfig, ResolvedConfig } from '../../config/app-config';
import { countWebhookSignatureFailure } from '../../metrics/metrics';
import { BirdEventLog } from './bird-event-log';
import { verifyBirdSignature } from './bird-signature';
import { parseWebhookBody } from './bird-translation';
import { birdRequestedUrl } from './bird-urls';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface BirdHttpRequest {
  /** Path and query as received (express originalUrl). */
  originalUrl: string;
  signature: string | undefined;
  timestamp: string | undefined;
  rawBody: Buffer;
}

/**
 * POST /webhooks/bird: Bird's lifecycle events of a call and its finished commands. Verified (401 and
 * nothing applied otherwise), recorded once, and passed on to the worker running the call; a webhook about
 * a call we do not know is acknowledged (so Bird stops retrying), logged, and changes nothing.
 */
@Injectable()
export class BirdWebhooksService {
  private readonly logger = new Logger('BirdWebhooks');
  private readonly config: BirdConfig;

  constructor(
    @Inject(APP_CONFIG) config: ResolvedConfig,
    private readonly log: BirdEventLog,
  ) {
    this.config = config.bird!;
  }

  async receive(request: BirdHttpRequest, callId: unknown): Promise<void> {
    const verdict = verifyBirdSignature(
      { signature: request.signature, timestamp: request.timestamp, url: birdRequestedUrl(this.config, request.originalUrl), body: request.rawBody },
      this.config.signingKey,
    );
    if (!verdict.valid) {
      this.logger.warn(`refused a request to ${request.originalUrl.split('?')[0]}: ${verdict.reason}`);
      countWebhookSignatureFailure();
      throw new UnauthorizedException(`Invalid messagebird-signature: ${verdict.reason}`);
    }
    let body: unknown;
    try {
      body = JSON.parse(request.rawBody.toString('utf8'));
    } catch {
      throw new BadRequestException('The webhook body is not JSON');
    }
    const webhook = parseWebhookBody(body);
    if (!webhook) throw new BadRequestException('The webhook body has no payload with a call id and status');
    if (typeof callId !== 'string' || !UUID.test(callId)) {
      this.logger.warn(`webhook without a call of ours (callId=${JSON.stringify(callId)}, Bird call ${webhook.payload.id}); acknowledged, nothing applied`);
      return;
    }
    const dedupeKey = `webhook:${createHash('sha256').update(request.rawBody).digest('hex')}`;
    const result = await this.log.record(callId, dedupeKey, webhook);
    if (result === 'unknown-call') this.logger.warn(`webhook for unknown call ${callId} (Bird call ${webhook.payload.id}); acknowledged, nothing applied`);
  }
}
