export { crashOnce, sagaFaultPoints, sagaFaultsFromList } from './crash-once.ts';
