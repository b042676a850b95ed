import { IncomingMessage, ServerResponse } from 'node:http';
import { DynamicModule, Module } from '@nestjs/common';
import { ResolvedConfig } from '../config/app-config';
import { BirdHttpModule } from './bird/bird-http.module';
import { keepRawBodyOfBirdRequests } from './bird/bird-raw-body';
import { MessageBirdHttpModule } from './messagebird/messagebird-http.module';
import { keepRawBodyOfMessageBirdRequests } from './messagebird/raw-body';

/**
 * The voice platforms' routes on our HTTP API (their webhooks, call-flow fetches, recordings), for the
 * configured platform only: the one place the HTTP side of the app names the platforms, so nothing
 * outside src/voice/ imports a platform's module.
 */
@Module({})
export class VoiceHttpModule {
  static forConfig(config: ResolvedConfig): DynamicModule {
    return { module: VoiceHttpModule, imports: [MessageBirdHttpModule.forConfig(config), BirdHttpModule.forConfig(config)] };
  }
}

/** express.json's `verify` hook: keeps the exact bytes of the requests a voice platform signs (each platform keeps only its own routes'). */
export function keepRawBodyOfVoicePlatformRequests(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
  keepRawBodyOfMessageBirdRequests(req, res, body);
  keepRawBodyOfBirdRequests(req, res, body);
}
