export * from './topics.ts';
export * from './mqtt.ts';
export * from './realtime.ts';
