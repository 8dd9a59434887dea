/**
 * Runs of near-consecutive phone numbers: SIM farms buy numbers in blocks, so accounts whose
 * numbers sit a few apart in the same 7-digit segment share a "run" even though no two share a
 * number. A run is a maximal chain of distinct numbers each at most `maxGap` above the previous;
 * only runs of at least `minLength` numbers count (two neighbours happen by chance).
 */
export interface PhoneRun {
  /** `<segment>:<first four>-<last four>`: the 7-digit segment and the span of last four digits. */
  readonly key: string;
  readonly phones: readonly string[];
}

export function phoneRuns(phones: Iterable<string>, opts: { maxGap?: number; minLength?: number } = {}): PhoneRun[] {
  const maxGap = opts.maxGap ?? 3;
  const minLength = opts.minLength ?? 3;
  const bySegment = new Map<string, number[]>();
  for (const p of new Set(phones)) {
    if (!/^1\d{10}$/.test(p)) continue;
    const seg = p.slice(0, 7);
    let list = bySegment.get(seg);
    if (!list) bySegment.set(seg, (list = []));
    list.push(Number(p.slice(7)));
  }
  const out: PhoneRun[] = [];
  for (const [seg, nums] of bySegment) {
    if (nums.length < minLength) continue;
    nums.sort((a, b) => a - b);
    let start = 0;
    for (let k = 1; k <= nums.length; k++) {
      if (k < nums.length && nums[k]! - nums[k - 1]! <= maxGap) continue;
      if (k - start >= minLength) {
        const run = nums.slice(start, k).map((n) => seg + String(n).padStart(4, '0'));
        const four = (n: number) => String(n).padStart(4, '0');
        out.push({ key: `${seg}:${four(nums[start]!)}-${four(nums[k - 1]!)}`, phones: run });
      }
      start = k;
    }
  }
  return out;
}

/** Whether a phone falls inside a run key's span. */
export function inRun(key: string, phone: string): boolean {
  const m = /^(\d{7}):(\d{4})-(\d{4})$/.exec(key);
  if (!m || phone.length !== 11 || phone.slice(0, 7) !== m[1]) return false;
  const n = Number(phone.slice(7));
  return n >= Number(m[2]) && n <= Number(m[3]);
}
