import { DataSource } from 'typeorm';
import { StepRecord } from './call.entity';

const UUID = /^[0-9a-f-]{36}$/i;

/**
 * One call of one of the organization's campaigns, with its platform call id and, when `seq` is given, its
 * `seq`-th step; null when there is no such call (another organization's is indistinguishable from none).
 */
export async function findOrganizationCall(
  db: DataSource,
  organizationId: string,
  requestId: string,
  callId: string,
  seq: number | null = null,
): Promise<{ providerCallId: string | null; step: StepRecord | null } | null> {
  if (!UUID.test(callId)) return null;
  const rows: { provider_call_id: string | null; step: StepRecord | null }[] = await db.query(
    `SELECT c.provider_call_id, c.steps -> $4::int AS step FROM calls c JOIN call_requests r ON r.id = c.call_request_id
     WHERE r.organization_id = $1 AND r.request_id = $2 AND c.id = $3`,
    [organizationId, requestId, callId, seq],
  );
  return rows.length === 0 ? null : { providerCallId: rows[0].provider_call_id, step: rows[0].step };
}
