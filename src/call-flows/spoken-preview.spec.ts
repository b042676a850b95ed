import { espeakArguments, joinWav, readWav } from './spoken-preview';

describe('spoken preview WAV', () => {
  const format = { channels: 1, sampleRate: 22050, bitsPerSample: 16 };

  it('reads a WAV written to a pipe (placeholder sizes) up to its end, and joins parts with a pause and true sizes', () => {
    const samples = Buffer.from([1, 0, 2, 0, 3, 0]);
    const piped = joinWav([{ format, samples }], 0);
    piped.writeUInt32LE(0x7ffff024, 4);
    piped.writeUInt32LE(0x7ffff000, 40);
    expect(readWav(piped)).toEqual({ format, samples });
    const joined = joinWav([{ format, samples }, { format, samples }], 0.001);
    const pause = Math.round(0.001 * 22050) * 2;
    expect(joined.length).toBe(44 + 12 + pause);
    expect(joined.readUInt32LE(4)).toBe(36 + 12 + pause);
    expect(joined.readUInt32LE(40)).toBe(12 + pause);
    expect(readWav(joined).samples.length).toBe(12 + pause);
    expect(() => readWav(Buffer.from('not a wav file at all'))).toThrow('not a RIFF/WAVE file');
  });

  it("maps a message's voice settings to espeak-ng's options", () => {
    expect(espeakArguments(undefined)).toEqual(['--stdout', '--stdin', '-b', '1', '-v', 'en']);
    expect(espeakArguments({ language: 'en-GB', gender: 'female', pitch: 9, rate: 0 })).toEqual(['--stdout', '--stdin', '-b', '1', '-v', 'en-gb+f3', '-p', '99', '-s', '100']);
    expect(espeakArguments({ language: 'xx', gender: 'male' }, false)).toEqual(['--stdout', '--stdin', '-b', '1', '-v', 'en+m3']);
  });
});
