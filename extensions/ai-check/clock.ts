/** Time as a dependency: quota windows, budget months, leases and retries read it here. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
