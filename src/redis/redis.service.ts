import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG, ResolvedConfig } from '../config/app-config';

/** The Redis connections of this process (besides bull's own): one for commands, one for subscriptions. */
@Injectable()
export class RedisService implements OnApplicationShutdown {
  readonly client: Redis;
  private subscriber?: Redis;

  constructor(@Inject(APP_CONFIG) private readonly config: ResolvedConfig) {
    this.client = new Redis(config.redisUrl, { maxRetriesPerRequest: 3, enableReadyCheck: true });
  }

  /** Namespaces every key, so several deployments (or test runs) can share one Redis. */
  key(...parts: string[]): string {
    return [this.config.queuePrefix, ...parts].join(':');
  }

  /** Calls `handler` for every message on `channel` (namespaced). */
  async subscribe(channel: string, handler: (message: string) => void): Promise<void> {
    if (!this.subscriber) {
      this.subscriber = this.client.duplicate();
      this.subscriber.on('message', (ch: string, message: string) => this.handlers.get(ch)?.forEach((h) => h(message)));
    }
    const name = this.key(channel);
    const handlers = this.handlers.get(name) ?? [];
    handlers.push(handler);
    this.handlers.set(name, handlers);
    if (handlers.length === 1) await this.subscriber.subscribe(name);
  }
  private readonly handlers = new Map<string, ((message: string) => void)[]>();

  async publish(channel: string, message: string): Promise<void> {
    await this.client.publish(this.key(channel), message);
  }

  /** After every module's destroy hook, so the last slot releases still reach Redis. */
  async onApplicationShutdown(): Promise<void> {
    this.subscriber?.disconnect();
    await this.client.quit().catch(() => this.client.disconnect());
  }
}
