/**
 * What the replay driver needs from the system under test: the public operations a shop backend,
 * an operator and an analyst have (create campaigns, issue codes, claim, order, fulfil, record
 * account events, read alerts, pauses and orders, run ring detection and classify claimants), and
 * a notion of time. Two targets implement it: in process through the use cases on a virtual clock
 * (`in-process.ts`), and over HTTP against a running server in real time (`http-target.ts`).
 *
 * Every time here is scenario time (epoch ms of the scenario's own calendar); a target that runs on
 * another clock (a real server) converts on the way in and out.
 */
import type { CampaignInput } from '../core/campaigns/campaign.js';
import type { ClaimRequest } from '../core/claims/claim-coupon.js';
import type { ClaimResult } from '../core/claims/claim.js';
import type { PlaceOrderRequest } from '../core/orders/use-cases.js';
import type { AccountEventRequest } from '../core/accounts/use-cases.js';

export interface LabCampaign {
  readonly id: string;
  readonly couponType: string;
}

export interface LabAlert {
  readonly firstAt: number;
  readonly lastAt: number;
  readonly rule: string;
  readonly scopeKind: string;
  readonly scopeValue: string;
  readonly severity: string;
  readonly title: string;
  readonly action: string | null;
}

export interface LabPause {
  readonly kind: string;
  readonly value: string;
  readonly pausedAt: number;
}

export interface LabOrder {
  readonly orderId: string;
  readonly status: string;
  readonly discountFen: number;
}

export type Classification =
  { ok: true; note: string; classOf: Map<string, string> } | { ok: false; note: string };

/** How the run was driven, for the report. */
export type DriverInfo =
  | { readonly kind: 'in-process'; readonly clock: 'virtual' }
  | {
      readonly kind: 'http';
      readonly url: string;
      readonly clock: 'real';
      readonly windowFrom: string;
      readonly note: string;
      readonly maxLagMs: number;
    };

export interface LabTarget {
  /** First scenario time this target replays (in process: the scenario's start; over HTTP: a window before the attack). */
  readonly from: number;
  /** Slice of time between two looks at alerts and pauses on the festival day (default 10 s). */
  readonly sliceMs?: number;
  /**
   * History is in; the run begins at scenario time `from` (a real server: now on its wall clock,
   * so that the time the history took is not lost from the window).
   */
  begin(): Promise<void>;
  /** Moves to scenario time `t` before an event (sets the virtual clock, or waits for the wall clock). */
  at(t: number): Promise<void>;
  /** The end of a slice of time: the monitor looks (in process it is ticked; a server ticks by itself). */
  endSlice(t: number): Promise<void>;
  createCampaign(input: CampaignInput): Promise<LabCampaign>;
  /** Issues a batch of single-use codes for one event; the code texts and the key id they are signed with. */
  issueCodes(
    campaignId: string,
    event: string,
    count: number,
    expiresAt: number,
  ): Promise<{ batchId: string; keyId: string; codes: string[] }>;
  claim(req: ClaimRequest, idempotencyKey: string): Promise<ClaimResult>;
  placeOrder(req: PlaceOrderRequest, idempotencyKey: string): Promise<LabOrder>;
  fulfil(orderId: string): Promise<void>;
  accountEvent(e: AccountEventRequest): Promise<void>;
  /** Account events that may be sent in any order and at once (history before the run). */
  accountEvents(es: readonly AccountEventRequest[]): Promise<void>;
  alerts(): Promise<readonly LabAlert[]>;
  pauses(): Promise<readonly LabPause[]>;
  /** Campaigns now paused, and when they last changed (their pause, for a paused campaign). */
  pausedCampaigns(): Promise<readonly { id: string; at: number }[]>;
  orderStatus(orderId: string): Promise<string | null>;
  /** Runs ring detection over [from, to) and classifies the claimants of one campaign. */
  classify(from: number, to: number, campaignId: string): Promise<Classification>;
  info(): DriverInfo;
  close(): Promise<void>;
}

/** A failure of the system under test or of the lab's own setup (not an expected decision). */
export class LabError extends Error {
  override readonly name = 'LabError';
}
