import { ConflictException, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { RequestSql } from '../database/request-sql';
import { EntityRows } from '../database/entity-lookup';
import { apiKeyMatches, generateApiKey, hashApiKey } from './api-keys';
import { Organization } from './organization.entity';

export const API_KEY_SCOPES = ['read', 'write'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/** One of an organization's API keys, without the key itself (only its hash is stored). */
export interface ApiKeyRecord {
  id: string;
  name: string;
  scope: ApiKeyScope;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

/** The key a request came with, and its organization. */
export interface AuthenticatedKey {
  organization: Organization;
  key: { id: string; name: string; scope: ApiKeyScope; hash: string };
}

/** lastUsedAt is written at most this often per key and process: a request never waits for it. */
const LAST_USED_PRECISION_MS = 60_000;

const KEY_COLUMNS = `id, name, scope, created_at AS "createdAt", last_used_at AS "lastUsedAt", revoked_at AS "revokedAt"`;

/**
 * The organizations' API keys (README "API keys"). A request's key is looked up in PostgreSQL every time,
 * with no cache in between: a revoked key is refused at once by every API process.
 */
@Injectable()
export class ApiKeysService {
  private readonly logger = new Logger(ApiKeysService.name);
  private readonly organizations: EntityRows<Organization>;
  private readonly authenticateSql: string;
  private readonly lastTouched = new Map<string, number>();

  constructor(
    private readonly db: DataSource,
    private readonly requestSql: RequestSql,
  ) {
    this.organizations = new EntityRows(db, Organization);
    this.authenticateSql =
      `SELECT ${this.organizations.columns('o')}, k.id AS "key.id", k.name AS "key.name", k.scope AS "key.scope", k.key_hash AS "key.hash" ` +
      `FROM api_keys k JOIN organizations o ON o.id = k.organization_id WHERE k.key_hash = $1 AND k.revoked_at IS NULL`;
  }

  async authenticate(apiKey: string): Promise<AuthenticatedKey | null> {
    const rows: Record<string, any>[] = await this.requestSql.query(this.authenticateSql, [hashApiKey(apiKey)]);
    const row = rows[0];
    if (!row || !apiKeyMatches(apiKey, row['key.hash'])) return null;
    const key = { id: row['key.id'], name: row['key.name'], scope: row['key.scope'], hash: row['key.hash'] };
    this.touch(key.id);
    return { organization: this.organizations.toEntity(row), key };
  }

  /** Whether the key was ever issued, revoked or not (a revoked key cannot be issued again). */
  async exists(apiKey: string): Promise<boolean> {
    const rows = await this.db.query(`SELECT 1 FROM api_keys WHERE key_hash = $1`, [hashApiKey(apiKey)]);
    return rows.length > 0;
  }

  /** A new key; the returned `apiKey` is the only time it is ever visible. `manager`: to create it in a caller's transaction. */
  async create(organizationId: string, name: string, scope: ApiKeyScope, apiKey = generateApiKey(), manager: EntityManager = this.db.manager): Promise<{ record: ApiKeyRecord; apiKey: string }> {
    try {
      const rows: ApiKeyRecord[] = await manager.query(
        `INSERT INTO api_keys (organization_id, name, scope, key_hash) VALUES ($1, $2, $3, $4) RETURNING ${KEY_COLUMNS}`,
        [organizationId, name, scope, hashApiKey(apiKey)],
      );
      return { record: rows[0], apiKey };
    } catch (error) {
      if ((error as { constraint?: string }).constraint === 'uq_api_keys_active_name') {
        throw new ConflictException(`The organization already has an active API key named "${name}"; revoke it or choose another name`);
      }
      throw error;
    }
  }

  /** The organization's active keys, newest first. */
  list(organizationId: string): Promise<ApiKeyRecord[]> {
    return this.db.query(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE organization_id = $1 AND revoked_at IS NULL ORDER BY created_at DESC, id`, [organizationId]);
  }

  /** Revokes an active key, except the organization's last write key (nothing could then create another). */
  revoke(organizationId: string, id: string): Promise<ApiKeyRecord> {
    return this.db.transaction(async (manager) => {
      // Locks every active key of the organization: two revocations at once cannot both leave no write key.
      const active: { id: string; scope: ApiKeyScope }[] = await manager.query(
        `SELECT id, scope FROM api_keys WHERE organization_id = $1 AND revoked_at IS NULL FOR UPDATE`,
        [organizationId],
      );
      const key = active.find((k) => k.id === id);
      if (!key) throw new NotFoundException(`No active API key ${id}`);
      if (key.scope === 'write' && !active.some((k) => k.id !== id && k.scope === 'write')) {
        throw new ConflictException('This is the organization\'s last write key: create another write key first, then revoke this one');
      }
      // TypeORM answers an UPDATE as [rows, affected].
      const [rows]: [ApiKeyRecord[], number] = await manager.query(`UPDATE api_keys SET revoked_at = now() WHERE id = $1 RETURNING ${KEY_COLUMNS}`, [id]);
      return rows[0];
    });
  }

  private touch(id: string): void {
    const now = Date.now();
    if (now - (this.lastTouched.get(id) ?? 0) < LAST_USED_PRECISION_MS) return;
    this.lastTouched.set(id, now);
    this.db.query(`UPDATE api_keys SET last_used_at = now() WHERE id = $1`, [id]).catch((error: Error) => {
      this.lastTouched.delete(id);
      this.logger.warn(`Could not record the use of API key ${id}: ${error.message}`);
    });
  }
}
