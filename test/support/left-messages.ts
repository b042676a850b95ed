/** What the record-step tests of every voice platform share: callees who leave (or do not leave) a message, and a WAV reader. */

export const CALLEES = {
  spokeAndPressed: '+6511000101',
  silent: '+6511000102',
  hungUp: '+6511000103',
  talkedTooLong: '+6511000104',
  untranscribable: '+6511000105',
} as const;

type EndedBy = 'key' | 'silence' | 'maxLength' | 'hangup';
type ScriptedMessage = { seconds: number; endedBy: EndedBy; transcript?: string; transcriptDelayMs?: number };

/** The same callees in the script format of the simulator and of the platforms' doubles (`numbers`). */
export const CALLEE_SCRIPTS: Record<string, { record?: ScriptedMessage }> = {
  [CALLEES.spokeAndPressed]: { record: { seconds: 7, endedBy: 'key', transcript: 'I will pay on Friday', transcriptDelayMs: 1500 } },
  [CALLEES.silent]: {},
  [CALLEES.hungUp]: { record: { seconds: 4, endedBy: 'hangup', transcript: 'call me later' } },
  [CALLEES.talkedTooLong]: { record: { seconds: 30, endedBy: 'silence', transcript: 'a very long story' } },
  [CALLEES.untranscribable]: { record: { seconds: 2, endedBy: 'silence' } },
};

/** Greeting, a record step of 10 s at most ending on 3 s of silence or `#`, with a transcription, and thanks. */
export function voicemailFlow(transcribeLocale: string) {
  return {
    steps: [
      { name: 'play', message: { msg: 'Hello {{name}}, please leave a message after the tone.' } },
      { name: 'record', maxLength: 10, timeout: 3, endKey: '#', beep: true, transcribe: true, transcribeLocale },
      { name: 'play', message: { msg: 'Thank you, goodbye.' } },
    ],
  };
}

/** The fields of a WAV file's header that every player reads. */
export function wavFormat(body: Buffer) {
  return {
    riff: body.toString('ascii', 0, 4),
    wave: body.toString('ascii', 8, 12),
    format: body.readUInt16LE(20),
    channels: body.readUInt16LE(22),
    sampleRate: body.readUInt32LE(24),
    bitsPerSample: body.readUInt16LE(34),
    dataBytes: body.readUInt32LE(40),
    fileBytes: body.length,
  };
}

/** What wavFormat gives for a message of `seconds` (8 kHz, 16-bit mono PCM). */
export function telephoneWav(seconds: number) {
  return { riff: 'RIFF', wave: 'WAVE', format: 1, channels: 1, sampleRate: 8000, bitsPerSample: 16, dataBytes: seconds * 8000 * 2, fileBytes: 44 + seconds * 8000 * 2 };
}

/** A supertest parser that keeps the body as bytes. */
export function bytes(res: NodeJS.EventEmitter, callback: (error: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => callback(null, Buffer.concat(chunks)));
}
