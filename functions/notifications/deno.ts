import { serveOnDeno } from '../../shared/runtime/deno-serve.ts';
import { notificationsService } from './app.ts';
import { wire } from './deps.ts';

serveOnDeno((env, runtime) => notificationsService(wire(env, runtime)), { defaultPort: 8788 });
