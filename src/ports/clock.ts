/** Time for the core. Tests and the replay lab pass a virtual clock. */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}
