import { workerEntry } from '../../shared/runtime/entry.ts';
import { createOrdersApp } from './app.ts';
import { wire } from './deps.ts';

export default workerEntry((env, runtime) => createOrdersApp(wire(env, runtime)));
