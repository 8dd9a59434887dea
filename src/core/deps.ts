import type { Policy } from './claims/policy.js';
import type { CodeSigner } from './codes/claim-code.js';
import type { Clock } from '../ports/clock.js';
import type { KeyedHasher, Sha256 } from '../ports/crypto.js';
import type { IdGenerator } from '../ports/ids.js';
import type { Store } from '../ports/store.js';
import type { RuleCompiler } from '../ports/rules.js';

/** What every use case is given: built once by the composition root (`src/app/compose.ts`). */
export interface CoreDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly signer: CodeSigner;
  readonly hasher: KeyedHasher;
  readonly sha256: Sha256;
  readonly policy: Policy;
  /** The rule language (CEL) for analyst policies. */
  readonly rules: RuleCompiler;
}

/** Who is acting: an API key id or a CLI user, recorded in the audit log. */
export type Actor = string;
