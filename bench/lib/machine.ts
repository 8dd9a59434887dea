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
