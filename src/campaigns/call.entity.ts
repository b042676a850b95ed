import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { CallOutcome, MonitorLeg, RecordingEndedBy, StepStatus, TranscriptionStatus } from '../voice/voice-provider';

/**
 * `paused`: would be queued, but its campaign is paused (not released until resumed).
 * `scheduled`: waits for `nextAttemptAt` (a retry, or its calling hours), then is queued again.
 */
export type CallState = 'queued' | 'paused' | 'scheduled' | 'dialing' | 'ringing' | 'ongoing' | 'ended';
export type CallProgress = 'queued' | 'scheduled' | 'onProgress' | 'completed' | 'cancelled' | 'suppressed' | 'expired';

/**
 * SQL: a call not placed yet, which a cancel or an expiry may still end: waiting, or claimed but with no dial
 * started (the dial start requires exactly that state, so a call is dialed or ended here, never both).
 */
export const NOT_PLACED_YET = `(call_state IN ('queued', 'paused', 'scheduled') OR (call_state = 'dialing' AND dial_started_at IS NULL))`;

/** One earlier attempt of a call that was retried. */
export interface AttemptRecord {
  attempt: number;
  outcome: CallOutcome;
  dialedAt: string | null;
  endedAt: string;
  reason: string | null;
}

/** A recording of the call as the voice platform last reported it (`duration` in seconds). */
export interface RecordingRecord {
  id: string;
  status: 'initialised' | 'recording' | 'done' | 'failed';
  duration: number;
  createdAt: string | null;
}

/** A record step's recording as stored; the status view adds `file`, its audio through our API. */
export interface StepRecordingRecord {
  id: string;
  durationSeconds: number;
  endedBy: RecordingEndedBy;
  status: 'done';
  /** Added by the status view, never stored. */
  file?: string;
}

export interface StepRecord {
  stepName: string;
  path: string;
  startedAt: string;
  endedAt: string | null;
  info: {
    call_state: CallState;
    call_status: CallOutcome | null;
    status: StepStatus;
    userPressedDigits: string;
    transfer_status: string | null;
    message?: string;
    /** A gather whose callee chose an opt-out branch (the number went on the do-not-call list). */
    optOut?: boolean;
    /** Record steps that captured audio. */
    recording?: StepRecordingRecord;
    /** Record steps with `transcribe` that captured audio. */
    transcription?: { status: TranscriptionStatus; text: string | null };
  };
}

/** One destination of a campaign: what was rendered for it, and everything that happened on its call. */
@Entity({ name: 'calls' })
@Index('uq_calls_request_destination', ['callRequestId', 'destinationIndex'], { unique: true })
@Index('ix_calls_provider_call_id', ['providerCallId'])
export class Call {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** Global submission order: calls are released FIFO by seq within an organization. */
  @Column({ type: 'bigint', generated: 'increment', insert: false })
  seq: string;

  @Column({ name: 'organization_id', type: 'uuid' })
  organizationId: string;

  @Column({ name: 'call_request_id', type: 'uuid' })
  callRequestId: string;

  @Column({ name: 'destination_index', type: 'int' })
  destinationIndex: number;

  @Column({ type: 'text' })
  phone: string;

  @Column({ type: 'text' })
  caller: string;

  @Column({ type: 'jsonb', default: {} })
  properties: Record<string, unknown>;

  @Column({ type: 'text', default: 'queued' })
  status: CallProgress;

  @Column({ name: 'call_state', type: 'text', default: 'queued' })
  callState: CallState;

  @Column({ name: 'call_status', type: 'text', nullable: true })
  callStatus: CallOutcome | null;

  @Column({ type: 'jsonb', default: [] })
  steps: StepRecord[];

  @Column({ name: 'monitor_data', type: 'jsonb', default: [] })
  monitorData: MonitorLeg[];

  @Column({ type: 'int', default: 0 })
  attempts: number;

  /** A record step of the call captured a message. */
  @Column({ name: 'left_message', type: 'boolean', default: false })
  leftMessage: boolean;

  /** Campaigns with enableCallRecording: the call's recordings once read from the platform (null until then). */
  @Column({ type: 'jsonb', nullable: true })
  recordings: RecordingRecord[] | null;

  /** Earlier attempts (retries), oldest first; the current attempt is the call's own fields. */
  @Column({ name: 'attempt_history', type: 'jsonb', default: [] })
  attemptHistory: AttemptRecord[];

  /** When a scheduled call is due (a retry's time, or when its calling hours open). */
  @Column({ name: 'next_attempt_at', type: 'timestamptz', nullable: true })
  nextAttemptAt: Date | null;

  /** The callee's time zones (from the number), for calling hours. */
  @Column({ name: 'time_zones', type: 'text', array: true, nullable: true })
  timeZones: string[] | null;

  @Column({ name: 'provider_call_id', type: 'text', nullable: true })
  providerCallId: string | null;

  @Column({ name: 'lease_id', type: 'text', nullable: true })
  leaseId: string | null;

  @Column({ name: 'failure_reason', type: 'text', nullable: true })
  failureReason: string | null;

  @Column({ name: 'dialed_at', type: 'timestamptz', nullable: true })
  dialedAt: Date | null;

  /** Set just before the voice platform is asked to dial: a call lost before it can safely be queued again. */
  @Column({ name: 'dial_started_at', type: 'timestamptz', nullable: true })
  dialStartedAt: Date | null;

  @Column({ name: 'answered_at', type: 'timestamptz', nullable: true })
  answeredAt: Date | null;

  @Column({ name: 'ended_at', type: 'timestamptz', nullable: true })
  endedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
