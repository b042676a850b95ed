import { BadRequestException, HttpException, UnsupportedMediaTypeException } from '@nestjs/common';
import busboy from 'busboy';
import { Request } from 'express';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FieldValidationException } from './api-error';
import { findUnstorableCharacter, findUnstorableJsonEscape } from './unstorable-text';

export interface SpooledFile {
  path: string;
  filename: string;
  bytes: number;
  /** Of the file's bytes: part of what makes two uploads "the same". */
  sha256: string;
}

export interface MultipartUpload {
  fields: Record<string, string>;
  file?: SpooledFile;
  /** Deletes the spooled file; call it whatever happens. */
  cleanup(): Promise<void>;
}

export interface MultipartLimits {
  fileField: string;
  maxFileBytes: number;
  maxFieldBytes: number;
}

const MAX_FIELDS = 20;

/**
 * Reads a multipart/form-data request: text fields into memory, the one file part streamed to a
 * temporary file (never held in memory), with its size and sha256. Fields may come before or after
 * the file. Refuses a file over the limit, a second file, or an over-long field with a 400.
 */
export async function receiveMultipartUpload(request: Request, limits: MultipartLimits): Promise<MultipartUpload> {
  if (!request.is('multipart/form-data')) {
    throw new UnsupportedMediaTypeException(`Content-Type must be multipart/form-data; got ${request.headers['content-type'] ?? 'none'}`);
  }
  const declaredLength = Number(request.headers['content-length']);
  if (declaredLength > limits.maxFileBytes + MAX_FIELDS * limits.maxFieldBytes) {
    throw tooLarge(limits);
  }
  void removeStaleSpools();
  const directory = await mkdtemp(join(tmpdir(), OWN_SPOOL_PREFIX));
  const cleanup = () => rm(directory, { recursive: true, force: true });
  try {
    return { ...(await spool(request, limits, directory)), cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/**
 * Spool directories are named `robocall-upload-<pid>-<token>-XXXXXX`, the token drawn once per process:
 * a process killed in the middle of an upload (SIGKILL, OOM, a crash) runs no cleanup, and leaves its
 * spooled file behind; another process of the host tells such a directory from a live upload's by its
 * owner's pid (no such process any more) or, when the pid is its own (a container's restarted process
 * often gets the same pid), by the token.
 */
const SPOOL_PREFIX = 'robocall-upload-';
const PROCESS_TOKEN = randomBytes(4).toString('hex');
const OWN_SPOOL_PREFIX = `${SPOOL_PREFIX}${process.pid}-${PROCESS_TOKEN}-`;
const SPOOL_NAME = /^robocall-upload-(\d+)-([0-9a-f]+)-/;

/**
 * Deletes the spool directories in the temporary directory whose process is gone; run at startup and
 * before each upload. Assumes the temporary directory is not shared with processes of another pid
 * namespace (another container), as a container's /tmp is not. Never throws.
 */
export async function removeStaleSpools(directory = tmpdir()): Promise<string[]> {
  const removed: string[] = [];
  try {
    for (const name of await readdir(directory)) {
      const match = SPOOL_NAME.exec(name);
      if (!match) continue;
      const pid = Number(match[1]);
      const stale = pid === process.pid ? match[2] !== PROCESS_TOKEN : !processExists(pid);
      if (!stale) continue;
      await rm(join(directory, name), { recursive: true, force: true });
      removed.push(name);
    }
  } catch {
    // best effort: a directory that cannot be read or removed is left for the next sweep
  }
  return removed;
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function spool(request: Request, limits: MultipartLimits, directory: string): Promise<Omit<MultipartUpload, 'cleanup'>> {
  return new Promise((resolve, reject) => {
    const fields: Record<string, string> = {};
    let file: Promise<SpooledFile> | undefined;
    let refusal: HttpException | undefined;
    const refuse = (error: HttpException) => (refusal ??= error);

    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: request.headers,
        limits: { files: 1, fields: MAX_FIELDS, fileSize: limits.maxFileBytes, fieldSize: limits.maxFieldBytes },
      });
    } catch (error) {
      reject(new BadRequestException(`Not a readable multipart/form-data request: ${(error as Error).message}`));
      return;
    }

    parser.on('field', (name, value, info) => {
      const unstorable = unstorableField(value);
      if (info.valueTruncated) refuse(fieldError(name, `is longer than ${limits.maxFieldBytes} bytes`));
      else if (unstorable) refuse(fieldError(name, unstorable));
      else if (name in fields) refuse(fieldError(name, 'is given twice'));
      else fields[name] = value;
    });
    parser.on('file', (name, stream, info) => {
      if (name !== limits.fileField || file) {
        refuse(fieldError(name, `is not expected: send exactly one file, in the part named "${limits.fileField}"`));
        stream.resume();
        return;
      }
      file = spoolFile(stream, join(directory, 'upload'), info.filename ?? '');
      stream.on('limit', () => refuse(tooLarge(limits)));
      file.catch(() => undefined); // awaited on close; this only keeps an early failure from going unhandled
    });
    parser.on('filesLimit', () => refuse(fieldError(limits.fileField, 'must be the only file of the request')));
    parser.on('fieldsLimit', () => refuse(new BadRequestException(`At most ${MAX_FIELDS} form fields are accepted`)));
    parser.on('error', (error: Error) => reject(new BadRequestException(`The multipart body could not be read: ${error.message}`)));
    parser.on('close', () => {
      if (refusal) {
        reject(refusal);
        return;
      }
      if (!file) {
        resolve({ fields });
        return;
      }
      file.then((spooled) => resolve({ fields, file: spooled }), reject);
    });
    request.pipe(parser);
  });
}

async function spoolFile(stream: Readable, path: string, filename: string): Promise<SpooledFile> {
  const hash = createHash('sha256');
  let bytes = 0;
  const measure = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  await pipeline(stream, measure, createWriteStream(path));
  return { path, filename, bytes, sha256: hash.digest('hex') };
}

/**
 * Why a text field cannot be taken as sent: busboy decodes it as UTF-8, turning bytes that are not
 * UTF-8 into U+FFFD (a requestId would no longer be what was sent), and PostgreSQL stores neither NUL
 * nor unpaired surrogates, given as characters or, in the JSON-text fields, as escapes (a 500 there).
 */
function unstorableField(value: string): string | undefined {
  if (value.includes('\uFFFD')) return 'is not valid UTF-8 text';
  const unstorable = findUnstorableCharacter(value) ?? findUnstorableJsonEscape(Buffer.from(value));
  return unstorable && `holds ${unstorable}, which cannot be stored`;
}

function fieldError(field: string, message: string): FieldValidationException {
  return new FieldValidationException([{ field, message }]);
}

function tooLarge(limits: MultipartLimits): FieldValidationException {
  return fieldError(limits.fileField, `is larger than the limit of ${limits.maxFileBytes} bytes (CSV_MAX_FILE_BYTES)`);
}
