import { VoicePlatformProfile } from '../voice-provider';

/**
 * What MessageBird classic's `record` action can do (its API reference, steps[].options): `finishOnKey`
 * takes `#`, `*`, `any` or `none`, so only `#` and `*` end a recording; `transcribeLanguage` takes de-DE,
 * en-AU, en-UK, en-US, es-ES, es-LA, fr-FR, it-IT, nl-NL, pt-BR, of which these are our locales
 * (en-GB is sent as en-UK; es-LA is none of ours).
 */
export class MessageBirdPlatformProfile extends VoicePlatformProfile {
  readonly platform = 'MessageBird classic';
  readonly transcribeLocales = ['de-DE', 'en-AU', 'en-GB', 'en-US', 'es-ES', 'fr-FR', 'it-IT', 'nl-NL', 'pt-BR'];
  readonly recordEndKeys = ['#', '*'];
}
