// The contract every engine of `npm run bench -- saga-peers` implements: the same order
// workflow (try inventory → try payment → confirm both; cancel what was tried when a try is
// refused) over the same inventory and payments participants, so engines differ only in how
// they make the saga durable.

/** One order of the run; `decline` makes payments refuse it (a fixed share of the run). */
export interface PeerOrder {
  readonly orderId: string;
  readonly customerId: string;
  readonly sku: string;
  readonly quantity: number;
  readonly amountCents: number;
  readonly decline: boolean;
}

/** One call to a participant, as signed: the signature covers method, path and body. */
export interface ParticipantRequest {
  readonly method: string;
  /** Path and query, e.g. `/reservations/o-1/confirm`. */
  readonly path: string;
  /** The exact body sent (JSON text), if any. */
  readonly body?: string;
}

/** How an engine reaches the participants: base URLs and the headers a caller must send. */
export interface Participants {
  readonly inventoryUrl: string;
  readonly paymentsUrl: string;
  /**
   * Headers that authenticate a call to `service` (service identity `orders`, auth v2: signed
   * over the request with a nonce, so fresh for each call). Without `request` they sign an
   * empty-bodied POST to `/`, which the participants refuse: pass the request.
   */
  headers(
    service: 'inventory' | 'payments',
    request?: ParticipantRequest,
  ): Promise<Record<string, string>>;
  /**
   * What signing needs, for engines whose steps run in another process: the shared secret and
   * the caller name (see shared/http/auth.ts `requestSigner`, or `participantCalls`). Absent
   * when the participants take unsigned calls.
   */
  readonly auth?: { readonly secret: string; readonly caller: string };
}

/** What an engine is started with. */
export interface EngineContext {
  readonly participants: Participants;
  /** A database of the engine's own on the bench's Postgres (with `application_name` set). */
  readonly databaseUrl: string;
  /** The devstack's QStash, for engines that use it. */
  readonly qstash?: {
    readonly url: string;
    readonly token: string;
    readonly currentSigningKey: string;
    readonly nextSigningKey: string;
  };
}

/** A started engine. */
export interface SagaEngine {
  /** As shown in the table, with the version: `DBOS Transact 5.3.0`. */
  readonly name: string;
  /** How durable a recorded step is: where it is written and whether it is fsynced. */
  readonly durability: string;
  /** Places one order and resolves once its saga is terminal. */
  run(order: PeerOrder): Promise<'confirmed' | 'cancelled'>;
  /** Processes whose CPU is the engine's (not the participants', Postgres' or the bench's). */
  pids(): readonly number[];
  /** HTTP requests the engine's own processes have served so far, when it can count them. */
  httpRequests?(): Promise<number>;
  stop(): Promise<void>;
}

export type StartEngine = (context: EngineContext) => Promise<SagaEngine>;
