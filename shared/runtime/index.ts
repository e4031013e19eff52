export type { Env, ExecutionContextLike, Runtime } from './runtime.ts';
export { executionContextOf } from './runtime.ts';
