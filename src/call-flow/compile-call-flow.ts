import { FieldValidationException } from '../common/api-error';
import { FieldError } from '../common/field-error';
import { CallFlow } from './call-flow.types';
import { FlowTemplates } from './message-templates';
import { normalizeCallFlow } from './normalize-call-flow';
import { FlowPlatformLimits, platformFlowErrors } from './platform-flow-check';

/**
 * The one check of a call flow as sent (POST /call, POST /call/csv, saved call flows, the preview): its
 * shape and fields (normalizeCallFlow), what the voice platform can honour, and its message templates.
 * Refuses it with every problem (and `otherErrors` found before) as a 400 whose fields are `callFlow.…` paths.
 */
export function compileCallFlow(raw: unknown, platform: FlowPlatformLimits, otherErrors: FieldError[] = []): { flow: CallFlow; templates: FlowTemplates } {
  const { result: normalized, errors: flowErrors } = normalizeCallFlow(raw);
  if (normalized) flowErrors.push(...platformFlowErrors(normalized.flow, platform));
  if (!normalized || otherErrors.length > 0 || flowErrors.length > 0) throw new FieldValidationException([...otherErrors, ...flowErrors]);
  const { templates, errors: templateErrors } = FlowTemplates.compile(normalized.flow, normalized.messagePaths);
  if (!templates) throw new FieldValidationException(templateErrors);
  return { flow: normalized.flow, templates };
}
