import { serveOnDeno } from '../../shared/runtime/deno-serve.ts';
import { createOrdersApp } from './app.ts';
import { wire } from './deps.ts';

serveOnDeno((env, runtime) => createOrdersApp(wire(env, runtime)), { defaultPort: 8787 });
