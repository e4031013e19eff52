/** A function serving HTTP on this machine. */
export interface RunningFunction {
  name: string;
  runtime: 'workerd' | 'deno';
  url: string;
  port: number;
  stop(): Promise<void>;
}

export interface StartFunctionOptions {
  /** Port to serve on; 0 picks a free one. */
  port: number;
  /** Variables the function sees as env / bindings. */
  vars: Record<string, string>;
  /** Where to send the function's log lines. */
  log?: (line: string) => void;
}
