/**
 * The Ory stand-in with its after-registration web hook pointed at our real Kratos receiver
 * (hooks/kratos.ts), whose inbox holds what it accepted: a test gets the inbox event exactly
 * as the service would store it, and decides when its capability sees it.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import { kratosReceiver } from '../../hooks/kratos.ts';
import { isAppError } from '../../kernel/errors.ts';
import type { NewInboxEvent } from '../../kernel/inbox.ts';
import { startStandin, type Harness } from '../ory/standin-harness.ts';

export interface KratosWithHook {
  standin: Harness;
  /** The inbox event this identity's registration produced; each is taken once. */
  take(identityId: string): NewInboxEvent;
  close(): Promise<void>;
}

export async function kratosWithHook(): Promise<KratosWithHook> {
  const held: NewInboxEvent[] = [];
  const key = 'test-kratos-hook-key';
  const app = express();
  app.use('/hooks/kratos', kratosReceiver({
    key: () => key,
    inbox: {
      async accept(events) {
        held.push(...events);
        return { accepted: events.length, duplicates: 0 };
      },
    },
  }));
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    res.status(isAppError(err) ? err.status : 500).json({ error: isAppError(err) ? { code: err.code, message: err.message, details: err.details } : { code: 'INTERNAL', message: String(err) } });
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/kratos/registration`;
  const standin = await startStandin({ webhooks: { registration: { url, apiKey: key } } });
  return {
    standin,
    take(identityId) {
      const i = held.findIndex((e) => (e.payload as { identity?: { id?: string } }).identity?.id === identityId);
      if (i < 0) throw new Error(`the stand-in called no registration web hook for ${identityId}`);
      return held.splice(i, 1)[0]!;
    },
    async close() {
      await standin.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
