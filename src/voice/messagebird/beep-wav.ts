/**
 * The tone a record step with `beep` plays before recording (A16): 0.3 s of 1 kHz, 8 kHz 16-bit mono PCM
 * (what MessageBird's `play` takes), made once.
 */
export const BEEP_WAV: Buffer = (() => {
  const sampleRate = 8000;
  const samples = Math.round(sampleRate * 0.3);
  const data = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) {
    // 5 ms fade in and out, so the tone does not click.
    const edge = Math.min(1, i / 40, (samples - 1 - i) / 40);
    data.writeInt16LE(Math.round(Math.sin((2 * Math.PI * 1000 * i) / sampleRate) * 0.3 * edge * 32767), i * 2);
  }
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
})();
