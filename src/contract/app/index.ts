export * from './settings.ts';
export * from './view-models.ts';
export * from './commands.ts';
export * from './events.ts';
export * from './transport.ts';
