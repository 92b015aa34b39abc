import type { Capability } from './capability.ts';
import type { Logger } from 'pino';
import type pg from 'pg';
import type { Config } from './config.ts';
import type { Ory } from '../ory/client.ts';
import type { NocoRows } from '../nocodb/client.ts';

export interface CapabilityDeps {
  config: Config;
  db: pg.Pool;
  log: Logger;
  ory: Ory;
  nocodb: NocoRows;
  clock: () => Date;
}

/** The capabilities the service runs, each from its folder's index.ts. */
export function loadCapabilities(_deps: CapabilityDeps): Capability[] {
  return [];
}
