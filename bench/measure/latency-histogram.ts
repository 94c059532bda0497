/**
 * Latencies in fixed buckets, cheap to record in a hot loop and mergeable across processes:
 * 0.1 ms wide up to 100 ms, 1 ms up to 10 s, 100 ms up to 120 s; later values land in the last bucket.
 * Negative values (a token seen before it was due: clock noise) count as 0 and are counted apart.
 */
const fineEnd = 1_000; // 0..100 ms in 0.1 ms
const midEnd = fineEnd + 9_900; // 100 ms..10 s in 1 ms
const bucketCount = midEnd + 1_100; // 10 s..120 s in 100 ms

export type HistogramExport = { buckets: [number, number][]; count: number; negative: number; sum: number; max: number };

export type Percentiles = { count: number; mean: number; p50: number; p90: number; p99: number; p999: number; max: number };

export class LatencyHistogram {
  readonly counts = new Uint32Array(bucketCount);
  count = 0;
  negative = 0;
  sum = 0;
  max = 0;

  record(ms: number): void {
    if (ms < 0) {
      this.negative++;
      ms = 0;
    }
    this.counts[bucketOf(ms)]++;
    this.count++;
    this.sum += ms;
    if (ms > this.max) this.max = ms;
  }

  export(): HistogramExport {
    const buckets: [number, number][] = [];
    for (let i = 0; i < bucketCount; i++) if (this.counts[i] > 0) buckets.push([i, this.counts[i]]);
    return { buckets, count: this.count, negative: this.negative, sum: this.sum, max: this.max };
  }

  merge(other: HistogramExport): void {
    for (const [index, count] of other.buckets) this.counts[index] += count;
    this.count += other.count;
    this.negative += other.negative;
    this.sum += other.sum;
    if (other.max > this.max) this.max = other.max;
  }

  /** The upper edge of the bucket holding the q-quantile (0..1). */
  quantile(q: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < bucketCount; i++) {
      seen += this.counts[i];
      if (seen >= rank) return Math.min(upperEdge(i), this.max);
    }
    return this.max;
  }

  percentiles(): Percentiles {
    return {
      count: this.count,
      mean: this.count ? this.sum / this.count : 0,
      p50: this.quantile(0.5),
      p90: this.quantile(0.9),
      p99: this.quantile(0.99),
      p999: this.quantile(0.999),
      max: this.max,
    };
  }
}

function bucketOf(ms: number): number {
  if (ms < 100) return Math.floor(ms * 10);
  if (ms < 10_000) return fineEnd + Math.floor(ms - 100);
  return Math.min(bucketCount - 1, midEnd + Math.floor((ms - 10_000) / 100));
}

function upperEdge(index: number): number {
  if (index < fineEnd) return (index + 1) / 10;
  if (index < midEnd) return 100 + (index - fineEnd) + 1;
  return 10_000 + (index - midEnd + 1) * 100;
}
