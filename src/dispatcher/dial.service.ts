import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CallFlow } from '../call-flow/call-flow.types';
import { VoiceProvider } from '../voice/voice-provider';
import { CallEventsService } from './call-events.service';
import { LeaseKeeper } from './lease-keeper.service';
import { DialJobData } from './queue.constants';

/** Places one claimed call on the voice platform. */
@Injectable()
export class DialService {
  private readonly logger = new Logger(DialService.name);

  constructor(
    private readonly db: DataSource,
    private readonly provider: VoiceProvider,
    private readonly leaseKeeper: LeaseKeeper,
    private readonly callEvents: CallEventsService,
  ) {}

  async dial({ callId, organizationId, leaseId }: DialJobData): Promise<void> {
    this.leaseKeeper.hold(organizationId, leaseId);
    const rows: { phone: string; caller: string; messages: string[]; call_flow: CallFlow; enable_call_recording: boolean }[] = await this.db.query(
      `SELECT c.phone, c.caller, c.messages, r.call_flow, r.enable_call_recording
       FROM calls c JOIN call_requests r ON r.id = c.call_request_id
       WHERE c.id = $1 AND c.call_state = 'dialing' AND c.provider_call_id IS NULL AND c.lease_id = $2`,
      [callId, leaseId],
    );
    if (rows.length === 0) {
      // Already ended (e.g. the reconciler gave up on it) or dialed: never dial twice.
      this.logger.warn(`call ${callId} is no longer waiting to be dialed; skipped`);
      await this.leaseKeeper.release(organizationId, leaseId);
      return;
    }
    const call = rows[0];
    let providerCallId: string;
    try {
      ({ providerCallId } = await this.provider.dial({
        callId,
        phone: call.phone,
        caller: call.caller,
        flow: call.call_flow,
        messages: call.messages,
        enableCallRecording: call.enable_call_recording,
      }));
    } catch (error) {
      this.logger.warn(`dialing call ${callId} failed: ${error}`);
      await this.callEvents.enqueue({ type: 'ended', callId, at: new Date(), outcome: 'failed', reason: `dial failed: ${(error as Error)?.message ?? error}` });
      return;
    }
    await this.db.query(
      `UPDATE calls SET provider_call_id = $2, monitor_data = jsonb_build_array(jsonb_build_object('uuid', $2::text, 'type', 'outbound', 'dest', phone)) || monitor_data,
         updated_at = now() WHERE id = $1`,
      [callId, providerCallId],
    );
  }
}
