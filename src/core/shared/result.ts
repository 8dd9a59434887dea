/** Expected outcomes are values: a denied claim is a Result, not a throw. Exceptions are for bugs. */
export type Ok<V> = { readonly ok: true; readonly value: V };
export type Err<E> = { readonly ok: false; readonly error: E };
export type Result<V, E> = Ok<V> | Err<E>;

export const ok = <V>(value: V): Ok<V> => ({ ok: true, value });
export const err = <E>(error: E): Err<E> => ({ ok: false, error });

export function assertNever(x: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(x)}`);
}
