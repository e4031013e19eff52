import { workerEntry } from '../../shared/runtime/entry.ts';
import { instrumentApp } from '../../shared/telemetry/hono.ts';
import { createOrdersApp } from './app.ts';
import { wire } from './deps.ts';

export default workerEntry((env, runtime) => {
  const deps = wire(env, runtime);
  return instrumentApp(createOrdersApp(deps), deps.telemetry!);
});
