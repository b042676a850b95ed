import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simulatedRecordingWav } from './simulated-recording-wav';

const wav = (seconds: number) => Buffer.concat([...simulatedRecordingWav(seconds)]);

describe('simulatedRecordingWav', () => {
  // sox (Debian's package, installed by .ci/run) is a reader we did not write: what it says is what players see.
  it.each([0, 1, 7, 2.5])('is a WAV of %s s that sox reads as 8 kHz, 16-bit, mono PCM of that length', (seconds) => {
    const path = join(mkdtempSync(join(tmpdir(), 'sim-wav-')), 'message.wav');
    writeFileSync(path, wav(seconds));
    const info = (flag: string) => execFileSync('soxi', [flag, path], { encoding: 'utf8' }).trim();
    expect([info('-t'), info('-r'), info('-b'), info('-c'), info('-e'), info('-s')]).toEqual(['wav', '8000', '16', '1', 'Signed Integer PCM', String(seconds * 8000)]);
  });

  it('is a tone, not silence, and is made a second at a time', () => {
    const chunks = [...simulatedRecordingWav(3)];
    expect(chunks.map((c) => c.length)).toEqual([44, 16000, 16000, 16000]);
    const samples = new Int16Array(chunks[1].buffer, chunks[1].byteOffset, 8000);
    expect(Math.max(...samples)).toBeGreaterThan(6000);
  });
});
