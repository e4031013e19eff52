export { startConsole, type Console, type ConsoleOptions } from './server.ts';
export type { ConsoleFunction, ConsoleService } from './sources.ts';
