import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CallFlow, FlowStep, GatherStep } from '../call-flow/call-flow.types';
import { stepAt } from '../call-flow/flow-interpreter';
import { CallRequest } from '../campaigns/call-request.entity';
import type { CampaignVersion } from '../campaigns/campaigns.service';
import { exportLink, flowStepPaths } from '../campaigns/export/export-filters';
import { Organization } from '../organizations/organization.entity';
import { strongEtag } from '../common/conditional-get';
import { COUNTER } from './funnel-counters';
import { estimateEta, RATE_WINDOW_MINUTES } from './funnel-eta';

type Box = { count: number; export: string | null };

/**
 * The funnel is computed for the database's time rounded down to this: the same campaign, unchanged, answers the
 * same funnel (and a 304 to If-None-Match) for these 5 seconds; its ETA moves on the scale of minutes anyway.
 */
export const FUNNEL_CLOCK_MS = 5_000;

export interface FunnelBasis<C extends CampaignVersion = CallRequest> {
  request: C;
  /** The instant the funnel is computed for (its `at`). */
  at: Date;
  /** The organization's calls in progress, all campaigns (its free slots). */
  ongoing: number;
}

/**
 * GET /status/{requestId}/funnel: the campaign's counters (call_requests), its funnel counters per step
 * (campaign_funnel, moved with each step result) and its recent dials per minute (campaign_dial_minutes),
 * read in one query of a few hundred rows at most, whatever the number of calls.
 */
@Injectable()
export class CampaignFunnelService {
  constructor(private readonly db: DataSource) {}

  /**
   * What a funnel is made of besides the campaign's row: the instant it is computed for (the database's clock
   * rounded down to FUNNEL_CLOCK_MS) and the organization's calls in progress (its free slots), beside `request` (the
   * campaign's version, or its whole row). Read from call_requests alone; with the campaign's version and the
   * organization's settings, the source of its ETag.
   */
  async funnelBasis<C extends CampaignVersion>(organization: Organization, request: C): Promise<FunnelBasis<C>> {
    const [{ now, ongoing }]: { now: Date; ongoing: number }[] = await this.db.query(
      `SELECT now() AS now, (SELECT coalesce(sum(dialed_calls - ended_calls), 0)::int FROM call_requests WHERE organization_id = $1 AND completed_at IS NULL) AS ongoing`,
      [organization.id],
    );
    const at = new Date(Math.floor(new Date(now).getTime() / FUNNEL_CLOCK_MS) * FUNNEL_CLOCK_MS);
    return { request, at, ongoing };
  }

  /** Changes with anything the funnel of `basis` shows (README "Cheap polling (ETag)"). */
  etag(organization: Organization, { request, at, ongoing }: FunnelBasis<CampaignVersion>): string {
    const settings = [organization.maxConcurrentCalls, organization.externalOngoingCalls, organization.callingHours];
    return strongEtag('funnel', organization.id, request.id, request.version, settings, ongoing, at.getTime());
  }

  async funnel(organization: Organization, { request, at: now, ongoing }: FunnelBasis) {
    const requestId = request.requestId;
    const [row]: {
      counters: [string, string, number][] | null;
      recent_dials: number;
      rate_from: Date | null;
    }[] = await this.db.query(
      `SELECT (SELECT json_agg(json_build_array(step_path, counter, count)) FROM campaign_funnel WHERE call_request_id = $1) AS counters,
              (SELECT coalesce(sum(dialed), 0)::int FROM campaign_dial_minutes
                WHERE call_request_id = $1 AND minute >= date_trunc('minute', $2::timestamptz) - make_interval(mins => $3)) AS recent_dials,
              (SELECT min(minute) FROM campaign_dial_minutes
                WHERE call_request_id = $1 AND minute >= date_trunc('minute', $2::timestamptz) - make_interval(mins => $3)) AS rate_from`,
      [request.id, now, RATE_WINDOW_MINUTES],
    );
    const counts = new Map<string, number>();
    for (const [path, counter, count] of row.counters ?? []) counts.set(`${path}\u0000${counter}`, count);
    const count = (path: string, counter: string) => counts.get(`${path}\u0000${counter}`) ?? 0;
    const link = (filters: Record<string, string>) => exportLink(requestId, filters);
    const box = (n: number, filters: Record<string, string> | null): Box => ({ count: n, export: filters ? link(filters) : null });

    const steps = flowStepPaths(request.callFlow).map(({ path, name, depth, branchOf }) => {
      const step = stepAt(request.callFlow, pathIndexes(path));
      const stepBox = (counter: string, filters: Record<string, string>) => box(count(path, counter), { step: path, ...filters });
      const outcomes = {
        success_ok: stepBox(COUNTER.status('success_ok'), { outcome: 'success_ok' }),
        no_input: stepBox(COUNTER.status('no_input'), { outcome: 'no_input' }),
        failed: stepBox(COUNTER.status('failed'), { outcome: 'failed' }),
        interrupted: stepBox(COUNTER.status('interrupted'), { outcome: 'interrupted' }),
      };
      const reached = stepBox(COUNTER.reached, {});
      const finished = Object.values(outcomes).reduce((sum, outcome) => sum + outcome.count, 0);
      return {
        path,
        stepName: name,
        depth,
        branchOf: branchOf && { ...branchOf, ...branchLabel(request.callFlow, branchOf.step, branchOf.branchIndex) },
        ...(step.name === 'play' || step.name === 'gather' ? { message: step.message.msg } : {}),
        ...(step.name === 'transfer' ? { destination: step.destination } : {}),
        reached,
        inProgress: Math.max(0, reached.count - finished),
        outcomes,
        ...(step.name === 'gather' && { gather: gatherBoxes(step, stepBox) }),
        ...(step.name === 'transfer' && {
          transfer: {
            answered: stepBox(COUNTER.transfer('answered'), { transfer: 'answered' }),
            notAnswered: box(
              count(path, COUNTER.transfer('busy')) + count(path, COUNTER.transfer('no_answer')) + count(path, COUNTER.transfer('failed')),
              { step: path, outcome: 'failed' },
            ),
            busy: stepBox(COUNTER.transfer('busy'), { transfer: 'busy' }),
            no_answer: stepBox(COUNTER.transfer('no_answer'), { transfer: 'no_answer' }),
            failed: stepBox(COUNTER.transfer('failed'), { transfer: 'failed' }),
          },
        }),
        ...(step.name === 'record' && {
          record: { recorded: stepBox(COUNTER.recorded, { recorded: 'true' }), transcribed: stepBox(COUNTER.transcribed, { transcribed: 'true' }) },
        }),
      };
    });

    let optedOut = 0;
    for (const [key, n] of counts) if (key.endsWith(`\u0000${COUNTER.optOut}`)) optedOut += n;
    const queued = request.totalCalls - request.dialedCalls;
    const freeSlots = Math.max(0, organization.maxConcurrentCalls - organization.externalOngoingCalls - ongoing);
    const windowStart = Math.max(
      now.getTime() - RATE_WINDOW_MINUTES * 60_000,
      row.rate_from ? new Date(row.rate_from).getTime() : now.getTime(),
    );
    const rateWindowMs = Math.max(0, now.getTime() - windowStart);
    // Under a few seconds of history the rate says little: no ETA yet ("no-recent-dials").
    const dialRatePerMinute = rateWindowMs >= 5_000 ? (row.recent_dials * 60_000) / rateWindowMs : 0;
    const estimate = estimateEta({
      now,
      campaignStatus: request.status,
      queued,
      dialRatePerMinute,
      freeSlots,
      callingHours: request.callingHours ?? organization.callingHours ?? null,
    });
    return {
      requestId: request.requestId,
      status: request.status,
      at: now.toISOString(),
      totals: totals(request, optedOut, box),
      eta: estimate.eta?.toISOString() ?? null,
      etaReason: estimate.etaReason,
      etaBasis: {
        queued,
        dialRatePerMinute: Math.round(dialRatePerMinute * 100) / 100,
        rateWindowSeconds: Math.round(rateWindowMs / 1000),
        slotLimit: organization.maxConcurrentCalls,
        freeSlots,
        callingHoursOpen: estimate.callingHoursOpen,
        nextWindow: estimate.nextWindow && { opens: estimate.nextWindow.opens.toISOString(), closes: estimate.nextWindow.closes.toISOString() },
      },
      steps,
    };
  }
}

function totals(request: CallRequest, optedOut: number, box: (n: number, filters: Record<string, string> | null) => Box) {
  return {
    total: box(request.totalCalls, {}),
    queued: box(request.totalCalls - request.dialedCalls, null),
    inProgress: box(request.dialedCalls - request.endedCalls, null),
    ended: box(request.endedCalls, null),
    answered: box(request.answeredCalls, { callStatus: 'answered' }),
    busy: box(request.busyCalls, { callStatus: 'busy' }),
    no_answer: box(request.noAnswerCalls, { callStatus: 'no_answer' }),
    failed: box(request.failedCalls, { callStatus: 'failed' }),
    cancelled: box(request.cancelledCalls, { callStatus: 'cancelled' }),
    suppressed: box(request.suppressedCalls, { status: 'suppressed' }),
    expired: box(request.expiredCalls, { status: 'expired' }),
    leftMessage: box(request.leftMessageCalls, { leftMessage: 'true' }),
    optedOut: box(optedOut, { optedOut: 'true' }),
  };
}

function gatherBoxes(step: GatherStep, stepBox: (counter: string, filters: Record<string, string>) => Box) {
  const defaultIndex = step.branches.findIndex((branch) => branch.default);
  const keys = step.branches
    .map((branch, branchIndex) => ({ branch, branchIndex }))
    .filter(({ branch }) => branch.digit !== undefined)
    .map(({ branch, branchIndex }) => ({ key: branch.digit!, branchIndex, optOut: branch.optOut === true }));
  keys.push({ key: '', branchIndex: defaultIndex, optOut: defaultIndex >= 0 && step.branches[defaultIndex].optOut === true });
  return {
    keys: keys.map(({ key, branchIndex, optOut }) => ({
      key,
      branchIndex: branchIndex >= 0 ? branchIndex : null,
      optOut,
      ...stepBox(COUNTER.key(key), { key }),
    })),
    optedOut: stepBox(COUNTER.optOut, { optedOut: 'true' }),
  };
}

function branchLabel(flow: CallFlow, gatherPath: string, branchIndex: number) {
  const gather = stepAt(flow, pathIndexes(gatherPath)) as FlowStep as GatherStep;
  const branch = gather.branches[branchIndex];
  return { digit: branch.digit ?? null, default: branch.default };
}

/** `steps[1].branches[0].steps[2]` → [1, 0, 2]. */
function pathIndexes(path: string): number[] {
  return [...path.matchAll(/\[(\d+)\]/g)].map((match) => Number(match[1]));
}
