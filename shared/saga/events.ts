import * as z from 'zod';

const isoTime = z.iso.datetime();
const name = z.string().min(1).max(64);
const index = z.number().int().nonnegative();
const attempts = z.number().int().nonnegative();
const reason = z.string().min(1).max(200);

/** zod schemas of the saga events, to merge into the event store's schemas of the stream owner. */
export const sagaEventSchemas = {
  SagaStarted: z.object({
    sagaId: z.string().min(1),
    saga: name,
    input: z.unknown(),
    startedAt: isoTime,
  }),
  StepSucceeded: z.object({
    sagaId: z.string().min(1),
    step: name,
    index,
    output: z.unknown().optional(),
    attempts,
    at: isoTime,
  }),
  StepFailed: z.object({
    sagaId: z.string().min(1),
    step: name,
    index,
    reason,
    error: z.string().max(1000).optional(),
    attempts,
    /** Steps to compensate, in order. */
    compensate: z.array(index),
    at: isoTime,
  }),
  CompensationSucceeded: z.object({
    sagaId: z.string().min(1),
    step: name,
    index,
    attempts,
    at: isoTime,
  }),
  CompensationFailed: z.object({
    sagaId: z.string().min(1),
    step: name,
    index,
    error: z.string().max(1000),
    attempts,
    at: isoTime,
  }),
  SagaCompleted: z.object({ sagaId: z.string().min(1), at: isoTime }),
  SagaAborted: z.object({
    sagaId: z.string().min(1),
    reason,
    /** Steps whose compensation gave up: they need a person. */
    unresolved: z.array(name),
    at: isoTime,
  }),
};

type Data<Type extends keyof typeof sagaEventSchemas> = z.infer<(typeof sagaEventSchemas)[Type]>;

/** A saga event, discriminated by `type`. */
export type SagaEvent = {
  [Type in keyof typeof sagaEventSchemas]: { type: Type; data: Data<Type> };
}[keyof typeof sagaEventSchemas];

/** The saga event type names. */
export const sagaEventTypes = Object.keys(sagaEventSchemas) as SagaEvent['type'][];

/** Whether an event (of any stream) is one of the saga's. */
export function isSagaEvent(event: { type: string; data: unknown }): event is SagaEvent {
  return Object.hasOwn(sagaEventSchemas, event.type);
}
