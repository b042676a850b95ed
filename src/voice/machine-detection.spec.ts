import { validateMachineDetection } from './machine-detection';

describe('validateMachineDetection', () => {
  it('accepts each ifMachine value, with or without a timeout', () => {
    expect(validateMachineDetection({ ifMachine: 'hangup', machineTimeout: 3000 })).toEqual({ value: { ifMachine: 'hangup', machineTimeout: 3000 }, errors: [] });
    expect(validateMachineDetection({ ifMachine: 'continue' })).toEqual({ value: { ifMachine: 'continue' }, errors: [] });
    expect(validateMachineDetection({ ifMachine: 'delay', machineTimeout: 400 }).value).toEqual({ ifMachine: 'delay', machineTimeout: 400 });
    expect(validateMachineDetection({ ifMachine: 'delay', machineTimeout: 10_000 }).value).toEqual({ ifMachine: 'delay', machineTimeout: 10_000 });
  });

  it('names each bad field and why', () => {
    expect(validateMachineDetection('hangup').errors).toEqual([{ field: 'machineDetection', message: expect.stringContaining('must be an object') }]);
    expect(validateMachineDetection({}).errors).toEqual([{ field: 'machineDetection.ifMachine', message: 'is required and must be one of continue, delay, hangup' }]);
    expect(validateMachineDetection({ ifMachine: 'voicemail', machineTimeout: 399, beep: true }, 'x').errors).toEqual([
      { field: 'x.beep', message: 'unknown field; expected one of ifMachine, machineTimeout' },
      { field: 'x.ifMachine', message: expect.stringContaining('must be one of') },
      { field: 'x.machineTimeout', message: 'must be an integer number of milliseconds from 400 to 10000' },
    ]);
    expect(validateMachineDetection({ ifMachine: 'hangup', machineTimeout: 10_001 }).errors).toHaveLength(1);
    expect(validateMachineDetection({ ifMachine: 'hangup', machineTimeout: '3000' }).errors).toHaveLength(1);
    expect(validateMachineDetection({ ifMachine: 'hangup', machineTimeout: 1500.5 }).errors).toHaveLength(1);
  });

  it('refuses a misspelt field with a "did you mean" hint (issue 14)', () => {
    expect(validateMachineDetection({ ifMachine: 'hangup', machineTimout: 3000 }).errors).toEqual([
      { field: 'machineDetection.machineTimout', message: 'unknown field; did you mean "machineTimeout"?' },
    ]);
    expect(validateMachineDetection({ ifmachine: 'hangup', ifMachine: 'hangup' }).errors).toEqual([
      { field: 'machineDetection.ifmachine', message: 'unknown field; did you mean "ifMachine"?' },
    ]);
  });
});
