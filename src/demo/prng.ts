// The demo year must come out byte-identical on every machine and Node version, so it draws from
// a small seeded generator of its own (mulberry32) that uses only 32-bit integer operations,
// never Math.random and never a float that could round differently.

const TWO_32 = 4_294_967_296;

/** Mixes a seed and a stream number into a 32-bit state, so independent streams never correlate. */
function mixSeed(seed: number, stream: number): number {
  const low = seed >>> 0;
  const high = Math.floor(seed / TWO_32) >>> 0;
  let h = Math.imul(low ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(high + 0x632be5ab, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) ^ Math.imul(stream + 0x27d4eb2f, 0x165667b1);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}

export class Rng {
  private state: number;

  constructor(seed: number, stream: number) {
    if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`seed must be a non-negative integer: ${seed}`);
    this.state = mixSeed(seed, stream);
  }

  /** The next unsigned 32-bit integer. */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** An integer in [0, n), for 1 ≤ n ≤ 2^53; every step is exact integer arithmetic. */
  below(n: number): number {
    if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`below(${n})`);
    // next() × n stays under 2^53 (exact) while n ≤ 2^20.
    if (n <= 1 << 20) return Math.floor((this.next() * n) / TWO_32);
    const wide = (this.next() >>> 11) * TWO_32 + this.next(); // 53 random bits
    return wide % n;
  }

  /** True with probability perMille / 1000. */
  chance(perMille: number): boolean {
    return this.below(1000) < perMille;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)]!;
  }
}

/** Picks an index by integer weights; `cumulative` holds the running totals (last = total). */
export function pickWeighted(rng: Rng, cumulative: readonly number[]): number {
  const total = cumulative[cumulative.length - 1]!;
  const target = rng.below(total);
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cumulative[mid]! > target) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export function cumulativeOf(weights: readonly number[]): number[] {
  const out: number[] = [];
  let sum = 0;
  for (const w of weights) out.push((sum += w));
  return out;
}
