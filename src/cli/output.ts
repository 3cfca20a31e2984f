import fs from 'node:fs';
import { once } from 'node:events';
import { UsageError } from '../domain/errors.js';
import { formatMoney } from '../domain/money/index.js';
import { isMoney, render, renderJson, streamListing, type Listing, type RowBatches } from './render/index.js';
import type { Runtime } from './runtime.js';

/** The result of a command: to stdout, or to the -o file. */
export function writeResult(rt: Runtime, text: string): void {
  if (rt.output === undefined) {
    rt.streams.stdout.write(text);
    return;
  }
  try {
    fs.writeFileSync(rt.output, text);
  } catch (error) {
    throw new UsageError(`cannot write ${rt.output}: ${(error as Error).message}`, 'choose an -o path you can write to');
  }
  note(rt, `wrote ${rt.output}`);
}

export function emitListing(rt: Runtime, listing: Listing): void {
  writeResult(rt, render(listing, rt.format, { color: rt.color }));
}

/**
 * A listing written as its rows are read (a list of a whole book): the same text as emitListing.
 * `batches` runs once for CSV and JSON, and twice for a table of more than 20,000 rows (its
 * widths, then its lines); inside the command's transaction, a query gives the same rows both
 * times.
 */
export async function emitListingStream(rt: Runtime, head: Omit<Listing, 'rows'>, batches: () => RowBatches): Promise<void> {
  await writeChunks(rt, streamListing(head, batches, rt.format, { color: rt.color }));
}

/** One object (a `show`): JSON as the object, table as field/value pairs, CSV as one row. */
export function emitRecord(rt: Runtime, listing: Listing, json: unknown): void {
  if (rt.format === 'json') {
    writeResult(rt, renderJson(json));
    return;
  }
  if (rt.format === 'csv') {
    emitListing(rt, listing);
    return;
  }
  const row = listing.rows[0] ?? {};
  const vertical: Listing = {
    ...(listing.title !== undefined ? { title: listing.title } : {}),
    columns: [
      { key: 'field', header: 'Field' },
      { key: 'value', header: 'Value' },
    ],
    rows: listing.columns.map((c) => ({ field: c.header, value: formatCell(row[c.key]) })),
    ...(listing.footer !== undefined ? { footer: listing.footer } : {}),
  };
  writeResult(rt, render(vertical, 'table', { color: rt.color }));
}

function formatCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (isMoney(value)) return `${formatMoney(value)} ${value.currency}`;
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return String(value);
}

/**
 * A command that creates something prints its identifier on stdout: bare for people and
 * scripts, `{"number": …}` (or the given key) with --json.
 */
export function emitCreated(rt: Runtime, key: string, id: string, extra: Record<string, unknown> = {}): void {
  if (rt.format === 'json') writeResult(rt, renderJson({ [key]: id, ...extra }));
  else writeResult(rt, `${id}\n`);
}

/** A message for people, on stderr; --quiet drops it. */
export function note(rt: Runtime, text: string): void {
  if (!rt.quiet) rt.streams.stderr.write(`${text}\n`);
}

export function warn(rt: Runtime, text: string): void {
  rt.streams.stderr.write(`warning: ${text}\n`);
}

/**
 * Writes text as it is produced, a piece per batch of records or transactions: to stdout
 * (waiting while the reader is slower), or to the -o file through a temporary file renamed at the
 * end, so a failed export never leaves a partial file behind. (On stdout a failure after the first
 * batch leaves what was written, and the exit code says it failed.) Nothing is gathered: a piece
 * held until more arrive would live through garbage collections for nothing.
 */
export async function writeChunks(rt: Runtime, chunks: AsyncIterable<string> | Iterable<string>): Promise<void> {
  if (rt.output === undefined) {
    const out = rt.streams.stdout;
    for await (const chunk of chunks) {
      if (chunk !== '' && !out.write(chunk)) await once(out, 'drain');
    }
    return;
  }
  const existing = statOf(rt.output);
  // A device or a pipe (-o /dev/null, a FIFO) is written as it is: renaming a file onto it
  // would replace it. A link is followed, so the file it names is replaced, not the link.
  if (existing !== undefined && !existing.isFile()) {
    const fd = openOutput(rt.output, rt.output);
    try {
      for await (const chunk of chunks) fs.writeSync(fd, chunk);
    } finally {
      fs.closeSync(fd);
    }
  } else {
    const target = existing === undefined ? rt.output : fs.realpathSync(rt.output);
    const temp = `${target}.${process.pid}.partial`;
    const fd = openOutput(temp, rt.output);
    try {
      for await (const chunk of chunks) fs.writeSync(fd, chunk);
      fs.closeSync(fd);
      fs.renameSync(temp, target);
    } catch (error) {
      try {
        fs.closeSync(fd);
      } catch {
        // already closed
      }
      fs.rmSync(temp, { force: true });
      throw error;
    }
  }
  note(rt, `wrote ${rt.output}`);
}

function statOf(file: string): fs.Stats | undefined {
  try {
    return fs.statSync(file);
  } catch {
    return undefined;
  }
}

/** Opens `file` to write the -o output named `shownAs`; a path that cannot be written is the user's to fix. */
function openOutput(file: string, shownAs: string): number {
  try {
    return fs.openSync(file, 'w');
  } catch (error) {
    throw new UsageError(`cannot write ${shownAs}: ${(error as Error).message}`, 'choose an -o path you can write to');
  }
}
