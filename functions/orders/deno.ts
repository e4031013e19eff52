import { serveOnDeno } from '../../shared/runtime/deno-serve.ts';
import { instrumentApp } from '../../shared/telemetry/hono.ts';
import { createOrdersApp } from './app.ts';
import { wire } from './deps.ts';

serveOnDeno(
  (env, runtime) => {
    const deps = wire(env, runtime);
    return instrumentApp(createOrdersApp(deps), deps.telemetry!);
  },
  { defaultPort: 8787 },
);
