import pino, { type Logger } from 'pino';

export function createLogger(level: string, name = 'school'): Logger {
  return pino({ name, level, base: { pid: process.pid } });
}
export type { Logger };
