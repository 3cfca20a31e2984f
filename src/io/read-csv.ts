import fs from 'node:fs';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { parse, CsvError } from 'csv-parse';
import iconv from 'iconv-lite';
import { ValidationError } from '../domain/errors.js';

export type Encoding = 'utf8' | 'gbk' | 'gb18030' | 'auto';

export interface CsvRecord {
  /** 1-based line of the file where the record starts. */
  readonly line: number;
  readonly values: readonly string[];
}

export interface CsvSource {
  readonly header: readonly string[] | null;
  readonly encoding: 'utf8' | 'gb18030';
  readonly records: AsyncIterable<CsvRecord>;
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

/** Decodes UTF-8 strictly, so a GBK file read as UTF-8 fails loudly instead of turning into mojibake. */
class StrictUtf8 extends Transform {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private line = 1;

  /** `guessed`: the encoding was decided from the first 64 KiB of standard input (--encoding auto). */
  constructor(private readonly name: string, private readonly guessed = false) {
    super({ decodeStrings: true });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      const text = this.decoder.decode(chunk, { stream: true });
      done(null, text);
      for (let i = 0; i < chunk.length; i++) if (chunk[i] === 10) this.line++;
    } catch {
      const at = firstInvalidUtf8(chunk);
      const line = at < 0 ? this.line : lineAt(chunk, at, this.line);
      done(this.guessed
        ? new ValidationError(
          { row: line, field: this.name, reason: 'is not valid UTF-8 here, though its first 64 KiB are: --encoding auto decides standard input from its first 64 KiB, and standard input cannot be read again' },
          'give the encoding: --encoding gbk (or gb18030), or import from a file, which auto reads whole before deciding',
        )
        : new ValidationError({ row: line, field: this.name, reason: 'is not valid UTF-8' }, 'a file from a Chinese spreadsheet is often GBK: add --encoding gbk'));
    }
  }

  override _flush(done: TransformCallback): void {
    try {
      done(null, this.decoder.decode());
    } catch {
      done(invalid(this.name, 'ends in the middle of a UTF-8 character', 'check the file is complete, or give --encoding gbk'));
    }
  }
}

/** Reads the head of the input to decide the encoding and refuse empty or binary files. */
async function sniff(input: Readable, name: string): Promise<{ head: Buffer; rest: Readable }> {
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
  return { head, rest: Readable.from(remainder()) };
}

export function openInput(file: string, stdin: Readable): { stream: Readable; name: string; reopen?: () => Readable } {
  if (file === '-') return { stream: stdin, name: 'standard input' };
  if (!fs.existsSync(file)) throw invalid(file, 'does not exist');
  if (fs.statSync(file).isDirectory()) throw invalid(file, 'is a directory, not a CSV file');
  return { stream: fs.createReadStream(file), name: file, reopen: () => fs.createReadStream(file) };
}

/**
 * Streams a CSV file as records, decoding UTF-8 (with or without BOM), GBK or GB18030. Memory
 * holds one chunk and one record at a time, whatever the size of the file.
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
  const decoded = encoding === 'utf8' ? rest.pipe(new StrictUtf8(options.name, guessed)) : rest.pipe(iconv.decodeStream('gb18030'));
  const parser = decoded.pipe(parse({
    bom: true,
    delimiter: options.separator ?? detectSeparator(head),
    from_line: options.skip + 1,
    skip_empty_lines: true,
    info: true,
    raw: true,
    relax_column_count: false,
  }));
  decoded.on('error', (error) => parser.destroy(error));

  const iterator = parser[Symbol.asyncIterator]() as AsyncIterator<{ record: string[]; info: { lines: number }; raw: string }>;
  const next = async (): Promise<{ record: string[]; info: { lines: number }; raw: string } | undefined> => {
    try {
      const r = await iterator.next();
      return r.done ? undefined : r.value;
    } catch (error) {
      throw translateParseError(error, options.name);
    }
  };
  let header: string[] | null = null;
  let first: { record: string[]; info: { lines: number }; raw: string } | undefined;
  if (options.header) {
    const h = await next();
    if (!h) throw invalid(options.name, options.skip > 0 ? `has nothing after the ${options.skip} skipped lines` : 'has no header line');
    header = h.record.map((c) => c.trim());
  } else {
    first = await next();
  }
  async function* records(): AsyncGenerator<CsvRecord> {
    if (first) yield { line: startLine(first), values: first.record };
    for (;;) {
      const r = await next();
      if (!r) return;
      yield { line: startLine(r), values: r.record };
    }
  }
  return { header, encoding, records: records() };
}

/** csv-parse counts lines to the end of a record; a quoted value may span several. */
function startLine(r: { info: { lines: number }; raw: string }): number {
  const body = r.raw.replace(/\r?\n$/, '');
  let breaks = 0;
  for (let i = 0; i < body.length; i++) if (body.charCodeAt(i) === 10) breaks++;
  return r.info.lines - breaks;
}

function detectSeparator(head: Buffer): string {
  const firstLine = head.subarray(0, Math.max(0, head.indexOf(10))).toString('latin1');
  const counts = [',', ';', '\t', '|'].map((s) => [s, firstLine.split(s).length - 1] as const);
  const best = counts.reduce((a, b) => (b[1] > a[1] ? b : a));
  return best[1] > 0 ? best[0] : ',';
}

function translateParseError(error: unknown, name: string): unknown {
  if (error instanceof ValidationError) return error;
  if (error instanceof CsvError) {
    const e = error as CsvError & { lines?: number; record?: string[] };
    const line = e.lines;
    if (e.code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH') {
      return new ValidationError({ ...(line !== undefined ? { row: line } : {}), field: name, reason: `has ${e.record?.length ?? 'a different number of'} fields where the header has ${e.message.match(/expect (\d+)/)?.[1] ?? 'another number'}` }, 'every row needs as many fields as the header; quote values that contain the separator');
    }
    return new ValidationError({ ...(line !== undefined ? { row: line } : {}), field: name, reason: `is not valid CSV: ${e.message}` });
  }
  return error;
}
