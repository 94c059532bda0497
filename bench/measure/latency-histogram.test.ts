import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LatencyHistogram } from './latency-histogram.ts';

test('percentiles are the upper edges of the buckets, fine below 100 ms and coarser above', () => {
  const histogram = new LatencyHistogram();
  for (let i = 1; i <= 100; i++) histogram.record(i * 0.5); // 0.5 .. 50 ms
  histogram.record(2_500);
  const p = histogram.percentiles();
  assert.equal(p.count, 101);
  assert.equal(p.p50, 25.6); // the 51st of 101 values is 25.5 ms, in the bucket 25.5–25.6
  assert.equal(p.max, 2_500);
  assert.equal(histogram.quantile(1), 2_500);
});

test('histograms merge across processes, and negative latencies count as zero', () => {
  const a = new LatencyHistogram();
  const b = new LatencyHistogram();
  a.record(1);
  b.record(-3);
  b.record(200);
  a.merge(b.export());
  assert.equal(a.count, 3);
  assert.equal(a.negative, 1);
  assert.equal(a.quantile(0.1), 0.1);
  assert.equal(a.max, 200);
});
