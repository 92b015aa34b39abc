import { stopAll } from './stack.ts';

// mocha global fixture: whatever the run started (PostgreSQL, Redis, NocoDB) stops after it.
export async function mochaGlobalTeardown(): Promise<void> {
  await stopAll();
}
