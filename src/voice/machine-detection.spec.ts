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
      { field: 'x.beep', message: expect.stringContaining('is not a machine detection setting') },
      { field: 'x.ifMachine', message: expect.stringContaining('must be one of') },
      { field: 'x.machineTimeout', message: 'must be an integer number of milliseconds from 400 to 10000' },
    ]);
    expect(validateMachineDetection({ ifMachine: 'hangup', machineTimeout: 10_001 }).errors).toHaveLength(1);
    expect(validateMachineDetection({ ifMachine: 'hangup', machineTimeout: '3000' }).errors).toHaveLength(1);
    expect(validateMachineDetection({ ifMachine: 'hangup', machineTimeout: 1500.5 }).errors).toHaveLength(1);
  });
});
