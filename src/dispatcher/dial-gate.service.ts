import { Injectable } from '@nestjs/common';
import { DateTime } from 'luxon';
import { Clock } from '../common/clock';
import { CallingHours, effectiveZones, isOpen, nextOpening } from '../compliance/calling-hours';
import { loadPhoneTimeZones } from '../compliance/phone-time-zones';
import { CallRateLimiter } from './call-rate-limiter.service';
import { CallSql } from './call-sql';

/** What the dial knows about a call and its organization's rules (returned by the dial-start UPDATE). */
export interface DialRules {
  organization_id: string;
  phone: string;
  time_zones: string[] | null;
  campaign_hours: CallingHours | null;
  organization_hours: CallingHours | null;
  calls_per_second: number | null;
  max_calls_per_number_per_day: number | null;
}

export type GateDecision = { dial: true } | { dial: false; until: Date; reason: string };

/** When no window can be found (zones whose windows never overlap), look again a day later. */
const RETRY_LATER_MS = 24 * 3_600_000;

/**
 * The last checks before a call is placed, in order: the callee's calling hours, the per-number daily
 * cap, then the organization's call-rate cap (which waits rather than defers). A deferred call is
 * scheduled again by the caller; nothing here dials.
 */
@Injectable()
export class DialGate {
  constructor(
    private readonly clock: Clock,
    private readonly sql: CallSql,
    private readonly rate: CallRateLimiter,
  ) {}

  async check(rules: DialRules): Promise<GateDecision> {
    const now = this.clock.now();
    const hours = rules.campaign_hours ?? rules.organization_hours;
    const zones = hours ? effectiveZones(rules.time_zones ?? [], hours) : (rules.time_zones ?? []);
    if (hours && !isOpen(hours, zones, now)) {
      return { dial: false, until: nextOpening(hours, zones, now) ?? new Date(now.getTime() + RETRY_LATER_MS), reason: 'outside calling hours' };
    }
    if (rules.max_calls_per_number_per_day) {
      // The callee's day: zones stored for calling hours, else looked up from the number.
      const zone = zones[0] ?? (await loadPhoneTimeZones()).zonesOf(rules.phone)[0] ?? 'UTC';
      const today = DateTime.fromJSDate(now, { zone });
      if (!(await this.countContact(rules, today.toISODate()!))) {
        const tomorrow = today.plus({ days: 1 }).startOf('day').toJSDate();
        const until = hours ? (nextOpening(hours, zones, tomorrow) ?? tomorrow) : tomorrow;
        return { dial: false, until, reason: `already called ${rules.max_calls_per_number_per_day} time(s) today` };
      }
    }
    await this.rate.acquire(rules.organization_id, rules.calls_per_second);
    return { dial: true };
  }

  /** Counts one more call to the number on its local `day`; false (nothing counted) when the cap is reached. */
  private async countContact(rules: DialRules, day: string): Promise<boolean> {
    const rows = await this.sql.durable(
      `INSERT INTO contact_attempts AS a (organization_id, phone, day, calls) VALUES ($1, $2, $3, 1)
       ON CONFLICT (organization_id, phone, day) DO UPDATE SET calls = a.calls + 1 WHERE a.calls < $4
       RETURNING calls`,
      [rules.organization_id, rules.phone, day, rules.max_calls_per_number_per_day],
    );
    return rows.length > 0;
  }
}
