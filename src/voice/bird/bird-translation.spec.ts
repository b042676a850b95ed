import { amdSettings, bridgeDestination, outcomeOf, recordingEndedBy, sayLocale, transferStatusOf } from './bird-translation';

describe('Bird translation', () => {
  it('speaks our language codes in Bird locales', () => {
    expect(['en', 'en-gb', 'en_GB', 'nl', 'zh', 'zh-HK', 'ar', 'en-IE', 'xx', undefined].map(sayLocale)).toEqual(['en-US', 'en-GB', 'en-GB', 'nl-NL', 'cmn-CN', 'yue-CN', 'arb', 'en-US', 'en-US', 'en-US']);
  });

  it('sends numbers in E.164 and extensions to the SIP domain', () => {
    expect(bridgeDestination('+6598765432', undefined)).toBe('+6598765432');
    expect(bridgeDestination('6598765432', undefined)).toBe('+6598765432');
    expect(bridgeDestination('Ext:1000', 'pbx.example.com')).toBe('sip:1000@pbx.example.com');
    expect(bridgeDestination('Ext:1000', undefined)).toBeNull();
    expect(bridgeDestination('sip:a@b', undefined)).toBe('sip:a@b');
  });

  it('maps statuses, bridge results and record end causes', () => {
    expect(outcomeOf('completed', true, false)).toBe('answered');
    expect(outcomeOf('no-answer', false, false)).toBe('no_answer');
    expect(outcomeOf('no-answer', false, true)).toBe('cancelled');
    expect(outcomeOf('failed', false, false)).toBe('failed');
    expect([transferStatusOf({ status: 'completed' }), transferStatusOf({ status: 'no-answer' }), transferStatusOf({ status: 'busy' }), transferStatusOf(undefined)]).toEqual(['answered', 'no_answer', 'busy', 'failed']);
    expect(['key', 'silence', 'max-length', 'hangup', undefined].map(recordingEndedBy)).toEqual(['key', 'silence', 'maxLength', 'hangup', 'hangup']);
  });

  it('turns machine detection into amdSettings, and none into none', () => {
    expect(amdSettings(null)).toBeUndefined();
    expect(amdSettings({ ifMachine: 'delay', machineTimeout: 3000 })).toEqual({ enabled: true, ifMachineNotifyAfter: 'beep', speechTimeout: 3 });
    expect(amdSettings({ ifMachine: 'hangup' })).toEqual({ enabled: true, ifMachineNotifyAfter: 'wordCount' });
  });
});
