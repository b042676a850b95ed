import { FieldError } from '../common/field-error';
import { unknownFieldErrors } from '../common/unknown-fields';

/** The fields of `machineDetection`; any other is refused by name, with a "did you mean" hint. */
const MACHINE_DETECTION_FIELDS = ['ifMachine', 'machineTimeout'] as const;

export const IF_MACHINE = ['continue', 'delay', 'hangup'] as const;
/** MessageBird's bounds of `machineTimeout` (ms). */
export const MACHINE_TIMEOUT_MS = { min: 400, max: 10_000 };

/**
 * What to do when an answering machine picks up, in MessageBird's terms: `continue` (play at once),
 * `delay` (wait until the machine stops talking, then play: leaves a voicemail), `hangup`.
 * `machineTimeout` is how long (ms) the platform listens to tell a machine from a person.
 */
export interface MachineDetection {
  ifMachine: (typeof IF_MACHINE)[number];
  machineTimeout?: number;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Checks a campaign's `machineDetection`; field paths under `path`. */
export function validateMachineDetection(raw: unknown, path = 'machineDetection'): { value?: MachineDetection; errors: FieldError[] } {
  if (!isObject(raw)) return { errors: [{ field: path, message: 'must be an object such as {"ifMachine": "hangup", "machineTimeout": 3000}' }] };
  const errors: FieldError[] = [];
  errors.push(...unknownFieldErrors(raw, MACHINE_DETECTION_FIELDS, path));
  const { ifMachine, machineTimeout } = raw;
  if (typeof ifMachine !== 'string' || !(IF_MACHINE as readonly string[]).includes(ifMachine)) {
    errors.push({ field: `${path}.ifMachine`, message: `is required and must be one of ${IF_MACHINE.join(', ')}` });
  }
  const { min, max } = MACHINE_TIMEOUT_MS;
  if (machineTimeout !== undefined && !(typeof machineTimeout === 'number' && Number.isInteger(machineTimeout) && machineTimeout >= min && machineTimeout <= max)) {
    errors.push({ field: `${path}.machineTimeout`, message: `must be an integer number of milliseconds from ${min} to ${max}` });
  }
  if (errors.length > 0) return { errors };
  return { value: { ifMachine: ifMachine as MachineDetection['ifMachine'], ...(machineTimeout !== undefined && { machineTimeout: machineTimeout as number }) }, errors };
}
