import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';

export interface Machine {
  readonly cpuModel: string;
  readonly cores: number;
  readonly node: string;
  readonly memoryGiB: number;
  readonly os: string;
}

export function machine(): Machine {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    node: process.version,
    memoryGiB: os.totalmem() / 2 ** 30,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
  };
}

export const describeMachine = (m: Machine): string =>
  `${m.cpuModel}, ${m.cores} cores (os.cpus()), ${m.memoryGiB.toFixed(1)} GiB RAM, Node ${m.node}, ${m.os}`;

/** Machine-wide CPU time so far, summed over cores, in ms (from os.cpus(); includes every process). */
export function cpuTimes(): { busyMs: number; idleMs: number } {
  let busy = 0;
  let idle = 0;
  for (const c of os.cpus()) {
    busy += c.times.user + c.times.nice + c.times.sys + c.times.irq;
    idle += c.times.idle;
  }
  return { busyMs: busy, idleMs: idle };
}

/**
 * Waits until the rest of the machine is quiet (other processes use under `thresholdCores` for
 * two seconds in a row), at most `maxWaitS` seconds. Returns the busy cores of the last second.
 * On a shared machine this keeps someone else's test run from landing in a measured window.
 */
export async function waitForQuiet(maxWaitS: number, thresholdCores = 0.15): Promise<{ quiet: boolean; busyCores: number; waitedS: number }> {
  const t0 = Date.now();
  let quietSeconds = 0;
  let busyCores = 0;
  for (;;) {
    const a = cpuTimes();
    const own0 = process.cpuUsage();
    await new Promise((r) => setTimeout(r, 1000));
    const b = cpuTimes();
    const own = process.cpuUsage(own0);
    busyCores = (b.busyMs - a.busyMs - (own.user + own.system) / 1000) / 1000;
    quietSeconds = busyCores < thresholdCores ? quietSeconds + 1 : 0;
    const waitedS = (Date.now() - t0) / 1000;
    if (quietSeconds >= 2) return { quiet: true, busyCores, waitedS };
    if (waitedS >= maxWaitS) return { quiet: false, busyCores, waitedS };
  }
}

/** CPU ms per process (utime + stime from /proc/<pid>/stat), Linux only; empty elsewhere. */
export function processTimes(): Map<number, { ms: number; name: string }> {
  const out = new Map<number, { ms: number; name: string }>();
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return out;
  }
  const tick = 10; // USER_HZ is 100 on Linux: one tick is 10 ms
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const fields = stat.slice(close + 2).split(' ');
      const ms = (Number(fields[11]) + Number(fields[12])) * tick; // utime, stime (fields 14 and 15)
      let name = stat.slice(stat.indexOf('(') + 1, close);
      try {
        const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
        if (cmd) name = cmd;
      } catch {
        // kernel thread or gone: keep the short name
      }
      out.set(Number(pid), { ms, name });
    } catch {
      // the process ended meanwhile
    }
  }
  return out;
}

/** The processes (other than `exclude`) that used the most CPU between two snapshots. */
export function topOthers(
  before: Map<number, { ms: number; name: string }>,
  after: Map<number, { ms: number; name: string }>,
  wallMs: number,
  exclude: readonly (number | undefined)[],
  n = 3,
): { pid: number; name: string; cores: number }[] {
  const rows: { pid: number; name: string; cores: number }[] = [];
  for (const [pid, a] of after) {
    if (exclude.includes(pid)) continue;
    const d = a.ms - (before.get(pid)?.ms ?? 0);
    if (d > 0) rows.push({ pid, name: a.name, cores: d / wallMs });
  }
  return rows.sort((x, y) => y.cores - x.cores).slice(0, n);
}
