export { Logger, createLogger, formatRecord, memorySink, LOG_LEVELS } from './logger.ts';
export type { LogLevel, LogFields, LogRecord, LogSink, LoggerOptions } from './logger.ts';
export { SecretBytes } from './secret.ts';
export { DropCounter } from './drop-counter.ts';
