import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { CallFlow } from '../call-flow/call-flow.types';
import type { CallingHours } from '../compliance/calling-hours';
import { RetryPolicy } from '../compliance/retry-policy';
import { MachineDetection } from '../voice/machine-detection';

export interface ImportRowError {
  /** 1-based (the header is line 1); null for a problem of the whole file that no line can be named for. */
  line: number | null;
  column: string | null;
  value: string | null;
  message: string;
}

export interface ImportReport {
  rowsRead: number;
  rowsAccepted: number;
  rowsRejected: number;
  /** The first rejected rows (at most 100); rowsRejected has the total. */
  errors: ImportRowError[];
}

export type CallRequestStatus = 'submitted' | 'onProgress' | 'paused' | 'completed' | 'cancelled';

/** One submitted campaign: a flow and its destinations (one Call each), with running counters for summaries. */
@Entity({ name: 'call_requests' })
@Index('uq_call_requests_org_request_id', ['organizationId', 'requestId'], { unique: true })
@Index('ix_call_requests_org_created_at', ['organizationId', 'createdAt'])
export class CallRequest {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'organization_id', type: 'uuid' })
  organizationId: string;

  @Column({ name: 'request_id', type: 'text' })
  requestId: string;

  /** sha256 of the canonical submitted body: same requestId + same hash = a harmless resubmission. */
  @Column({ name: 'body_hash', type: 'text' })
  bodyHash: string;

  @Column({ type: 'text', default: 'api' })
  source: 'api' | 'csv';

  @Column({ type: 'text', default: 'submitted' })
  status: CallRequestStatus;

  @Column({ name: 'enable_call_recording', type: 'boolean', default: false })
  enableCallRecording: boolean;

  @Column({ name: 'call_flow', type: 'jsonb' })
  callFlow: CallFlow;

  /** The saved call flow (and its version) the campaign was started with; null for a flow sent with the campaign. */
  @Column({ name: 'call_flow_id', type: 'uuid', nullable: true })
  callFlowId: string | null;

  @Column({ name: 'call_flow_version', type: 'int', nullable: true })
  callFlowVersion: number | null;

  /** 1 (lowest) … 10 (highest): free slots go to the highest priority with calls waiting. */
  @Column({ type: 'smallint', default: 5 })
  priority: number;

  /** Its share of the slots against the other campaigns of its priority (queueing "fair"). */
  @Column({ type: 'int', default: 1 })
  weight: number;

  /** Most slots its calls hold at once; null = only the organization's limit. */
  @Column({ name: 'max_concurrent_calls', type: 'int', nullable: true })
  maxConcurrentCalls: number | null;

  /** Nothing is dialed before it (its calls wait as scheduled); null = at once. */
  @Column({ name: 'start_at', type: 'timestamptz', nullable: true })
  startAt: Date | null;

  /** Calls not placed by then end as expired; null = never. */
  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt: Date | null;

  @Column({ name: 'total_calls', type: 'int' })
  totalCalls: number;

  @Column({ name: 'dialed_calls', type: 'int', default: 0 })
  dialedCalls: number;

  @Column({ name: 'ended_calls', type: 'int', default: 0 })
  endedCalls: number;

  @Column({ name: 'answered_calls', type: 'int', default: 0 })
  answeredCalls: number;

  @Column({ name: 'busy_calls', type: 'int', default: 0 })
  busyCalls: number;

  @Column({ name: 'no_answer_calls', type: 'int', default: 0 })
  noAnswerCalls: number;

  @Column({ name: 'failed_calls', type: 'int', default: 0 })
  failedCalls: number;

  @Column({ name: 'cancelled_calls', type: 'int', default: 0 })
  cancelledCalls: number;

  /** Destinations on the do-not-call list: never dialed. */
  @Column({ name: 'suppressed_calls', type: 'int', default: 0 })
  suppressedCalls: number;

  /** Calls whose record step captured a message (voicemail). */
  @Column({ name: 'expired_calls', type: 'int', default: 0 })
  expiredCalls: number;

  @Column({ name: 'left_message_calls', type: 'int', default: 0 })
  leftMessageCalls: number;

  @Column({ name: 'retry_policy', type: 'jsonb', nullable: true })
  retryPolicy: RetryPolicy | null;

  @Column({ name: 'calling_hours', type: 'jsonb', nullable: true })
  callingHours: CallingHours | null;

  /** Answering-machine handling; null: the deployment's default. */
  @Column({ name: 'machine_detection', type: 'jsonb', nullable: true })
  machineDetection: MachineDetection | null;

  /** Where this campaign's status callbacks also go (README "Status callbacks"); null: only the organization's endpoints. */
  @Column({ name: 'status_callback_url', type: 'text', nullable: true })
  statusCallbackUrl: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  /** CSV uploads only: what was read, accepted and rejected (first rejected rows listed). */
  @Column({ name: 'import_report', type: 'jsonb', nullable: true })
  importReport: ImportReport | null;

  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true })
  completedAt: Date | null;

  /**
   * Moves with every change of what the campaign's status page, timeline and funnel show (its counters, its
   * calls' states and steps, its settings): the source of their ETag (migration 1765500000000). bigint, as text.
   */
  @Column({ type: 'bigint', default: 0 })
  version: string;
}
