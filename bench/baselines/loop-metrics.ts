/**
 * Event-loop delay of the process it runs in, as the bench reads it from every server under test
 * (Confab exposes the same shape at `GET /v1/debug/metrics`): percentiles in milliseconds since the
 * last reset.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';

export type LoopDelay = { p50: number; p90: number; p99: number; p999: number; max: number; mean: number };

export function loopDelayMonitor(): { read(reset: boolean): LoopDelay } {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  // The histogram records whole timer intervals: the delay is what exceeds the 10 ms resolution.
  const ms = (ns: number) => Math.max(0, Math.round(ns / 1e4 - 1000) / 100);
  return {
    read(reset) {
      const delay = {
        p50: ms(histogram.percentile(50)),
        p90: ms(histogram.percentile(90)),
        p99: ms(histogram.percentile(99)),
        p999: ms(histogram.percentile(99.9)),
        max: ms(histogram.max),
        mean: ms(histogram.mean),
      };
      if (reset) histogram.reset();
      return delay;
    },
  };
}
