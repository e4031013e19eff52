export { crashOnce, sagaFaultPoints, sagaFaultsFromList } from './crash-once.ts';
export { chaosAllowed, chaosVars } from './allowed.ts';
export { createChaos, type Chaos, type ChaosOptions, type Injection } from './chaos.ts';
export { experimentHeader, pathMatches, pickRule, ruleMatches, type ChaosPoint } from './match.ts';
export {
  chaosRuleSchema,
  chaosSettingsSchema,
  faultSchema,
  seamOf,
  storageDependencies,
  type ChaosRule,
  type ChaosSeam,
  type ChaosSettings,
  type Fault,
  type FaultKind,
} from './rule.ts';
export { chaosMiddleware, type Redeliver } from './inbound.ts';
export { chaosEventStore, chaosFetch, chaosPublisher, chaosRedis } from './outbound.ts';
