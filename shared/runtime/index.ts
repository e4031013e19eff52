export type { Env, ExecutionContextLike, Runtime } from './runtime.ts';
export { executionContextOf, sharesIoAcrossRequests } from './runtime.ts';
export { nextTurn } from './next-turn.ts';
export { currentPlatform } from './platform.ts';
