/** How an organization's free slots are shared between its campaigns (organization setting `queueing`; the claim is claim_calls). */
export const QUEUEING_MODES = ['fair', 'fifo'] as const;
export type QueueingMode = (typeof QUEUEING_MODES)[number];
export const QUEUEING_DESCRIPTION =
  'How free slots are shared between campaigns: fair = the highest priority first, then in proportion to the weights (round robin); fifo = the oldest waiting call first, whatever its campaign';
