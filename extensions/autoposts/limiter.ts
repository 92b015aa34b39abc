/**
 * Telegram's limits for a bot's messages (Bot FAQ, "My bot is hitting limits"): about 30
 * a second overall and 20 a minute in one group. A sliding window per chat and one for
 * all, pure over the times it is told of: the sender builds it each round from the times
 * recorded in autopost_delivery (so a restart or another instance taking over knows what was
 * just sent) and tells it of each send. Time is whatever clock the sender runs on.
 */
export interface Window { count: number; windowMs: number }
export interface RateLimits { perChat: Window; overall: Window }

export const TELEGRAM_LIMITS: RateLimits = { perChat: { count: 20, windowMs: 60_000 }, overall: { count: 30, windowMs: 1_000 } };

export interface Limiter {
  /** A send to `chat` at `at` (ms), in time order. */
  record(chat: string, at: number): void;
  /** Telegram said wait (429 retry_after): nothing to this chat before `until`. */
  block(chat: string, until: number): void;
  /** The earliest time a message to `chat` may go, on its own window. */
  chatFreeAt(chat: string, now: number): number;
  /** The earliest time any message may go, on the overall window. */
  overallFreeAt(now: number): number;
}

/** When the next event fits into a window holding `times` (ascending): now, or when the oldest that counts leaves it. */
export function freeAt(times: number[], window: Window, now: number): number {
  while (times.length && times[0]! <= now - window.windowMs) times.shift();
  return times.length < window.count ? now : times[times.length - window.count]! + window.windowMs;
}

export function createLimiter(limits: RateLimits = TELEGRAM_LIMITS): Limiter {
  const chats = new Map<string, number[]>();
  const blocked = new Map<string, number>();
  const overall: number[] = [];
  return {
    record(chat, at) {
      const times = chats.get(chat) ?? [];
      times.push(at);
      chats.set(chat, times);
      overall.push(at);
    },
    block(chat, until) {
      blocked.set(chat, Math.max(blocked.get(chat) ?? 0, until));
    },
    chatFreeAt(chat, now) {
      return Math.max(freeAt(chats.get(chat) ?? [], limits.perChat, now), blocked.get(chat) ?? now);
    },
    overallFreeAt: (now) => freeAt(overall, limits.overall, now),
  };
}
