import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { ClaimOneCampaign1765600000000 } from '../src/migrations/1765600000000-claim-one-campaign';
import { runMigrations } from '../src/database/run-migrations';
import { createTestDatabase, TestDatabase } from './support/test-environment';

/**
 * claim_calls (migration 1765400000000), the dispatcher's claim, called directly on PostgreSQL with campaigns
 * set up by hand: how it shares free slots between campaigns (priority, weight, cap, FIFO), what it counts as
 * a campaign's held slots, and that it never claims more calls than leases or a call twice.
 */
describe('claim_calls: how free slots are shared between campaigns', () => {
  let database: TestDatabase;
  let db: Client;
  let leaseCounter = 0;

  beforeAll(async () => {
    database = await createTestDatabase();
    await runMigrations(database.url);
    db = new Client({ connectionString: database.url });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
    await database?.drop();
  });

  interface CampaignSpec {
    name: string;
    priority?: number;
    weight?: number;
    cap?: number | null;
    /** Calls holding a slot (their leases are held). */
    held?: number;
    waiting: number;
  }

  /** An organization with these campaigns, submitted in this order (their waiting calls interleaved by seq in `order`). */
  async function organization(campaigns: CampaignSpec[], queueing = 'fair', order: 'by-campaign' | 'interleaved' = 'by-campaign') {
    const [{ id: org }] = (await db.query(`INSERT INTO organizations (name, max_concurrent_calls, queueing) VALUES ('o', 1000, $1) RETURNING id`, [queueing])).rows;
    const ids: Record<string, string> = {};
    const held: string[] = [];
    for (const c of campaigns) {
      const [{ id }] = (
        await db.query(
          `INSERT INTO call_requests (organization_id, request_id, body_hash, call_flow, total_calls, priority, weight, max_concurrent_calls)
           VALUES ($1, $2, 'h', '{}', $3, $4, $5, $6) RETURNING id`,
          [org, c.name, (c.held ?? 0) + c.waiting, c.priority ?? 5, c.weight ?? 1, c.cap ?? null],
        )
      ).rows;
      ids[c.name] = id;
      for (let i = 0; i < (c.held ?? 0); i++) {
        const lease = `held-${++leaseCounter}`;
        held.push(lease);
        await insertCall(org, id, 1000 + i, 'ongoing', lease);
      }
    }
    const rounds = Math.max(...campaigns.map((c) => c.waiting));
    if (order === 'interleaved') {
      for (let i = 0; i < rounds; i++) for (const c of campaigns) if (i < c.waiting) await insertCall(org, ids[c.name], i, 'queued', null);
    } else {
      for (const c of campaigns) for (let i = 0; i < c.waiting; i++) await insertCall(org, ids[c.name], i, 'queued', null);
    }
    const names = Object.fromEntries(Object.entries(ids).map(([name, id]) => [id, name]));
    /** Claims with `slots` new leases; answers how many calls of each campaign it took. */
    const claim = async (slots: number, heldLeases = held) => {
      const leases = Array.from({ length: slots }, () => `new-${++leaseCounter}`);
      const { rows } = await db.query(`SELECT call_id, call_lease FROM claim_calls($1, $2, $3, now())`, [org, leases, heldLeases]);
      const taken = await db.query(`SELECT call_request_id, lease_id FROM calls WHERE id = ANY ($1)`, [rows.map((r) => r.call_id)]);
      expect(rows.map((r) => r.call_lease).sort()).toEqual(taken.rows.map((r) => r.lease_id).sort());
      expect(new Set(rows.map((r) => r.call_lease)).size).toBe(rows.length);
      held.push(...rows.map((r) => r.call_lease));
      const counts: Record<string, number> = {};
      for (const r of taken.rows) counts[names[r.call_request_id]] = (counts[names[r.call_request_id]] ?? 0) + 1;
      return counts;
    };
    /** One of the campaign's calls ends: its slot comes back (its lease is no longer held). */
    const endOne = async (name: string) => {
      const [{ id, lease_id }] = (await db.query(`SELECT id, lease_id FROM calls WHERE call_request_id = $1 AND call_state = 'dialing' LIMIT 1`, [ids[name]])).rows;
      await db.query(`UPDATE calls SET call_state = 'ended' WHERE id = $1`, [id]);
      held.splice(held.indexOf(lease_id), 1);
    };
    return { id: org, ids, claim, held, endOne };
  }

  async function insertCall(org: string, campaign: string, index: number, state: string, lease: string | null) {
    await db.query(
      `INSERT INTO calls (id, organization_id, call_request_id, destination_index, phone, caller, properties, call_state, status, lease_id)
       VALUES (gen_random_uuid(), $1, $2, $3, '+6590000000', '+6580000000', '{}', $4, 'queued', $5)`,
      [org, campaign, index, state, lease],
    );
  }

  it('equal campaigns take turns (the older waiting call first on a tie), so the slots they hold differ by at most one', async () => {
    expect(await (await organization([{ name: 'a', waiting: 20 }, { name: 'b', waiting: 20 }])).claim(7)).toEqual({ a: 4, b: 3 });
    // b already holds more: a catches up first.
    expect(await (await organization([{ name: 'a', held: 1, waiting: 20 }, { name: 'b', held: 4, waiting: 20 }])).claim(5)).toEqual({ a: 4, b: 1 });
  });

  it('only leases Redis still holds count as held: a call whose slot came back but whose end is not written holds none', async () => {
    const org = await organization([{ name: 'a', held: 3, waiting: 20 }, { name: 'b', waiting: 20 }]);
    expect(await org.claim(4, [])).toEqual({ a: 2, b: 2 });
  });

  it('within a priority, slots follow the weights', async () => {
    expect(await (await organization([{ name: 'a', weight: 2, waiting: 20 }, { name: 'b', waiting: 20 }])).claim(9)).toEqual({ a: 6, b: 3 });
    const weights = [1, 2, 3, 5];
    const many = await organization(weights.map((weight, i) => ({ name: `c${i}`, weight, waiting: 200 })), 'fair', 'interleaved');
    const given = await many.claim(110);
    weights.forEach((weight, i) => expect(Math.abs(given[`c${i}`] - (110 * weight) / 11)).toBeLessThanOrEqual(1));
  });

  it('a remainder the weights cannot split takes turns: ties go to the campaign with the fewest dials for its weight', async () => {
    // Limit 6, weights 1, 1, 2: 1.5, 1.5 and 3 slots cannot be held; 2, 2, 2 is within one of each.
    const org = await organization([{ name: 'a', waiting: 50 }, { name: 'b', waiting: 50 }, { name: 'heavy', weight: 2, waiting: 50 }]);
    expect(await org.claim(6)).toEqual({ a: 2, b: 2, heavy: 2 });
    // a's call ends: a (1 held) and heavy (2 held, weight 2) tie on held slots; heavy has dialed fewer for its weight.
    await org.endOne('a');
    expect(await org.claim(1)).toEqual({ heavy: 1 });
    // Dials 2, 2, 3: heavy (1.5 a weight) still wins the three-way tie, then a (older than b) the next.
    await org.endOne('heavy');
    await org.endOne('b');
    expect(await org.claim(2)).toEqual({ a: 1, heavy: 1 });
    // Dials 3, 2, 4: b's turn on the tie with heavy.
    await org.endOne('a');
    await org.endOne('heavy');
    expect(await org.claim(1)).toEqual({ b: 1 });
  });

  it('every slot goes to the highest priority with calls waiting, the rest to the next', async () => {
    const spec = [{ name: 'long', held: 6, waiting: 50 }, { name: 'urgent', priority: 9, waiting: 3 }];
    expect(await (await organization(spec)).claim(2)).toEqual({ urgent: 2 });
    expect(await (await organization(spec)).claim(5)).toEqual({ urgent: 3, long: 2 });
  });

  it('a cap is never exceeded, and the slots it leaves go to the others; no campaign gets more than it has waiting', async () => {
    expect(await (await organization([{ name: 'capped', priority: 9, cap: 3, held: 1, waiting: 20 }, { name: 'other', waiting: 20 }])).claim(6)).toEqual({ capped: 2, other: 4 });
    expect(await (await organization([{ name: 'capped', cap: 2, held: 2, waiting: 20 }])).claim(6)).toEqual({});
    expect(await (await organization([{ name: 'a', waiting: 1 }, { name: 'b', waiting: 0 }])).claim(4)).toEqual({ a: 1 });
  });

  it('fifo: the oldest waiting calls first, whatever their campaign, priority or weight (caps still hold)', async () => {
    const org = await organization([{ name: 'old', priority: 1, waiting: 3 }, { name: 'recent', priority: 10, weight: 5, cap: 1, waiting: 3 }], 'fifo');
    expect(await org.claim(5)).toEqual({ old: 3, recent: 1 });
  });

  it('one running campaign without a cap (the shortcut of migration 1765600000000): its oldest waiting calls, passing over one a pause is changing; a paused or expired campaign offers none', async () => {
    const org = await organization([{ name: 'only', waiting: 5 }, { name: 'paused', priority: 10, waiting: 5 }, { name: 'expired', priority: 10, waiting: 5 }]);
    await db.query(`UPDATE call_requests SET status = 'paused' WHERE id = $1`, [org.ids.paused]);
    await db.query(`UPDATE call_requests SET expires_at = now() - interval '1 minute' WHERE id = $1`, [org.ids.expired]);
    const waiting = (await db.query(`SELECT id FROM calls WHERE call_request_id = $1 ORDER BY seq`, [org.ids.only])).rows.map((r) => r.id);
    const other = new Client({ connectionString: database.url });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query(`SELECT 1 FROM calls WHERE id = $1 FOR UPDATE`, [waiting[0]]);
      const { rows } = await db.query(`SELECT call_id FROM claim_calls($1, $2, $3, now())`, [org.id, ['s-1', 's-2'], []]);
      expect(rows.map((r) => r.call_id)).toEqual([waiting[1], waiting[2]]);
    } finally {
      await other.query('ROLLBACK');
      await other.end();
    }
    expect(await org.claim(10)).toEqual({ only: 3 });
  });

  it('migration 1765600000000 goes down to the claim without the shortcut, which claims the same, and up again', async () => {
    const source = new DataSource({ type: 'postgres', url: database.url });
    await source.initialize();
    const runner = source.createQueryRunner();
    try {
      await new ClaimOneCampaign1765600000000().down(runner);
      const org = await organization([{ name: 'only', waiting: 3 }]);
      expect(await org.claim(2)).toEqual({ only: 2 });
      await new ClaimOneCampaign1765600000000().up(runner);
      expect(await org.claim(2)).toEqual({ only: 1 });
    } finally {
      await runner.release();
      await source.destroy();
    }
  });

  it('claims each call once: a second claim takes the next calls, and none when nothing waits', async () => {
    const org = await organization([{ name: 'a', waiting: 3 }]);
    expect(await org.claim(2)).toEqual({ a: 2 });
    expect(await org.claim(2)).toEqual({ a: 1 });
    expect(await org.claim(2)).toEqual({});
  });
});
