import { Controller, HttpCode, Post, Query, Req } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Request } from 'express';
import { birdRawBodyOf } from './bird-raw-body';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER } from './bird-signature';
import { BirdWebhooksService } from './bird-webhooks.service';

/** What Bird calls on us. No API key: every request must carry Bird's signature instead. */
@ApiExcludeController()
@Controller('webhooks/bird')
export class BirdWebhooksController {
  constructor(private readonly webhooks: BirdWebhooksService) {}

  @Post()
  @HttpCode(200)
  async webhook(@Req() req: Request, @Query('callId') callId: unknown): Promise<{ status: 'ok' }> {
    const header = (name: string) => {
      const value = req.headers[name];
      return Array.isArray(value) ? value[0] : value;
    };
    await this.webhooks.receive({ originalUrl: req.originalUrl, signature: header(SIGNATURE_HEADER), timestamp: header(TIMESTAMP_HEADER), rawBody: await birdRawBodyOf(req) }, callId);
    return { status: 'ok' };
  }
}
