/**
 * How often each 64-bit key was seen, in an open-addressing table of typed arrays. A Map with a
 * string key per row made the garbage collector trace a million keys again and again: at a million
 * rows that cost as much CPU as the hashing itself; here it is 12 bytes a slot and nothing to trace.
 */
export class OccurrenceTable {
  #hi = new Uint32Array(1 << 12);
  #lo = new Uint32Array(1 << 12);
  /** 0 marks an empty slot: a stored key has been seen at least once. */
  #count = new Uint32Array(1 << 12);
  #size = 0;

  /** The number of times the key was seen before, and counts this sighting. */
  next(hi: number, lo: number): number {
    if ((this.#size + 1) * 2 > this.#count.length) this.#grow();
    const slot = this.#find(hi, lo);
    const before = this.#count[slot];
    if (before === 0) {
      this.#hi[slot] = hi;
      this.#lo[slot] = lo;
      this.#size++;
    }
    this.#count[slot] = before + 1;
    return before;
  }

  /** The number of times the key was seen, without counting a sighting. */
  count(hi: number, lo: number): number {
    return this.#count[this.#find(hi, lo)];
  }

  /** The key's slot, or the empty slot where it belongs (linear probing; the keys are uniform hash bits). */
  #find(hi: number, lo: number): number {
    const mask = this.#count.length - 1;
    let slot = lo & mask;
    while (this.#count[slot] !== 0 && (this.#hi[slot] !== hi || this.#lo[slot] !== lo)) slot = (slot + 1) & mask;
    return slot;
  }

  #grow(): void {
    const [hi, lo, count] = [this.#hi, this.#lo, this.#count];
    this.#hi = new Uint32Array(hi.length * 2);
    this.#lo = new Uint32Array(lo.length * 2);
    this.#count = new Uint32Array(count.length * 2);
    for (let i = 0; i < count.length; i++) {
      if (count[i] === 0) continue;
      const slot = this.#find(hi[i], lo[i]);
      this.#hi[slot] = hi[i];
      this.#lo[slot] = lo[i];
      this.#count[slot] = count[i];
    }
  }
}
