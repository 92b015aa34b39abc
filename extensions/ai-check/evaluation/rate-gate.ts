/**
 * One pause for the whole run: when the provider answers 429 with Retry-After (or fails and
 * backs off), every worker waits before its next attempt, not only the one that was told.
 * `sleep` is what openrouter.ts's retries call between attempts; `ready` is awaited before
 * each attempt (the run's AttemptMeter).
 */
export interface RateGate {
  sleep(ms: number): Promise<void>;
  ready(): Promise<void>;
  /** Pauses taken so far (429s and back-offs), for the report. */
  pauses(): number;
}

export function createRateGate(now: () => number = Date.now): RateGate {
  let until = 0;
  let pauses = 0;
  const ready = async () => {
    for (let wait = until - now(); wait > 0; wait = until - now()) await new Promise((r) => setTimeout(r, wait));
  };
  return {
    async sleep(ms) {
      pauses++;
      until = Math.max(until, now() + ms);
      await ready();
    },
    ready,
    pauses: () => pauses,
  };
}
