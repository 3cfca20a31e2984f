// pg-copy-streams 7 ships no types (and @types/pg-copy-streams describes its 1.x): the part owed uses.
declare module 'pg-copy-streams' {
  import type { Writable, WritableOptions } from 'node:stream';

  /** Submitted to a pg client with client.query(stream); 'finish' comes after the server's ReadyForQuery. */
  export interface CopyFromQueryStream extends Writable {
    /** Rows the server reports it copied, once finished. */
    readonly rowCount: number;
  }

  export function from(text: string, options?: WritableOptions): CopyFromQueryStream;

  /** module.exports: what a bundle's dynamic import has (esbuild gives a CommonJS chunk only a default export). */
  const copyStreams: { from: typeof from };
  export default copyStreams;
}
