import type { Clock } from '../../ports/clock.js';

export const systemClock: Clock = { now: () => Date.now() };

/** A clock tests and the replay lab move by hand. */
export class ManualClock implements Clock {
  constructor(private t: number) {}
  now(): number {
    return this.t;
  }
  set(t: number): void {
    this.t = t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}
