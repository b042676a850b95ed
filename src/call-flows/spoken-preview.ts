import { HttpException, HttpStatus, Injectable } from '@nestjs/common';
import { spawn } from 'node:child_process';
import { FieldValidationException, STATUS_CODES } from '../common/api-error';
import { PreviewVoice } from './call-flow-preview';

/** Text a spoken preview may speak in all (about four minutes of speech). */
export const MAX_SPOKEN_CHARACTERS = 5000;
/** How long one espeak-ng run may take, and how much audio it may write. */
const RUN_TIMEOUT_MS = 20_000;
const MAX_RUN_BYTES = 32 * 1024 * 1024;
/** espeak-ng processes this API process runs at once. */
const MAX_RUNNING = 2;
const PAUSE_SECONDS = 0.4;
export const ESPEAK_HINT = 'Spoken previews need espeak-ng on the server: apt-get install espeak-ng';

export interface SpokenSegment {
  text: string;
  voice?: PreviewVoice;
}

/** 501: the text-to-speech engine is not installed where the API runs. */
export class SpeechUnavailableException extends HttpException {
  constructor() {
    super({ status: STATUS_CODES[501], message: ESPEAK_HINT }, HttpStatus.NOT_IMPLEMENTED);
  }
}

export interface PcmFormat {
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
}

/**
 * The PCM samples and format of a WAV file as espeak-ng writes it to a pipe: its RIFF and data sizes are
 * placeholders (it cannot seek back to fill them in), so the data runs to the end of the file.
 */
export function readWav(wav: Buffer): { format: PcmFormat; samples: Buffer } {
  if (wav.length < 12 || wav.toString('ascii', 0, 4) !== 'RIFF' || wav.toString('ascii', 8, 12) !== 'WAVE') throw new Error('not a RIFF/WAVE file');
  let format: PcmFormat | undefined;
  for (let at = 12; at + 8 <= wav.length; ) {
    const id = wav.toString('ascii', at, at + 4);
    const size = wav.readUInt32LE(at + 4);
    if (id === 'fmt ') {
      format = { channels: wav.readUInt16LE(at + 10), sampleRate: wav.readUInt32LE(at + 12), bitsPerSample: wav.readUInt16LE(at + 22) };
    } else if (id === 'data') {
      if (!format) throw new Error('WAVE data before its format');
      return { format, samples: wav.subarray(at + 8, Math.min(wav.length, at + 8 + size)) };
    }
    at += 8 + size + (size % 2);
  }
  throw new Error('WAVE file without data');
}

/** One WAV file of the parts in order (all of the first part's format), with a short silence between them. */
export function joinWav(parts: { format: PcmFormat; samples: Buffer }[], pauseSeconds = PAUSE_SECONDS): Buffer {
  const format = parts[0]?.format ?? { channels: 1, sampleRate: 22050, bitsPerSample: 16 };
  const blockAlign = (format.channels * format.bitsPerSample) / 8;
  const pause = Buffer.alloc(Math.round(pauseSeconds * format.sampleRate) * blockAlign);
  const chunks = parts.flatMap((part, i) => (i === 0 ? [part.samples] : [pause, part.samples]));
  const dataSize = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + dataSize, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(format.channels, 22);
  header.writeUInt32LE(format.sampleRate, 24);
  header.writeUInt32LE(format.sampleRate * blockAlign, 28);
  header.writeUInt16LE(blockAlign, 32);
  header.writeUInt16LE(format.bitsPerSample, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(dataSize, 40);
  return Buffer.concat([header, ...chunks]);
}

/**
 * espeak-ng's options for a message's voice settings: `language` as its voice (en-GB → en-gb), `gender` as
 * a variant (+f3 / +m3), pitch 0-9 → -p 0-99, rate 0-9 → -s 100-235 words per minute (5: its default 175).
 */
export function espeakArguments(voice: PreviewVoice | undefined, withLanguage = true): string[] {
  const base = withLanguage && voice?.language ? voice.language.toLowerCase().replace(/_/g, '-') : 'en';
  const variant = voice?.gender === 'female' ? '+f3' : voice?.gender === 'male' ? '+m3' : '';
  return [
    '--stdout',
    '--stdin',
    '-b', '1', // the text on stdin is UTF-8
    '-v', `${base}${variant}`,
    ...(voice?.pitch !== undefined ? ['-p', String(Math.round((voice.pitch * 99) / 9))] : []),
    ...(voice?.rate !== undefined ? ['-s', String(100 + voice.rate * 15)] : []),
  ];
}

/**
 * Speaks a preview's prompts with Debian's espeak-ng, started as a child process (never through a shell; the
 * text goes to its stdin, so nothing in it is read as an option), one run per message, at most MAX_RUNNING at
 * once in this process, each bounded in time and size. Without espeak-ng on PATH: a 501 with the hint.
 */
@Injectable()
export class SpeechSynthesizer {
  /** The program, looked up on PATH (tests point it elsewhere, or clear PATH through `env`). */
  binary = 'espeak-ng';
  env: NodeJS.ProcessEnv | undefined;
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  async wav(segments: SpokenSegment[]): Promise<Buffer> {
    const characters = segments.reduce((sum, segment) => sum + segment.text.length, 0);
    if (characters > MAX_SPOKEN_CHARACTERS) {
      throw new FieldValidationException([
        { field: 'keys', message: `the preview would speak ${characters} characters; a spoken preview speaks at most ${MAX_SPOKEN_CHARACTERS} (send fewer keys, or preview the text with POST /call-flows/preview)` },
      ]);
    }
    const parts = [];
    for (const segment of segments) parts.push(readWav(await this.speak(segment)));
    return joinWav(parts);
  }

  /** One message as WAV; a language espeak-ng has no voice for is spoken with its English voice. */
  private async speak(segment: SpokenSegment): Promise<Buffer> {
    const first = await this.run(espeakArguments(segment.voice), segment.text);
    if (first.code === 0 && first.stdout.length > 44) return first.stdout;
    if (segment.voice?.language) {
      const fallback = await this.run(espeakArguments(segment.voice, false), segment.text);
      if (fallback.code === 0 && fallback.stdout.length > 44) return fallback.stdout;
    }
    throw new Error(`espeak-ng failed (exit ${first.code}): ${first.stderr.slice(0, 300)}`);
  }

  private async run(args: string[], text: string): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
    await this.acquire();
    try {
      return await new Promise((resolve, reject) => {
        const child = spawn(this.binary, args, { stdio: ['pipe', 'pipe', 'pipe'], ...(this.env && { env: this.env }) });
        const out: Buffer[] = [];
        let bytes = 0;
        let stderr = '';
        let failure: Error | undefined;
        const timer = setTimeout(() => {
          failure = new Error(`espeak-ng took more than ${RUN_TIMEOUT_MS} ms`);
          child.kill('SIGKILL');
        }, RUN_TIMEOUT_MS);
        child.on('error', (error: NodeJS.ErrnoException) => {
          clearTimeout(timer);
          reject(error.code === 'ENOENT' || error.code === 'EACCES' ? new SpeechUnavailableException() : error);
        });
        child.stdout.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          if (bytes > MAX_RUN_BYTES) {
            failure = new Error(`espeak-ng wrote more than ${MAX_RUN_BYTES} bytes`);
            child.kill('SIGKILL');
            return;
          }
          out.push(chunk);
        });
        child.stderr.on('data', (chunk: Buffer) => {
          if (stderr.length < 2000) stderr += chunk.toString('utf8');
        });
        child.on('close', (code) => {
          clearTimeout(timer);
          if (failure) reject(failure);
          else resolve({ code, stdout: Buffer.concat(out), stderr });
        });
        // A process that died before reading its input closes stdin under us: its exit code tells.
        child.stdin.on('error', () => undefined);
        child.stdin.end(text, 'utf8');
      });
    } finally {
      this.release();
    }
  }

  private async acquire(): Promise<void> {
    if (this.running < MAX_RUNNING) {
      this.running++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }
}
