import { memoryConfigStore } from '../../../../shared/config/memory-store.ts';
import { configStoreContract } from './config-store-contract.ts';

const shared = memoryConfigStore();
// Every "isolate" of the contract gets the same memory store, as they would share Redis.
configStoreContract('memory', () => shared);
