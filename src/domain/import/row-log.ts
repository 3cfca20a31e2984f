/**
 * The book rows an import has matched so far (written, updated or found already present), by row
 * id, with the line of the file that matched each: how a key that comes twice in one file is told
 * apart from a key that was in the book before. The keys themselves stay in the database (its
 * unique indexes find them); this keeps 8 bytes per matched row in typed arrays, outside the
 * JavaScript heap — about 16 MB for a million rows at the table's load, where a Map of the keys
 * measured 118 MB.
 */
export class RowLog {
  private ids = new Int32Array(1 << 14);
  private lines = new Int32Array(1 << 14);
  private size = 0;

  /** Records that `line` matched row `id`; returns the line that matched it before, if any. */
  claim(id: number, line: number): number | undefined {
    if (!Number.isInteger(id) || id <= 0 || id > 0x7fffffff) throw new RangeError(`row id ${id} is out of range`);
    if ((this.size + 1) * 2 > this.ids.length) this.grow();
    const mask = this.ids.length - 1;
    for (let i = hash(id) & mask; ; i = (i + 1) & mask) {
      const at = this.ids[i]!;
      if (at === id) return this.lines[i]!;
      if (at === EMPTY) {
        this.ids[i] = id;
        this.lines[i] = line;
        this.size++;
        return undefined;
      }
    }
  }

  get count(): number {
    return this.size;
  }

  private grow(): void {
    const ids = this.ids;
    const lines = this.lines;
    this.ids = new Int32Array(ids.length * 2);
    this.lines = new Int32Array(ids.length * 2);
    this.size = 0;
    for (let i = 0; i < ids.length; i++) if (ids[i] !== EMPTY) this.claim(ids[i]!, lines[i]!);
  }
}

/** A free slot: what a new Int32Array holds (row ids start at 1). */
const EMPTY = 0;

/** Row ids are mostly consecutive: spread them over the table (a multiplicative hash). */
function hash(id: number): number {
  return Math.imul(id, 0x9e3779b1) >>> 0;
}
