declare module 'autocannon' {
  /** What the telemetry bench passes; autocannon takes many more options. */
  export interface AutocannonOptions {
    url: string;
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    /** Concurrent connections, each with one request in flight. */
    connections?: number;
    /** Requests in total; the run ends after the last response. */
    amount?: number;
    /** Milliseconds between autocannon's own samples; it checks for the end on them. Default 1000. */
    sampleInt?: number;
  }

  export interface AutocannonResult {
    errors: number;
    timeouts: number;
    non2xx: number;
  }

  /** A running load: awaitable for its result; emits each response with its latency in ms. */
  export interface Instance extends PromiseLike<AutocannonResult> {
    on(
      event: 'response',
      listener: (client: unknown, statusCode: number, bytes: number, ms: number) => void,
    ): this;
  }

  export default function autocannon(options: AutocannonOptions): Instance;
}
