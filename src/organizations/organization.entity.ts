import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { CallingHours } from '../compliance/calling-hours';
import type { QueueingMode } from '../dispatcher/queueing-mode';

@Entity({ name: 'organizations' })
export class Organization {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ name: 'max_concurrent_calls', type: 'int' })
  maxConcurrentCalls: number;

  /** Calls the organization's other apps (e.g. its desk phones) have going, as they last reported. */
  @Column({ name: 'external_ongoing_calls', type: 'int', default: 0 })
  externalOngoingCalls: number;

  /** Most calls started in any one second (carrier cap); null = no cap. */
  @Column({ name: 'calls_per_second', type: 'numeric', nullable: true, transformer: { to: (v: number | null) => v, from: (v: string | null) => (v === null ? null : Number(v)) } })
  callsPerSecond: number | null;

  /** Most calls started to one number per day, across campaigns; null = no cap. */
  @Column({ name: 'max_calls_per_number_per_day', type: 'int', nullable: true })
  maxCallsPerNumberPerDay: number | null;

  /** The calling hours of campaigns that set none; null = any time. */
  @Column({ name: 'calling_hours', type: 'jsonb', nullable: true })
  callingHours: CallingHours | null;

  /** How free slots are shared between its campaigns (the claim, claim_calls in migration 1765400000000). */
  @Column({ type: 'text', default: 'fair' })
  queueing: QueueingMode;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
