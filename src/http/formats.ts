/**
 * The `date-time` format, stricter than RFC 3339's grammar: the value must also be a real instant
 * JavaScript can represent. ajv-formats accepts leap seconds (23:59:60) and year 0000, which
 * `Date.parse` turns into NaN; those are refused here, so a time that passes validation always
 * converts. Shared by the HTTP app and the CLI's file validation.
 */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

export function isDateTime(s: string): boolean {
  const m = RFC3339.exec(s);
  if (!m) return false;
  const [, y, mo, d, h, mi, se] = m.map(Number) as number[];
  if (y! < 1970 || y! > 9999 || mo! < 1 || mo! > 12 || d! < 1 || h! > 23 || mi! > 59 || se! > 59) return false;
  if (d! > new Date(Date.UTC(y!, mo!, 0)).getUTCDate()) return false;
  return !Number.isNaN(Date.parse(s));
}

/** An ajv plugin: installs the strict format (call after ajv-formats, which it replaces). */
export function strictDateTime<A extends { addFormat(name: string, f: { type: 'string'; validate: (s: string) => boolean }): unknown }>(ajv: A): A {
  ajv.addFormat('date-time', { type: 'string', validate: isDateTime });
  return ajv;
}
