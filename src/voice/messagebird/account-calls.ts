import { DataSource } from 'typeorm';
import { MessageBirdCall } from './messagebird-api.types';
import { MessageBirdClient } from './messagebird-client';

/*
 * A10 (docs/messagebird.md). GET /calls lists the account's calls newest first, a page at a time, each
 * with its `status`; a call that is not `ended` holds a line. Calls older than LOOKBACK_MS are taken as
 * over (no call of ours lasts that long), which bounds how far back the list is read; so does MAX_PAGES.
 */
const LOOKBACK_MS = 6 * 3600_000;
const MAX_PAGES = 50;

/** The account's calls that are not ended (A10). */
export async function liveAccountCalls(client: MessageBirdClient, now = Date.now()): Promise<MessageBirdCall[]> {
  const since = now - LOOKBACK_MS;
  const live: MessageBirdCall[] = [];
  for (let page = 1; page <= MAX_PAGES; page++) {
    const { data, pagination } = await client.listCalls(page);
    live.push(...data.filter((call) => call.status !== 'ended' && !(call.createdAt && Date.parse(call.createdAt) < since)));
    const oldest = data[data.length - 1]?.createdAt;
    if (data.length === 0 || !pagination || page >= pagination.pageCount || (oldest && Date.parse(oldest) < since)) break;
  }
  return live;
}

/**
 * Other apps' ongoing calls on the account: its live calls less those this service placed (their ids are on
 * our calls). A call counted in the instant between MessageBird creating it and our storing its id counts as
 * another app's for one interval: the error holds back a slot, never lets the limit be exceeded.
 */
export async function countOtherAccountCalls(client: MessageBirdClient, db: DataSource): Promise<number> {
  const live = await liveAccountCalls(client);
  if (live.length === 0) return 0;
  const [{ ours }] = await db.query(`SELECT count(*)::int AS ours FROM calls WHERE provider_call_id = ANY($1::text[])`, [live.map((call) => call.id)]);
  return live.length - ours;
}
