import { randomBytes } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { basename } from 'node:path';

/**
 * A multipart/form-data POST whose file part is streamed from disk (node:http, no body held in memory):
 * preamble (text fields, then the file part's headers) + the file's bytes + epilogue, with an exact
 * Content-Length. Timed in phases, all in milliseconds from the first byte written.
 */
export interface MultipartUploadOptions {
  url: string;
  headers?: Record<string, string>;
  fields: Record<string, string>;
  file: { field: string; path: string; filename?: string; contentType?: string };
  timeoutMs?: number;
}

export interface MultipartUploadResult {
  status: number;
  /** Parsed JSON when the response is JSON, else the text. */
  body: any;
  bodyBytes: number;
  responseBytes: number;
  /** When the last byte of the request was handed to the kernel (the server has read all but its socket buffers). */
  bodyWrittenMs: number;
  /** When the response headers arrived. */
  responseHeadersMs: number;
  /** When the whole response body had been read: the total. */
  responseEndMs: number;
  /** True when the server answered before the whole body was written (e.g. an early 4xx). */
  answeredEarly: boolean;
}

export function uploadMultipart(options: MultipartUploadOptions): Promise<MultipartUploadResult> {
  const boundary = `----robocall-bench-${randomBytes(12).toString('hex')}`;
  const CRLF = '\r\n';
  const quote = (value: string) => value.replace(/"/g, '%22').replace(/\r|\n/g, ' ');
  let preambleText = '';
  for (const [name, value] of Object.entries(options.fields)) {
    preambleText += `--${boundary}${CRLF}Content-Disposition: form-data; name="${quote(name)}"${CRLF}${CRLF}${value}${CRLF}`;
  }
  const filename = options.file.filename ?? basename(options.file.path);
  preambleText +=
    `--${boundary}${CRLF}Content-Disposition: form-data; name="${quote(options.file.field)}"; filename="${quote(filename)}"${CRLF}` +
    `Content-Type: ${options.file.contentType ?? 'text/csv'}${CRLF}${CRLF}`;
  const preamble = Buffer.from(preambleText);
  const epilogue = Buffer.from(`${CRLF}--${boundary}--${CRLF}`);
  const fileBytes = statSync(options.file.path).size;
  const bodyBytes = preamble.length + fileBytes + epilogue.length;

  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      file.destroy();
      req.destroy();
      reject(error);
    };
    const req = httpRequest(options.url, {
      method: 'POST',
      agent: false,
      headers: { ...options.headers, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(bodyBytes) },
    });
    const file = createReadStream(options.file.path, { highWaterMark: 256 * 1024 });
    let started = NaN;
    let bodyWrittenMs = NaN;
    let answeredEarly = false;
    const since = () => performance.now() - started;

    req.setTimeout(options.timeoutMs ?? 300_000, () => fail(new Error(`POST ${options.url}: no answer within ${(options.timeoutMs ?? 300_000) / 1000} s`)));
    req.on('error', fail);
    file.on('error', fail);
    req.on('response', (response) => {
      const responseHeadersMs = since();
      if (Number.isNaN(bodyWrittenMs)) {
        answeredEarly = true;
        file.destroy();
      }
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', fail);
      response.on('end', () => {
        if (settled) return;
        settled = true;
        const responseEndMs = since();
        const raw = Buffer.concat(chunks);
        const text = raw.toString();
        let body: any = text;
        if (/json/.test(String(response.headers['content-type']))) {
          try {
            body = JSON.parse(text);
          } catch {
            // keep the text
          }
        }
        resolve({ status: response.statusCode ?? 0, body, bodyBytes, responseBytes: raw.length, bodyWrittenMs, responseHeadersMs, responseEndMs, answeredEarly });
      });
    });

    // The clock starts with the first byte, once connected (connecting to localhost is not part of the upload).
    req.once('socket', (socket) => {
      const begin = () => {
        started = performance.now();
        req.write(preamble);
        file.pipe(req, { end: false });
        file.once('end', () => req.end(epilogue, () => (bodyWrittenMs = since())));
      };
      if (socket.connecting) socket.once('connect', begin);
      else begin();
    });
  });
}
