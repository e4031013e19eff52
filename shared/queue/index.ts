export {
  carriedBy,
  deliveredHeaders,
  describeDestination,
  messageDeadlineHeader,
  serviceResolver,
  serviceUrl,
  type Destination,
  type MessageContext,
  type PublishOptions,
  type PublishReceipt,
  type Publisher,
  type PublishRequest,
  type ResolveService,
} from './publisher.ts';
export {
  memoryPublisher,
  type MemoryMessage,
  type MemoryPublisher,
  type MemoryPublisherOptions,
} from './memory-publisher.ts';
export { outboxPublisher } from './outbox.ts';
export { qstashVerifier, type QstashVerifierOptions, type SignatureVerifier } from './signature.ts';
export { nonRetryable, nonRetryableHeader } from './non-retryable.ts';
export {
  consumer,
  type ConsumedMessage,
  type ConsumerOptions,
  type ConsumeStatus,
} from './consumer.ts';
export {
  deadLetterEventSchemas,
  deadLetterEventType,
  deadLetterHandler,
  deadLetterStream,
  deadLetterTextLimit,
  failureCallbackBody,
  readDeadLetters,
  type DeadLetter,
  type DeadLetterOptions,
} from './dead-letters.ts';
export {
  applyChanges,
  applyTopology,
  planTopology,
  readTopology,
  resolveTopology,
  type CurrentTopology,
  type ResolvedTopology,
  type ResolveTopologyOptions,
  type ScheduleSpec,
  type ServiceEndpoint,
  type TopicSpec,
  type Topology,
  type TopologyChange,
} from './topology.ts';
export { signQstashMessage, type QstashSignatureInput } from './qstash-signing.ts';
export { qstashPublisher, type QstashPublisherOptions } from './qstash-publisher.ts';
export { qstashOutboxRelay, type QstashOutboxRelayOptions } from './outbox-wiring.ts';
