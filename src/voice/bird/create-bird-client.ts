import { Logger } from '@nestjs/common';
import { BirdConfig } from '../../config/app-config';
import { BirdClient } from './bird-client';

export function createBirdClient(config: BirdConfig): BirdClient {
  const logger = new Logger('BirdClient');
  return new BirdClient({
    baseUrl: config.baseUrl,
    accessKey: config.accessKey,
    workspaceId: config.workspaceId,
    channelId: config.channelId,
    requestTimeoutMs: config.requestTimeoutMs,
    placementAttempts: config.placementAttempts,
    log: (message) => logger.warn(message),
  });
}
