import fs from 'node:fs';
import type { Readable } from 'node:stream';
import iconv from 'iconv-lite';
import { ValidationError } from '../domain/errors.js';
import { CsvParser, type CsvRecord } from './csv-parser.js';

export type { CsvRecord } from './csv-parser.js';

export type Encoding = 'utf8' | 'gbk' | 'gb18030' | 'auto';

export interface CsvSource {
  readonly header: readonly string[] | null;
  readonly encoding: 'utf8' | 'gb18030';
  /** The data records, a chunk's worth at a time, in file order. */
  readonly records: AsyncIterable<readonly CsvRecord[]>;
}

export interface CsvOptions {
  readonly encoding: Encoding;
  /**
   * For a file: opens it again from the start, so `auto` can read the whole file to decide before
   * importing. Standard input cannot be read twice: without it `auto` decides from the first 64 KiB.
   */
  readonly reopen?: () => Readable;
  readonly separator?: string;
  readonly skip: number;
  readonly header: boolean;
  /** For messages: the file name, or "standard input". */
  readonly name: string;
}

const SNIFF_BYTES = 64 * 1024;
/**
 * The size of a read, and so of the records in flight between the reader and the database. 64 KiB
 * (about 700 invoice rows) against 256 KiB: the rows of a chunk that wait while a batch is written
 * outlive two young-generation collections and are promoted, then collected by full GCs. 1M
 * invoices: promoted 474 -> 14 MB, scavenge pauses 5.0 -> 0.6 s (under load); 16 KiB promoted as
 * much as 256 KiB again.
 */
const READ_BYTES = 64 * 1024;

function invalid(name: string, reason: string, hint?: string): ValidationError {
  return new ValidationError({ field: name, reason }, hint);
}

/** Index of the first byte that is not part of a valid UTF-8 sequence, or -1. A sequence cut at the end counts as valid. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const need = b < 0x80 ? 0 : b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1;
    if (need < 0) return i;
    for (let k = 1; k <= need; k++) {
      if (i + k >= bytes.length) return -1;
      const c = bytes[i + k]!;
      if (c < 0x80 || c > 0xbf) return i;
    }
    i += need + 1;
  }
  return -1;
}

function lineAt(bytes: Uint8Array, index: number, firstLine = 1): number {
  let line = firstLine;
  for (let i = 0; i < index; i++) if (bytes[i] === 10) line++;
  return line;
}

function isValidUtf8(bytes: Buffer): boolean {
  try {
    // A multi-byte character cut at the end of the sample is not an error.
    new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: true });
    return true;
  } catch {
    return false;
  }
}

/**
 * Reads a whole stream through a strict UTF-8 decoder, one chunk at a time (constant memory):
 * true when every byte is valid UTF-8. A file cut inside a character is not valid.
 */
async function isWhollyUtf8(input: Readable): Promise<boolean> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  try {
    for await (const chunk of input) decoder.decode(chunk as Buffer, { stream: true });
    decoder.decode();
    return true;
  } catch (error) {
    if (error instanceof TypeError) return false;
    throw error;
  } finally {
    input.destroy();
  }
}

/** Turns chunks of bytes into text; throws a ValidationError naming the line of a bad byte. */
interface Decoder {
  write(chunk: Buffer): string;
  end(): string;
}

/**
 * Strict UTF-8, so a GBK file read as UTF-8 fails loudly instead of turning into mojibake. Lines
 * are counted on the bytes (a native indexOf per line) only to name the line of a bad byte.
 * `guessed`: the encoding was decided from the first 64 KiB of standard input (--encoding auto).
 */
function strictUtf8(name: string, guessed: boolean): Decoder {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let line = 1;
  return {
    write(chunk) {
      let text: string;
      try {
        text = decoder.decode(chunk, { stream: true });
      } catch {
        const at = firstInvalidUtf8(chunk);
        const row = at < 0 ? line : lineAt(chunk, at, line);
        throw guessed
          ? new ValidationError(
            { row, field: name, reason: 'is not valid UTF-8 here, though its first 64 KiB are: --encoding auto decides standard input from its first 64 KiB, and standard input cannot be read again' },
            'give the encoding: --encoding gbk (or gb18030), or import from a file, which auto reads whole before deciding',
          )
          : new ValidationError({ row, field: name, reason: 'is not valid UTF-8' }, 'a file from a Chinese spreadsheet is often GBK: add --encoding gbk');
      }
      for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) line++;
      return text;
    },
    end() {
      try {
        return decoder.decode();
      } catch {
        throw invalid(name, 'ends in the middle of a UTF-8 character', 'check the file is complete, or give --encoding gbk');
      }
    },
  };
}

function gb18030(): Decoder {
  const decoder = iconv.getDecoder('gb18030');
  return { write: (chunk) => decoder.write(chunk), end: () => decoder.end() ?? '' };
}

/** Reads the head of the input to decide the encoding and refuse empty or binary files. */
async function sniff(input: Readable, name: string): Promise<{ head: Buffer; rest: AsyncGenerator<Buffer> }> {
  const chunks: Buffer[] = [];
  let size = 0;
  const iterator = input[Symbol.asyncIterator]();
  while (size < SNIFF_BYTES) {
    const next = await iterator.next();
    if (next.done) break;
    const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value as string);
    chunks.push(chunk);
    size += chunk.length;
  }
  const head = Buffer.concat(chunks);
  if (head.length === 0) throw invalid(name, 'is empty', 'export the data again; a CSV file needs at least a header line');
  if (head.includes(0)) throw invalid(name, 'is a binary file, not CSV (it contains NUL bytes)', 'an .xlsx workbook must be saved as CSV first');
  async function* remainder(): AsyncGenerator<Buffer> {
    yield head;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value as string);
    }
  }
  return { head, rest: remainder() };
}

export function openInput(file: string, stdin: Readable): { stream: Readable; name: string; reopen?: () => Readable } {
  if (file === '-') return { stream: stdin, name: 'standard input' };
  if (!fs.existsSync(file)) throw invalid(file, 'does not exist');
  if (fs.statSync(file).isDirectory()) throw invalid(file, 'is a directory, not a CSV file');
  // READ_BYTES says why reads are this size (fs streams' own default, stated to keep it).
  const open = () => fs.createReadStream(file, { highWaterMark: READ_BYTES });
  return { stream: open(), name: file, reopen: open };
}

/**
 * Streams a CSV file as records, decoding UTF-8 (with or without BOM), GBK or GB18030. Memory
 * holds a chunk of the file (64 KiB) and its records at a time, whatever the size of the file.
 */
export async function readCsv(input: Readable, options: CsvOptions): Promise<CsvSource> {
  const { head, rest } = await sniff(input, options.name);
  const bom = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf;
  let encoding: 'utf8' | 'gb18030';
  if (options.encoding === 'auto') {
    // A file is read whole first: GBK text that starts late in a UTF-8-looking file is still GBK.
    const utf8 = bom || (isValidUtf8(head) && (options.reopen === undefined || (await isWhollyUtf8(options.reopen()))));
    encoding = utf8 ? 'utf8' : 'gb18030';
  } else {
    encoding = options.encoding === 'utf8' ? 'utf8' : 'gb18030';
  }
  if (encoding === 'utf8' && !bom && !isValidUtf8(head)) {
    const at = firstInvalidUtf8(head);
    throw new ValidationError(
      { row: lineAt(head, at < 0 ? 0 : at), field: options.name, reason: 'is not valid UTF-8' },
      options.encoding === 'auto' ? 'the file mixes encodings; save it again as UTF-8 or GBK' : 'a file from a Chinese spreadsheet is often GBK: add --encoding gbk (or auto)',
    );
  }
  const guessed = options.encoding === 'auto' && options.reopen === undefined;
  const decoder = encoding === 'utf8' ? strictUtf8(options.name, guessed) : gb18030();
  const parser = new CsvParser(options.separator ?? detectSeparator(head), options.skip, options.name);

  // Records a chunk at a time: one await per chunk, not per record.
  async function* chunks(): AsyncGenerator<CsvRecord[]> {
    for await (const bytes of rest) {
      const out: CsvRecord[] = [];
      parser.push(decoder.write(bytes), out);
      if (out.length > 0) yield out;
    }
    const out: CsvRecord[] = [];
    parser.push(decoder.end(), out);
    parser.end(out);
    if (out.length > 0) yield out;
  }
  const source = chunks();
  let first: CsvRecord[] = [];
  let at = 0;
  const nextRecord = async (): Promise<CsvRecord | undefined> => {
    while (at >= first.length) {
      const r = await source.next();
      if (r.done) return undefined;
      first = r.value;
      at = 0;
    }
    return first[at++];
  };

  let header: string[] | null = null;
  let width: number;
  if (options.header) {
    const h = await nextRecord();
    if (!h) throw invalid(options.name, options.skip > 0 ? `has nothing after the ${options.skip} skipped lines` : 'has no header line');
    header = h.values.map((c) => c.trim());
    width = header.length;
  } else {
    const r = await nextRecord();
    width = r?.values.length ?? 0;
    at = Math.max(0, at - 1);
  }
  const check = (batch: readonly CsvRecord[]) => {
    for (const r of batch) {
      if (r.values.length !== width) {
        throw new ValidationError(
          { row: r.line, field: options.name, reason: `has ${r.values.length} fields where the ${header ? 'header has' : 'first line has'} ${width}` },
          'every row needs as many fields as the header; quote values that contain the separator',
        );
      }
    }
  };
  async function* records(): AsyncGenerator<readonly CsvRecord[]> {
    const rest = first.slice(at);
    if (rest.length > 0) {
      check(rest);
      yield rest;
    }
    for (;;) {
      const r = await source.next();
      if (r.done) return;
      check(r.value);
      yield r.value;
    }
  }
  return { header, encoding, records: records() };
}

function detectSeparator(head: Buffer): string {
  const firstLine = head.subarray(0, Math.max(0, head.indexOf(10))).toString('latin1');
  const counts = [',', ';', '\t', '|'].map((s) => [s, firstLine.split(s).length - 1] as const);
  const best = counts.reduce((a, b) => (b[1] > a[1] ? b : a));
  return best[1] > 0 ? best[0] : ',';
}
