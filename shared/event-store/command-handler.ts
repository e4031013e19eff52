import { EdgeMeshError } from '../errors/edgemesh-error.ts';
import { isConcurrencyError } from './concurrency-error.ts';
import type {
  AppendOptions,
  DocumentWrite,
  EventStore,
  NewEvent,
  OutboxMessage,
  OutboxRecord,
  RecordedEvent,
} from './event-store.ts';

/**
 * Pure decisions of one kind of stream, in the style of Emmett's `Decider`: time and ids enter
 * through the command, never from a clock inside `decide`.
 */
export interface Decider<State, Command, Event extends NewEvent> {
  /** The state of a stream with no events; `id` is what the handler was called with. */
  initialState: (id: string) => State;
  /** The events a command produces on `state`; none when it changes nothing. Throws to refuse. */
  decide: (command: Command, state: State) => readonly Event[];
  evolve: (state: State, event: Event) => State;
}

/** What `decide` may return besides the events: writes that commit in the same append. */
export interface Decision<Event extends NewEvent> {
  readonly events: readonly Event[];
  readonly outbox?: readonly OutboxMessage[];
  readonly documents?: readonly DocumentWrite[];
}

/** A state and the stream version it reflects (0 = no events). */
export interface KnownState<State> {
  readonly state: State;
  readonly version: number;
}

export interface CommandHandlerOptions<State, Event extends NewEvent> {
  /** Stream type of the streams it creates, e.g. `stock`. */
  streamType: string;
  /** The stream of an id, e.g. `` (sku) => `stock-${sku}` ``. */
  streamId: (id: string) => string;
  initialState: (id: string) => State;
  evolve: (state: State, event: Event) => State;
  /**
   * Keep the state as a document of this projection (id = the handler's id), written in the
   * same append: a read is one indexed lookup instead of folding the stream. Default: fold.
   */
  stateDocument?: string;
  /** Attempts after a lost race before the ConcurrencyError reaches the caller. Default 20. */
  maxRetries?: number;
  /** Backoff between races, ms: full jitter over `min(maxMs, baseMs · attempt)`. Default 2 and 50. */
  backoff?: { baseMs: number; maxMs: number };
  /** Waits between races; default a timer. */
  sleep?: (ms: number) => Promise<void>;
  /**
   * Commands on one stream in this isolate take turns, so they do not race each other; a
   * command waits for the one before it at most this long, then races as usual (the expected
   * version keeps it correct either way). 0 turns it off. Default 2,000 ms.
   */
  turnMs?: number;
}

/** Per call: what else commits with the events, and how the first attempt reads. */
export interface HandleOptions<State> extends Omit<
  AppendOptions,
  'streamType' | 'expectedVersion' | 'outbox' | 'documents'
> {
  /**
   * The state the caller believes current (`'new'`: the stream does not exist yet). The first
   * attempt skips the read; a wrong guess costs one lost race. A guess that decides nothing is
   * read again before the handler answers `unchanged`.
   */
  guess?: 'new' | KnownState<State>;
  /** Outbox messages for this change, given the states before and after it. */
  outbox?: (change: { before: State; after: State; version: number }) => readonly OutboxMessage[];
  /** Documents written besides the state document. */
  documents?: readonly DocumentWrite[];
}

/** What one command did. */
export interface CommandResult<State> {
  /**
   * `appended`; `unchanged` when the command decided no events; `replayed`/`mismatch` when the
   * idempotency claim was taken before (by the same or another request): nothing written.
   */
  readonly status: 'appended' | 'unchanged' | 'replayed' | 'mismatch';
  readonly streamId: string;
  /** The state after the command (the known state when nothing was written). */
  readonly state: State;
  /** The stream's version after the command. */
  readonly version: number;
  readonly events: readonly RecordedEvent[];
  /** Outbox rows written, to relay right after commit. */
  readonly outbox: readonly OutboxRecord[];
}

/** Decides on a state: events alone, or events with outbox messages and documents. */
export type Decide<State, Event extends NewEvent> = (
  state: State,
  version: number,
) => readonly Event[] | Decision<Event>;

/** Runs commands against one kind of stream. */
export interface CommandHandler<State, Event extends NewEvent> {
  /** Reads the current state of `id` (its document, else the folded stream). */
  read(
    store: EventStore,
    id: string,
    options?: Pick<AppendOptions, 'signal' | 'trace'>,
  ): Promise<KnownState<State>>;
  /**
   * Read (or guess), decide, append with the expected version; on a lost race read again and
   * decide again, up to `maxRetries` times with jittered backoff.
   */
  handle(
    store: EventStore,
    id: string,
    decide: Decide<State, Event>,
    options?: HandleOptions<State>,
  ): Promise<CommandResult<State>>;
}

const timer = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Turns per key inside one isolate: `take(key)` waits until the previous holder of `key`
 * releases or `waitMs` passes (a holder whose request was cancelled never releases), and
 * answers this holder's release.
 */
export function turnstile(waitMs: number): (key: string) => Promise<() => void> {
  const last = new Map<string, Promise<void>>();
  return async function take(key) {
    const previous = last.get(key);
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    last.set(key, mine);
    if (previous) {
      let timeout: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        previous,
        new Promise<void>((resolve) => (timeout = setTimeout(resolve, waitMs))),
      ]);
      clearTimeout(timeout);
    }
    return () => {
      release();
      if (last.get(key) === mine) last.delete(key);
    };
  };
}

/**
 * A command handler in the spirit of Emmett's `CommandHandler`: one read → decide → append loop
 * with the expected version, retried on a lost race, passing outbox, documents and the
 * idempotency claim through to the same append.
 * @example
 * const stock = commandHandler({ streamType: 'stock', streamId: (sku) => `stock-${sku}`,
 *   initialState: initialStock, evolve: evolveStock, stateDocument: 'stock' });
 * await stock.handle(store, sku, (state) => decideStock(command, state), { at: command.at });
 */
export function commandHandler<State, Event extends NewEvent>({
  streamType,
  streamId,
  initialState,
  evolve,
  stateDocument,
  maxRetries = 20,
  backoff = { baseMs: 2, maxMs: 50 },
  sleep = timer,
  turnMs = 2_000,
}: CommandHandlerOptions<State, Event>): CommandHandler<State, Event> {
  const turn = turnMs > 0 ? turnstile(turnMs) : undefined;
  async function read(
    store: EventStore,
    id: string,
    call: Pick<AppendOptions, 'signal' | 'trace'> = {},
  ): Promise<KnownState<State>> {
    if (stateDocument) {
      const found = await store.readDocument<State>(stateDocument, id, call);
      return found
        ? { state: found.doc, version: found.version }
        : { state: initialState(id), version: 0 };
    }
    const folded = await store.aggregateStream<State, Event & { type: string; data: unknown }>(
      streamId(id),
      { initialState: () => initialState(id), evolve, ...call },
    );
    return { state: folded.state, version: folded.version };
  }

  async function handle(
    store: EventStore,
    id: string,
    decide: Decide<State, Event>,
    options: HandleOptions<State> = {},
  ): Promise<CommandResult<State>> {
    if (!turn) return decideAndAppend(store, id, decide, options);
    const release = await turn(streamId(id));
    try {
      return await decideAndAppend(store, id, decide, options);
    } finally {
      release();
    }
  }

  async function decideAndAppend(
    store: EventStore,
    id: string,
    decide: Decide<State, Event>,
    { guess, outbox, documents = [], ...append }: HandleOptions<State>,
  ): Promise<CommandResult<State>> {
    const stream = streamId(id);
    const call = { signal: append.signal, trace: append.trace };
    let known: KnownState<State> | undefined =
      guess === 'new' ? { state: initialState(id), version: 0 } : guess;
    for (let race = 0; ; race += 1) {
      const guessed = known !== undefined;
      const { state, version } = known ?? (await read(store, id, call));
      known = undefined;
      const decided = decide(state, version);
      const decision: Decision<Event> = isDecision(decided) ? decided : { events: decided };
      if (decision.events.length === 0) {
        if (guessed) continue;
        return { status: 'unchanged', streamId: stream, state, version, events: [], outbox: [] };
      }
      const after = decision.events.reduce(evolve, state);
      const nextVersion = version + decision.events.length;
      try {
        const result = await store.append(stream, decision.events, {
          ...append,
          streamType,
          expectedVersion: version === 0 ? 'no_stream' : version,
          outbox: [
            ...(decision.outbox ?? []),
            ...(outbox?.({ before: state, after, version: nextVersion }) ?? []),
          ],
          documents: [
            ...(stateDocument ? [{ projection: stateDocument, id, doc: after }] : []),
            ...documents,
            ...(decision.documents ?? []),
          ],
        });
        if (result.status !== 'appended') {
          return {
            status: result.status,
            streamId: result.streamId,
            state,
            version,
            events: [],
            outbox: [],
          };
        }
        return {
          status: 'appended',
          streamId: stream,
          state: after,
          version: result.nextVersion,
          events: result.events,
          outbox: result.outbox,
        };
      } catch (error) {
        if (!isConcurrencyError(error)) throw error;
        if (race >= maxRetries) {
          throw new EdgeMeshError(
            'CONCURRENCY',
            `Stream ${stream} kept changing: ${race + 1} attempts lost the race.`,
            { cause: error, extensions: { streamId: stream } },
          );
        }
        // Writers that keep colliding on a hot stream spread out.
        if (race > 0) await sleep(Math.random() * Math.min(backoff.maxMs, backoff.baseMs * race));
      }
    }
  }

  return { read, handle };
}

function isDecision<Event extends NewEvent>(
  value: readonly Event[] | Decision<Event>,
): value is Decision<Event> {
  return !Array.isArray(value);
}
