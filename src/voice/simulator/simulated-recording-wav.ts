/** What the simulator's recordings sound like: 8 kHz, 16-bit mono PCM (what telephone recordings are), a quiet 440 Hz tone. */
export const SIMULATED_WAV = { sampleRate: 8000, bitsPerSample: 16, channels: 1, toneHz: 440, amplitude: 0.2 } as const;
const CHUNK_SAMPLES = 8000;

/** A complete WAV file of `durationSeconds` (rounded to whole samples), produced a second at a time so an hour-long one is never held in memory. */
export function* simulatedRecordingWav(durationSeconds: number): Generator<Buffer> {
  const { sampleRate, bitsPerSample, channels, toneHz, amplitude } = SIMULATED_WAV;
  const samples = Math.max(0, Math.round(durationSeconds * sampleRate));
  const bytesPerSample = bitsPerSample / 8;
  const dataBytes = samples * bytesPerSample * channels;
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + dataBytes, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16); // PCM fmt chunk size
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * channels * bytesPerSample, 28);
  header.writeUInt16LE(channels * bytesPerSample, 32);
  header.writeUInt16LE(bitsPerSample, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(dataBytes, 40);
  yield header;
  for (let start = 0; start < samples; start += CHUNK_SAMPLES) {
    const count = Math.min(CHUNK_SAMPLES, samples - start);
    const chunk = Buffer.alloc(count * bytesPerSample);
    for (let i = 0; i < count; i++) {
      chunk.writeInt16LE(Math.round(Math.sin((2 * Math.PI * toneHz * (start + i)) / sampleRate) * amplitude * 32767), i * bytesPerSample);
    }
    yield chunk;
  }
}
