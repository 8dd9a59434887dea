import { InvalidArgumentError } from 'commander';
import { isId, idPattern, type IdKind } from '../core/shared/ids.js';

/** Argument parsers: a bad value is reported by commander as a usage error (exit 1, no stack). */

export const intIn =
  (min: number, max: number) =>
  (v: string): number => {
    const n = /^\d+$/.test(v) ? Number(v) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`must be an integer ${min}..${max}`);
    return n;
  };

export const idOf =
  <T extends string>(kind: IdKind) =>
  (v: string): T => {
    if (!isId(kind, v)) throw new InvalidArgumentError(`not a ${kind} id (${idPattern(kind)})`);
    return v as T;
  };

const ISO = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** An ISO 8601 date (UTC midnight) or date-time with a zone, as epoch ms. */
export function isoTime(v: string): number {
  const t = ISO.test(v) ? Date.parse(v) : NaN;
  if (Number.isNaN(t))
    throw new InvalidArgumentError('must be an ISO 8601 time with a zone, e.g. 2019-01-20T00:00:00+08:00');
  return t;
}

export function nonEmpty(max: number) {
  return (v: string): string => {
    const s = v.trim();
    if (s.length < 1 || s.length > max) throw new InvalidArgumentError(`must be 1..${max} characters`);
    return s;
  };
}
