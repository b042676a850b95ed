import { BirdWebhookBody } from './bird-api.types';

/**
 * Redis pub/sub channel (namespaced by QUEUE_PREFIX) from the API process that received Bird's webhook
 * to the worker that placed the call, which turns it into normalized events and the next command.
 */
export const BIRD_CALL_NEWS_CHANNEL = 'bird:call-news';

/** One webhook about our call `callId`, as recorded in bird_events. */
export interface BirdCallNews {
  callId: string;
  receivedAt: string;
  webhook: BirdWebhookBody;
}

export function encodeBirdNews(news: BirdCallNews): string {
  return JSON.stringify(news);
}

export function decodeBirdNews(message: string): BirdCallNews {
  const news = JSON.parse(message) as BirdCallNews;
  if (typeof news?.callId !== 'string' || typeof news.webhook?.payload?.id !== 'string') throw new Error('not a Bird call news message');
  return news;
}
