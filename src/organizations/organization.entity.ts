import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

@Entity({ name: 'organizations' })
export class Organization {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'text' })
  name: string;

  /** sha256 of the API key; the key itself is shown once and never stored. */
  @Index('uq_organizations_api_key_hash', { unique: true })
  @Column({ name: 'api_key_hash', type: 'text' })
  apiKeyHash: string;

  @Column({ name: 'max_concurrent_calls', type: 'int' })
  maxConcurrentCalls: number;

  /** Calls the organization's other apps (e.g. its desk phones) have going, as they last reported. */
  @Column({ name: 'external_ongoing_calls', type: 'int', default: 0 })
  externalOngoingCalls: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
