import { DataSource } from 'typeorm';
import { Destination } from '../common/destination';

const LOOKUP_BATCH = 5000;

export interface PreviewCounts {
  /** Would be released at once (as slots allow). */
  wouldDialNow: number;
  /** Would wait for their calling hours. */
  scheduled: number;
  /** On the do-not-call list: would never be dialed. */
  suppressed: number;
}

/**
 * What the calling rules would do with these (valid, already timed) destinations if they were stored
 * now: the dry run of POST /call and of a CSV upload. Reads the do-not-call list; stores nothing.
 */
export async function previewDestinations(db: DataSource, organizationId: string, destinations: Iterable<Destination> | AsyncIterable<Destination>): Promise<PreviewCounts> {
  const counts: PreviewCounts = { wouldDialNow: 0, scheduled: 0, suppressed: 0 };
  let batch: Destination[] = [];
  const flush = async () => {
    const listed: { phone: string }[] = await db.query(`SELECT phone FROM do_not_call WHERE organization_id = $1 AND phone = ANY($2::text[])`, [
      organizationId,
      batch.map((destination) => destination.phone),
    ]);
    const suppressed = new Set(listed.map((row) => row.phone));
    for (const destination of batch) {
      if (suppressed.has(destination.phone)) counts.suppressed++;
      else if (destination.nextAttemptAt) counts.scheduled++;
      else counts.wouldDialNow++;
    }
    batch = [];
  };
  for await (const destination of destinations) {
    batch.push(destination);
    if (batch.length >= LOOKUP_BATCH) await flush();
  }
  if (batch.length > 0) await flush();
  return counts;
}
