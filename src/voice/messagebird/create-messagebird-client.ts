import { Logger } from '@nestjs/common';
import { MessageBirdConfig } from '../../config/app-config';
import { MessageBirdClient } from './messagebird-client';

export function createMessageBirdClient(config: MessageBirdConfig): MessageBirdClient {
  const logger = new Logger('MessageBirdClient');
  return new MessageBirdClient({
    baseUrl: config.baseUrl,
    accessKey: config.accessKey,
    requestTimeoutMs: config.requestTimeoutMs,
    placementAttempts: config.placementAttempts,
    log: (message) => logger.warn(message),
  });
}
