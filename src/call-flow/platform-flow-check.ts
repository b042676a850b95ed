import { FieldError } from '../common/field-error';
import { CallFlow, FlowStep } from './call-flow.types';

/** What a voice platform can honour of a flow's options (the port's VoicePlatformProfile has this shape). */
export interface FlowPlatformLimits {
  platform: string;
  transcribeLocales: readonly string[];
  recordEndKeys: readonly string[];
}

/**
 * The flow's options the deployment's voice platform cannot honour, each named by its field path and the
 * platform: refused at submission, never silently changed. `path` is the flow's own field path.
 */
export function platformFlowErrors(flow: CallFlow, limits: FlowPlatformLimits, path = 'callFlow'): FieldError[] {
  const errors: FieldError[] = [];
  const visit = (steps: FlowStep[], stepsPath: string) =>
    steps.forEach((step, i) => {
      const at = `${stepsPath}[${i}]`;
      if (step.name === 'gather') step.branches.forEach((branch, b) => visit(branch.callFlow.steps, `${at}.branches[${b}].callFlow.steps`));
      if (step.name !== 'record') return;
      if (!limits.recordEndKeys.includes(step.endKey)) {
        errors.push({ field: `${at}.endKey`, message: `${limits.platform} cannot end a recording with "${step.endKey}"; it can with ${limits.recordEndKeys.join(', ')}` });
      }
      if (step.transcribe && !limits.transcribeLocales.includes(step.transcribeLocale)) {
        errors.push({
          field: `${at}.transcribeLocale`,
          message: `${limits.platform} cannot transcribe ${step.transcribeLocale}; it transcribes ${limits.transcribeLocales.join(', ')}`,
        });
      }
    });
  visit(flow.steps, `${path}.steps`);
  return errors;
}
