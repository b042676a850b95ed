import { VoiceEvent } from '../voice-provider';
import { MessageBirdCallStatus, MessageBirdLeg } from './messagebird-api.types';

/**
 * Redis pub/sub channel (namespaced by QUEUE_PREFIX) from the API processes that receive MessageBird's
 * requests to the worker that placed the call, which turns them into normalized events.
 */
export const CALL_NEWS_CHANNEL = 'messagebird:call-news';

/** What MessageBird said about a call: its status and legs (a webhook item, or GET /calls + legs). */
export interface CallUpdate {
  providerCallId: string;
  status?: MessageBirdCallStatus;
  legs?: MessageBirdLeg[];
}

/** One message on the channel, about our call `callId`. */
export type CallNews =
  | { callId: string; kind: 'update'; update: CallUpdate }
  /** Step events decided by our fetchCallFlow endpoint, for a fetch made on MessageBird's call `providerCallId`. */
  | {
      callId: string;
      kind: 'steps';
      providerCallId?: string;
      events: VoiceEvent[];
      /** Seqs of record steps that ended: their step-finished comes from the LeftMessageCollector once the recording is read. */
      recordsEnded?: number[];
    };

export function encodeNews(news: CallNews): string {
  return JSON.stringify(news);
}

/** Parses a channel message; dates come back as Date objects. */
export function decodeNews(message: string): CallNews {
  const news = JSON.parse(message) as CallNews;
  if (news.kind === 'steps') for (const event of news.events) event.at = new Date(event.at);
  return news;
}
