/**
 * One load run with autocannon, in this process, against a fixture on 127.0.0.1.
 * Every request is built by `next()` (so each can be distinct) and every answer is judged by
 * `judge()`; latencies are recorded per response with sub-millisecond precision (autocannon's own
 * histogram rounds down to whole milliseconds, which is too coarse for a 10 ms p99 target).
 */
import autocannon from 'autocannon';
import { performance } from 'node:perf_hooks';
import { summarize, type LatencySummary } from './stats.js';

export interface NextRequest {
  readonly body: string;
  readonly headers: Record<string, string>;
}

export interface LoadOptions {
  readonly url: string;
  readonly path: string;
  readonly connections: number;
  readonly durationS: number;
  /** Requests per second across all connections (autocannon's overallRate); absent = as fast as answered. */
  readonly rate?: number;
  readonly next: () => NextRequest;
  /** null when the answer is what we wanted, else a short label of what was wrong. */
  readonly judge: (status: number, body: string) => string | null;
}

export interface LoadResult {
  readonly elapsedS: number;
  /** Responses received (any status). */
  readonly responses: number;
  /** Responses that `judge` accepted. */
  readonly good: number;
  readonly non2xx: number;
  /** 2xx answers `judge` refused (e.g. a claim that was not allowed). */
  readonly bad2xx: number;
  /** Connection errors and timeouts as autocannon counts them. */
  readonly errors: number;
  readonly timeouts: number;
  /** What went wrong, label → count (status codes and judge labels). */
  readonly problems: ReadonlyMap<string, number>;
  /** Latency of every response, in ms. */
  readonly latency: LatencySummary;
  /** autocannon's own (whole-millisecond) percentiles, for cross-checking. */
  readonly autocannon: { readonly p50: number; readonly p99: number; readonly reqPerSecAvg: number };
  /** CPU the bench process (autocannon) used, as a fraction of one core. */
  readonly loaderCpu: number;
  /** Good responses per second. */
  readonly goodPerSec: number;
}

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  const problems = new Map<string, number>();
  const problem = (label: string) => problems.set(label, (problems.get(label) ?? 0) + 1);
  let good = 0;
  let bad2xx = 0;
  let non2xx = 0;

  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let started = t0;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: o.url,
        connections: o.connections,
        duration: o.durationS,
        ...(o.rate ? { overallRate: o.rate } : {}),
        pipelining: 1,
        requests: [
          {
            method: 'POST',
            path: o.path,
            setupRequest: (req) => {
              const r = o.next();
              return { ...req, method: 'POST', path: o.path, headers: r.headers, body: r.body };
            },
            onResponse: (status, body) => {
              if (status < 200 || status > 299) {
                non2xx++;
                problem(`HTTP ${status}: ${body.slice(0, 160)}`);
                return;
              }
              const why = o.judge(status, body);
              if (why === null) good++;
              else {
                bad2xx++;
                problem(why);
              }
            },
          },
        ],
      },
      (err, res) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(res)),
    );
    instance.on('start', () => {
      started = performance.now();
    });
    instance.on('response', (_client, _status, _bytes, responseTime) => {
      latencies.push(responseTime);
    });
  });
  const end = performance.now();
  const wallS = (end - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  // The load window on the monotonic clock, from autocannon's start (connections set up) to done.
  // (autocannon's own result.duration comes from Date.now(), which jumps when the VM clock is stepped.)
  const elapsedS = (end - started) / 1000;

  return {
    elapsedS,
    responses: latencies.length,
    good,
    non2xx,
    bad2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    problems,
    latency: summarize(latencies),
    autocannon: { p50: result.latency.p50, p99: result.latency.p99, reqPerSecAvg: result.requests.average },
    loaderCpu: (cpu.user + cpu.system) / 1000 / (wallS * 1000),
    goodPerSec: good / elapsedS,
  };
}
