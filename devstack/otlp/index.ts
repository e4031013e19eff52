export {
  otlpCollectorApp,
  readSpanFile,
  startOtlpCollector,
  type OtlpCollector,
  type OtlpCollectorOptions,
} from './collector.ts';
export { decodeOtlpTraces, OtlpDecodeError, type CollectedSpan } from './spans.ts';
export { memoryTraceStore, summarise, type TraceStore, type TraceSummary } from './trace-store.ts';
export { renderWaterfall, type WaterfallOptions } from './waterfall.ts';
