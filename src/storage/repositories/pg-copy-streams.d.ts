// pg-copy-streams 7 ships no types (and @types/pg-copy-streams describes its 1.x): the part owed uses.
declare module 'pg-copy-streams' {
  import type { Readable, ReadableOptions, Writable, WritableOptions } from 'node:stream';

  /** Submitted to a pg client with client.query(stream); 'finish' comes after the server's ReadyForQuery. */
  export interface CopyFromQueryStream extends Writable {
    /** Rows the server reports it copied, once finished. */
    readonly rowCount: number;
  }

  export function from(text: string, options?: WritableOptions): CopyFromQueryStream;

  /** Submitted to a pg client with client.query(stream): the COPY's data, chunk by chunk, then 'end'. */
  export type CopyToQueryStream = Readable;

  export function to(text: string, options?: ReadableOptions): CopyToQueryStream;

  /** module.exports: what a bundle's dynamic import has (esbuild gives a CommonJS chunk only a default export). */
  const copyStreams: { from: typeof from; to: typeof to };
  export default copyStreams;
}
