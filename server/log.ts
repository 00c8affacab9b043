import pino from 'pino';

export type Logger = pino.Logger;

/** The root logger; modules take a child once at creation, never per message. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { svc: 'hub' } });
}
