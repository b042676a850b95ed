import { BadRequestException, Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CallFlow, FlowStep } from '../../call-flow/call-flow.types';
import { stepAt } from '../../call-flow/flow-interpreter';
import { FlowTemplatesCache } from '../../call-flow/flow-templates-cache';
import { APP_CONFIG, MessageBirdConfig, ResolvedConfig } from '../../config/app-config';
import { FetchReport, HANGUP_CALL_FLOW, parseFetchReport, segmentAt, transferDestination, transferLeg, transferStatusOf, TranslationOptions } from './call-flow-translation';
import { progressAfter, TransferResult } from './fetch-progress';
import { MessageBirdCallFlow } from './messagebird-api.types';
import { MessageBirdClient } from './messagebird-client';
import { MessageBirdEventLog } from './messagebird-event-log';
import { LeftMessageJobs } from './left-message-collector';
import { beepUrl, callFlowUrl } from './messagebird-urls';
import { MessageBirdWebhooksService, SignedHttpRequest } from './messagebird-webhooks.service';

interface CallRow {
  call_request_id: string;
  properties: Record<string, unknown>;
  provider_call_id: string | null;
  call_state: string;
  call_flow: CallFlow;
}

/**
 * GET /webhooks/messagebird/call-flow: MessageBird asks for the next segment of a call's flow (a
 * `fetchCallFlow` step). The query says which step just ran and what happened in it (the key pressed);
 * the answer is the next segment, and the step events are recorded and passed on to the worker.
 * Any API process can answer: the call's flow and properties are read from PostgreSQL.
 */
@Injectable()
export class CallFlowFetchService {
  private readonly logger = new Logger('MessageBirdCallFlow');
  private readonly config: MessageBirdConfig;
  private readonly translation: TranslationOptions;

  constructor(
    @Inject(APP_CONFIG) config: ResolvedConfig,
    private readonly db: DataSource,
    private readonly templates: FlowTemplatesCache,
    private readonly client: MessageBirdClient,
    private readonly log: MessageBirdEventLog,
    private readonly webhooks: MessageBirdWebhooksService,
    private readonly leftMessages: LeftMessageJobs,
  ) {
    this.config = config.messagebird!;
    this.translation = {
      callFlowUrl: callFlowUrl(this.config),
      beepUrl: beepUrl(this.config),
      sipDomain: this.config.sipDomain,
      gatherTimeoutSeconds: this.config.gatherTimeoutSeconds,
    };
  }

  async nextSegment(request: SignedHttpRequest, query: Record<string, unknown>): Promise<MessageBirdCallFlow> {
    this.webhooks.verify(request);
    const report = parseFetchReport(query);
    if (!report) throw new BadRequestException('Not a call-flow URL of this service');
    const rows: CallRow[] = await this.db.query(
      `SELECT c.call_request_id, c.properties, c.provider_call_id, c.call_state, r.call_flow
       FROM calls c JOIN call_requests r ON r.id = c.call_request_id WHERE c.id = $1`,
      [report.callId],
    );
    const call = rows[0];
    const theirs = typeof query.callID === 'string' ? query.callID : undefined;
    if (!call || call.call_state === 'ended') {
      this.logger.warn(`call-flow fetch for ${call ? 'ended' : 'unknown'} call ${report.callId}; answered with a hang-up`);
      return HANGUP_CALL_FLOW;
    }
    // Another MessageBird call than the one placed for ours (a retried placement that had gone through):
    // it must not run our flow. (While the placement is in flight the id is not stored yet: the worker sorts it out.)
    if (theirs !== undefined && call.provider_call_id !== null && theirs !== call.provider_call_id) {
      this.logger.warn(`call-flow fetch for call ${report.callId} from MessageBird call ${theirs}, which is not the one placed for it; answered with a hang-up`);
      return HANGUP_CALL_FLOW;
    }
    const platformCallId = theirs ?? call.provider_call_id;
    const step = stepOrNull(call.call_flow, report.path);
    if (!step) throw new BadRequestException('No such step in the call flow');
    const { messages, error } = this.templates.get(call.call_request_id, call.call_flow).render(call.properties);
    if (!messages) throw new Error(`messages of call ${report.callId} cannot be rendered: ${error?.message}`);
    const transfer = step.name === 'transfer' ? await this.transferResult(step.destination, report, platformCallId) : undefined;
    const progress = progressAfter(call.call_flow, messages, report, transfer, new Date());
    const recordEnded = platformCallId ? progress.recordEnded : undefined;
    if (recordEnded && platformCallId) {
      // Queued before we answer: if Redis refuses it, MessageBird fetches again.
      await this.leftMessages.schedule({ callId: report.callId, providerCallId: platformCallId, seq: recordEnded.seq, path: recordEnded.path, endKey: recordEnded.endKey, hungUp: false });
    }
    const recordsEnded = recordEnded ? { recordsEnded: [recordEnded.seq] } : {};
    await this.log.record(
      {
        callId: report.callId,
        providerCallId: platformCallId,
        kind: 'call-flow-fetch',
        // MessageBird's own parameters aside, a retried fetch asks for the same position with the same key.
        dedupeKey: `fetch:${report.callId}:${report.seq}:${report.path.join('.')}:${report.prompt}:${report.key ?? ''}`,
        body: { report, events: progress.events, ...(recordEnded && { recordEnded }) },
      },
      progress.events.length > 0 || recordEnded
        ? [{ callId: report.callId, kind: 'steps', ...(theirs !== undefined && { providerCallId: theirs }), events: progress.events, ...recordsEnded }]
        : [],
      'always',
    );
    return progress.next ? segmentAt(call.call_flow, messages, report.callId, progress.next, this.translation) : HANGUP_CALL_FLOW;
  }

  /** A transfer's result, from the call's legs at MessageBird (the fetch comes once the transfer is over). */
  private async transferResult(ours: string, report: FetchReport, platformCallId: string | null): Promise<TransferResult> {
    const destination = transferDestination(ours, this.config.sipDomain);
    if (report.key === 'unroutable' || destination === null || !platformCallId) return { status: 'failed' };
    try {
      const legs = await this.client.listLegs(platformCallId);
      const leg = transferLeg(legs, destination, undefined);
      return { status: transferStatusOf(leg), ...(leg && { leg: { uuid: leg.id, type: 'transfer' as const, dest: ours } }) };
    } catch (error) {
      this.logger.warn(`legs of call ${report.callId} could not be read (${error}); its transfer counts as failed`);
      return { status: 'failed' };
    }
  }
}

function stepOrNull(flow: CallFlow, path: number[]): FlowStep | null {
  try {
    return stepAt(flow, path);
  } catch {
    return null;
  }
}
