import { Controller, Get, HttpCode, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Request, Response } from 'express';
import { BEEP_WAV } from './beep-wav';
import { CallFlowFetchService } from './call-flow-fetch.service';
import { MessageBirdCallFlow } from './messagebird-api.types';
import { MessageBirdWebhooksService, SignedHttpRequest } from './messagebird-webhooks.service';
import { rawBodyOf } from './raw-body';
import { SIGNATURE_HEADER } from './webhook-signature';

/** What MessageBird calls on us. No API key: every request must carry MessageBird's signature instead. */
@ApiExcludeController()
@Controller('webhooks/messagebird')
export class MessageBirdWebhooksController {
  constructor(
    private readonly webhooks: MessageBirdWebhooksService,
    private readonly callFlows: CallFlowFetchService,
  ) {}

  @Post()
  @HttpCode(200)
  async webhook(@Req() req: Request, @Query('callId') callId: unknown): Promise<{ status: 'ok' }> {
    await this.webhooks.receive(await signedRequest(req), callId);
    return { status: 'ok' };
  }

  /** The tone before a record step (A16): public and the same for every call, so MessageBird's player needs nothing to fetch it. */
  @Get('beep.wav')
  beep(@Res() res: Response): void {
    res.status(200).setHeader('Content-Type', 'audio/wav');
    res.setHeader('Cache-Control', 'public, max-age=86400');
    res.end(BEEP_WAV);
  }

  @Get('call-flow')
  async callFlow(@Req() req: Request, @Query() query: Record<string, unknown>): Promise<MessageBirdCallFlow> {
    return this.callFlows.nextSegment(await signedRequest(req), query);
  }
}

async function signedRequest(req: Request): Promise<SignedHttpRequest> {
  const header = req.headers[SIGNATURE_HEADER];
  const { rawBody, parsed } = await rawBodyOf(req);
  return { originalUrl: req.originalUrl, signature: Array.isArray(header) ? header[0] : header, rawBody, ...(parsed && { parsedBody: req.body }) };
}
