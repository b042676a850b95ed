/**
 * The double's checks of a call flow, after MessageBird's API reference: which actions exist, which
 * options each needs and what values they take. A violation is a MessageBird error (11 missing, 12 invalid).
 */
export interface DoubleError {
  code: number;
  message: string;
}

export interface FlowStep {
  id?: string;
  action: string;
  options?: Record<string, any>;
  onKeypressVar?: string;
  onKeypressGoto?: string;
  conditions?: { variable: string; operator: string; value: string }[];
}

export interface DoubleCallFlow {
  title?: string;
  record?: boolean;
  steps: FlowStep[];
}

const ACTIONS = new Set(['transfer', 'say', 'play', 'pause', 'record', 'fetchCallFlow', 'hangup']);
export const SAY_LANGUAGES = new Set(
  'cy-gb,da-dk,de-de,el-gr,en-au,en-gb,en-gb-wls,en-in,en-us,es-es,es-mx,es-us,fr-ca,fr-fr,id-id,is-is,it-it,ja-jp,ko-kr,ms-my,nb-no,nl-nl,pl-pl,pt-br,pt-pt,ro-ro,ru-ru,sv-se,ta-in,th-th,tr-tr,vi-vn,zh-cn,zh-hk'.split(','),
);
export const CONDITION_OPERATORS = new Set(['eq', 'neq']);
/** `record`: finishOnKey and transcribeLanguage values of MessageBird's API reference. */
export const FINISH_ON_KEYS = new Set(['any', '#', '*', 'none']);
export const TRANSCRIBE_LANGUAGES = new Set(['de-DE', 'en-AU', 'en-UK', 'en-US', 'es-ES', 'es-LA', 'fr-FR', 'it-IT', 'nl-NL', 'pt-BR']);
/** E.164 digits without '+', or a SIP URI. */
export const DESTINATION = /^(\d{6,15}|sips?:[^\s@]+@[^\s@]+)$/;

export function checkCallFlow(flow: unknown, field = 'callFlow'): DoubleError[] {
  const errors: DoubleError[] = [];
  const missing = (name: string) => errors.push({ code: 11, message: `The \`${name}\` parameter is required.` });
  const invalid = (name: string, why: string) => errors.push({ code: 12, message: `The \`${name}\` parameter is invalid: ${why}` });
  if (typeof flow !== 'object' || flow === null || !Array.isArray((flow as DoubleCallFlow).steps)) {
    missing(`${field}.steps`);
    return errors;
  }
  const steps = (flow as DoubleCallFlow).steps;
  if (steps.length === 0) invalid(`${field}.steps`, 'no steps');
  const ids = new Set(steps.map((s) => s?.id).filter(Boolean));
  steps.forEach((step, i) => {
    const at = `${field}.steps[${i}]`;
    if (!step || !ACTIONS.has(step.action)) return invalid(`${at}.action`, `unknown action ${JSON.stringify(step?.action)}`);
    const o = step.options ?? {};
    switch (step.action) {
      case 'say':
        if (typeof o.payload !== 'string' || o.payload === '') missing(`${at}.options.payload`);
        if (o.language === undefined) missing(`${at}.options.language`);
        else if (!SAY_LANGUAGES.has(String(o.language).toLowerCase())) invalid(`${at}.options.language`, `${o.language} is not supported`);
        if (o.voice === undefined) missing(`${at}.options.voice`);
        else if (o.voice !== 'male' && o.voice !== 'female') invalid(`${at}.options.voice`, 'male or female');
        if (o.ifMachine !== undefined && !['continue', 'delay', 'hangup'].includes(o.ifMachine)) invalid(`${at}.options.ifMachine`, 'continue, delay or hangup');
        if (o.machineTimeout !== undefined && !(Number.isInteger(o.machineTimeout) && o.machineTimeout >= 400 && o.machineTimeout <= 10_000)) {
          invalid(`${at}.options.machineTimeout`, 'between 400 and 10000');
        }
        break;
      case 'transfer':
        if (typeof o.destination !== 'string') missing(`${at}.options.destination`);
        else if (!DESTINATION.test(o.destination)) invalid(`${at}.options.destination`, `${o.destination} is neither an E.164 number nor a SIP URI`);
        break;
      case 'pause':
        if (!Number.isInteger(o.length) || o.length < 1) missing(`${at}.options.length`);
        break;
      case 'play':
        if (typeof o.media !== 'string') missing(`${at}.options.media`);
        break;
      case 'record':
        if (o.maxLength !== undefined && !(Number.isInteger(o.maxLength) && o.maxLength >= 0)) invalid(`${at}.options.maxLength`, 'a whole number of seconds');
        if (o.timeout !== undefined && !(Number.isInteger(o.timeout) && o.timeout >= 0)) invalid(`${at}.options.timeout`, 'a whole number of seconds');
        if (o.finishOnKey !== undefined && !FINISH_ON_KEYS.has(o.finishOnKey)) invalid(`${at}.options.finishOnKey`, 'any, #, * or none');
        if (o.transcribe !== undefined && typeof o.transcribe !== 'boolean') invalid(`${at}.options.transcribe`, 'true or false');
        if (o.transcribe === true && o.transcribeLanguage === undefined) missing(`${at}.options.transcribeLanguage`);
        else if (o.transcribeLanguage !== undefined && !TRANSCRIBE_LANGUAGES.has(o.transcribeLanguage)) invalid(`${at}.options.transcribeLanguage`, `${o.transcribeLanguage} is not supported`);
        if (o.onFinish !== undefined && (typeof o.onFinish !== 'string' || !/^https?:\/\//.test(o.onFinish))) invalid(`${at}.options.onFinish`, 'a URL');
        break;
      case 'fetchCallFlow':
        if (typeof o.url !== 'string' || !/^https?:\/\//.test(o.url)) missing(`${at}.options.url`);
        break;
    }
    if (step.onKeypressGoto !== undefined && !ids.has(step.onKeypressGoto)) invalid(`${at}.onKeypressGoto`, `no step with id ${step.onKeypressGoto}`);
    for (const condition of step.conditions ?? []) {
      if (!CONDITION_OPERATORS.has(condition.operator)) invalid(`${at}.conditions`, `unknown operator ${condition.operator}`);
    }
  });
  return errors;
}
