import { workerEntry } from '../../shared/runtime/entry.ts';
import { notificationsService } from './app.ts';
import { wire } from './deps.ts';

export default workerEntry((env, runtime) => notificationsService(wire(env, runtime)));
