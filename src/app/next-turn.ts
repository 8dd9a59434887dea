/** Resolves on the event loop's next turn: long work done in pieces lets requests in between. */
export const nextTurn = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));
