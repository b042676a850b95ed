/** One destination of a campaign, as validated (POST /call, a CSV row) and stored; the calling rules read it too. */
export interface Destination {
  phone: string;
  caller: string;
  properties: Record<string, unknown>;
  /** Calling hours: the callee's zones, and when the call may first be placed if not at once. */
  timeZones?: readonly string[];
  nextAttemptAt?: Date | null;
}
