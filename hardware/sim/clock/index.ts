export type { Scheduler, TimerHandle } from './scheduler.ts';
export { VirtualScheduler, EventLimitError, DEFAULT_EVENT_LIMIT } from './virtual-scheduler.ts';
export { RealTimeScheduler } from './real-time-scheduler.ts';
