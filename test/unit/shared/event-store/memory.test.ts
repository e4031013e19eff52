import { memoryEventStore } from '../../../../shared/event-store/memory.ts';
import { eventStoreContract } from './contract.ts';

eventStoreContract('memory', { store: (options) => memoryEventStore(options) });
