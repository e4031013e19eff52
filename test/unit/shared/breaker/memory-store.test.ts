import { memoryBreakerStore } from '../../../../shared/breaker/memory-store.ts';
import { breakerStoreContract } from './breaker-store-contract.ts';

const shared = memoryBreakerStore();
// Every "isolate" of the contract gets the same memory store, as they would share Redis.
breakerStoreContract('memory', () => shared);
