import pino, { type Logger } from 'pino';

/**
 * What never reaches a log line: credentials in headers (sessions, cookies, hook secrets and
 * keys, bearer tokens) and secret-looking fields of logged objects.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization', 'req.headers.cookie', 'req.headers["x-session-token"]', 'req.headers["x-hook-key"]',
  'req.headers["x-school-hook-secret"]', 'req.headers["x-telegram-bot-api-secret-token"]', 'req.headers["x-discourse-event-signature"]',
  'headers.authorization', 'headers.cookie', 'headers["x-session-token"]',
  'password', '*.password', 'token', '*.token', 'apiKey', '*.apiKey', 'secret', '*.secret', 'session_token', '*.session_token',
];

export function createLogger(level: string, name = 'school', destination?: pino.DestinationStream): Logger {
  const options = { name, level, base: { pid: process.pid }, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}
export type { Logger };
