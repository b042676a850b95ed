/** The campaigns the benchmarks submit. */

export interface Destination {
  phone: string;
  caller: string;
  properties: Record<string, string>;
}

export const CALLER = '+6582674904';

/** An E.164 number unique per index: +1555 followed by 7 digits. */
export const phoneNumber = (i: number): string => `+1555${String(i).padStart(7, '0')}`;

const DUE_DATES = ['August 20th, 2020', 'September 1st, 2020', 'October 15th, 2020'];

/** A debt-collection campaign: every destination has name, amount and dueDate. */
export function billingDestinations(count: number): Destination[] {
  return Array.from({ length: count }, (_, i) => ({
    phone: phoneNumber(i),
    caller: CALLER,
    properties: {
      name: `Customer ${i}`,
      amount: `${(i % 997) + 3},${String(i % 1000).padStart(3, '0')}$`,
      dueDate: DUE_DATES[i % DUE_DATES.length],
    },
  }));
}

/** A play, then a gather with two branches; every message uses the destination's properties. */
export function billingFlow(): object {
  return {
    steps: [
      { name: 'play', message: { msg: 'Hello {{name}}, this is a reminder that {{amount}} is due on {{dueDate}}.', language: 'en-US' } },
      {
        name: 'gather',
        message: { msg: '{{name}}, press 1 to pay {{amount}} now, or 2 to hear the due date again.' },
        maxRetries: 2,
        branches: [
          { digit: '1', callFlow: { steps: [{ name: 'play', message: { msg: 'Thank you {{name}}, your payment of {{amount}} is being processed.' } }] } },
          { digit: '2', callFlow: { steps: [{ name: 'play', message: { msg: 'Your payment of {{amount}} is due on {{dueDate}}. Goodbye {{name}}.' } }] } },
        ],
      },
    ],
  };
}

/**
 * A one-play campaign whose message renders to exactly `length` characters for every destination,
 * so that with msPerChar = 10 every call speaks for length × 10 ms.
 */
export function fixedLengthCampaign(count: number, length: number): { destinations: Destination[]; callFlow: object } {
  const names = Array.from({ length: count }, (_, i) => `N${String(i).padStart(5, '0')}`);
  const rendered = (name: string) => `Hello ${name}`;
  const padding = length - rendered(names[0]).length;
  if (padding < 0 || names.some((name) => rendered(name).length + padding !== length)) {
    throw new Error(`cannot render every message to exactly ${length} characters`);
  }
  return {
    destinations: names.map((name, i) => ({ phone: phoneNumber(i), caller: CALLER, properties: { name } })),
    callFlow: { steps: [{ name: 'play', message: { msg: `Hello {{name}}${'.'.repeat(padding)}` } }] },
  };
}
