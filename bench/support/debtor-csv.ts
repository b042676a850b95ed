import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import type { PhoneSource } from './phone-numbers';
import { seededRandom } from './stats';

/**
 * Debtor CSVs for POST /call/csv: header `phone,name,amount,dueDate`, one row per debtor, written
 * deterministically (same seed, same bytes) and streamed to disk (never held in memory).
 *
 * Phones are Singapore mobiles, valid for libphonenumber-js (min and max metadata): the 18 prefixes
 * 81–89 and 90–98 followed by 6 digits (18,000,000 numbers; 80 and 99 are left out, some of their
 * ranges are not valid). Row i gets number (i × 7919 + 1,234,567) mod 18,000,000, a bijection
 * (7919 is prime, 18,000,000 = 2^7 · 3^2 · 5^6), so every index below 18,000,000 has its own number.
 * Five spellings in turn: `+6591234567`, `+65 9123 4567`, `9123 4567`, `9123-4567`, `91234567` (the
 * last three national: the upload needs defaultRegion SG).
 */
const SG_PREFIXES = ['81', '82', '83', '84', '85', '86', '87', '88', '89', '90', '91', '92', '93', '94', '95', '96', '97', '98'];
const SG_NUMBERS = SG_PREFIXES.length * 1_000_000;
const PHONE_MULTIPLIER = 7919;
const PHONE_OFFSET = 1_234_567;

/** The 8 national digits of debtor `index`'s mobile number. */
export function sgMobileDigits(index: number): string {
  if (!Number.isInteger(index) || index < 0 || index >= SG_NUMBERS) throw new Error(`no Singapore mobile for index ${index}`);
  const n = (index * PHONE_MULTIPLIER + PHONE_OFFSET) % SG_NUMBERS; // below 2^53: exact
  return `${SG_PREFIXES[Math.floor(n / 1_000_000)]}${String(n % 1_000_000).padStart(6, '0')}`;
}

/** Debtor `index`'s number in E.164, as the service stores it. */
export const sgMobileE164 = (index: number): string => `+65${sgMobileDigits(index)}`;

export const PHONE_FORMATS = ['e164', 'international-spaced', 'national-spaced', 'national-dashed', 'national-plain'] as const;

/** Debtor `index`'s number as written in the CSV (the spelling rotates with the index). */
export function sgMobileAsWritten(index: number): string {
  const d = sgMobileDigits(index);
  switch (index % PHONE_FORMATS.length) {
    case 0:
      return `+65${d}`;
    case 1:
      return `+65 ${d.slice(0, 4)} ${d.slice(4)}`;
    case 2:
      return `${d.slice(0, 4)} ${d.slice(4)}`;
    case 3:
      return `${d.slice(0, 4)}-${d.slice(4)}`;
    default:
      return d;
  }
}

const SURNAMES = ['Tan', 'Lim', 'Lee', 'Ng', 'Ong', 'Wong', 'Goh', 'Chua', 'Chan', 'Koh', 'Teo', 'Ang', 'Yeo', 'Tay', 'Ho', 'Low', 'Toh', 'Sim', 'Chong', 'Chia'];
const GIVEN = ['Wei', 'Mei', 'Jun', 'Hui', 'Ling', 'Kai', 'Xin', 'Yi', 'Min', 'Jia', 'Siti', 'Ravi', 'Priya', 'Ahmad', 'Nur', 'Alex', 'Sam', 'Grace', 'Ben', 'Zoe'];

export interface DebtorCsvStats {
  path: string;
  rows: number;
  bytes: number;
  /** Rows whose name field is quoted (it holds a comma, and for some also escaped double quotes). */
  quotedNames: number;
  /** Rows whose amount is quoted ("1,234.50"). */
  quotedAmounts: number;
  generateMs: number;
  firstLines: string[];
  /** The E.164 numbers the service must store for the first rows (up to 10). */
  firstE164: string[];
}

/**
 * Writes `rows` debtors, numbered from `firstIndex` (so two files can hold disjoint numbers), to `path`.
 * ~45 bytes a row: about 1 name in 8 is `"Surname, Given Given"` (quoted, with a comma), 1 in 500 also holds
 * escaped quotes; amounts from 10.00 to 4,999.99, quoted when they have a thousands separator;
 * due dates ISO, in 2026-12 or 2027-01.
 */
export async function writeDebtorCsv(
  path: string,
  rows: number,
  options: { seed?: number; firstIndex?: number; /** Other numbers than the Singapore mobiles (firstIndex is then unused). */ phones?: PhoneSource } = {},
): Promise<DebtorCsvStats> {
  const started = performance.now();
  const random = seededRandom(options.seed ?? 20261122);
  const firstIndex = options.firstIndex ?? 0;
  const out = createWriteStream(path);
  const failed = new Promise<never>((_, reject) => out.once('error', reject));
  failed.catch(() => undefined);
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)];
  let bytes = 0;
  let quotedNames = 0;
  let quotedAmounts = 0;
  const firstLines: string[] = [];
  const firstE164: string[] = [];
  let chunk = 'phone,name,amount,dueDate\n';
  firstLines.push('phone,name,amount,dueDate');

  for (let i = 0; i < rows; i++) {
    const index = firstIndex + i;
    const surname = pick(SURNAMES);
    const given = `${pick(GIVEN)} ${pick(GIVEN)}`;
    const style = random();
    let name: string;
    if (style < 0.002) {
      name = `"${surname}, ""${pick(GIVEN)}"" ${given}"`;
      quotedNames++;
    } else if (style < 0.125) {
      name = `"${surname}, ${given}"`;
      quotedNames++;
    } else {
      name = `${surname} ${given}`;
    }
    const cents = 1000 + Math.floor(random() * 499_000);
    const units = Math.floor(cents / 100);
    const fraction = String(cents % 100).padStart(2, '0');
    let amount: string;
    if (units >= 1000) {
      amount = `"${Math.floor(units / 1000)},${String(units % 1000).padStart(3, '0')}.${fraction}"`;
      quotedAmounts++;
    } else {
      amount = `${units}.${fraction}`;
    }
    const day = Math.floor(random() * 62);
    const dueDate = day < 31 ? `2026-12-${String(day + 1).padStart(2, '0')}` : `2027-01-${String(day - 30).padStart(2, '0')}`;
    let phone: string;
    if (options.phones) {
      const generated = options.phones.next();
      phone = generated.written.includes(',') ? `"${generated.written}"` : generated.written;
      if (firstE164.length < 10) firstE164.push(generated.e164);
    } else {
      phone = sgMobileAsWritten(index);
      if (firstE164.length < 10) firstE164.push(sgMobileE164(index));
    }
    const line = `${phone},${name},${amount},${dueDate}`;
    if (firstLines.length < 11) firstLines.push(line);
    chunk += `${line}\n`;
    if (chunk.length >= 1 << 20) {
      bytes += Buffer.byteLength(chunk);
      if (!out.write(chunk)) await Promise.race([once(out, 'drain'), failed]);
      chunk = '';
    }
  }
  bytes += Buffer.byteLength(chunk);
  out.end(chunk);
  await Promise.race([once(out, 'finish'), failed]);
  return { path, rows, bytes, quotedNames, quotedAmounts, generateMs: performance.now() - started, firstLines, firstE164 };
}
