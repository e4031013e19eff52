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

/** How an engine reaches the participants: base URLs and the headers a caller must send. */
export interface Participants {
  readonly inventoryUrl: string;
  readonly paymentsUrl: string;
  /** Headers that authenticate a call to `service` (service identity), fresh for each call. */
  headers(service: 'inventory' | 'payments'): Promise<Record<string, string>>;
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
  stop(): Promise<void>;
}

export type StartEngine = (context: EngineContext) => Promise<SagaEngine>;
