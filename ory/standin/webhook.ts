/**
 * The after-registration web hook, called as Kratos calls it with our kratos.yml:
 * after the identity is saved, POST with the API key header and the body that
 * ory/kratos/webhook.jsonnet renders. No response.parse: the answer cannot change the
 * identity, but a failing hook fails the request (the identity stays saved), as in Kratos.
 */
import { OryError } from './ory-errors.ts';

export interface WebhookTarget {
  url: string;
  apiKey: string;
  /** Default `X-Hook-Key`, as in kratos.yml. */
  header?: string;
  timeoutMs?: number;
}

/** What webhook.jsonnet sends (schemas/events/kratos.ts `kratosWebhook` is the receiver's side). */
export interface WebhookBody {
  identity: Record<string, unknown>;
  flow_id: string;
  flow_type: 'api' | 'browser';
  method: string | null;
  transient_payload: Record<string, unknown>;
}

/** The parts of Kratos' web hook context (`templateContext`: flow, identity, ...) that webhook.jsonnet reads. */
export interface WebhookContext {
  identity: Record<string, unknown>;
  flow: { id: string; type: 'api' | 'browser'; active?: string; transient_payload?: unknown };
}

/** ory/kratos/webhook.jsonnet, line for line: keep the two together. */
export function webhookBody(ctx: WebhookContext): WebhookBody {
  const transient = ctx.flow.transient_payload;
  return {
    identity: ctx.identity,
    flow_id: ctx.flow.id,
    flow_type: ctx.flow.type,
    method: ctx.flow.active ?? null,
    transient_payload: transient && typeof transient === 'object' && !Array.isArray(transient) ? (transient as Record<string, unknown>) : {},
  };
}

export async function callWebhook(target: WebhookTarget, body: WebhookBody): Promise<void> {
  let status: number;
  try {
    const res = await fetch(target.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [target.header ?? 'X-Hook-Key']: target.apiKey },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(target.timeoutMs ?? 10_000),
    });
    status = res.status;
    await res.arrayBuffer();
  } catch (err) {
    throw new OryError(500, { reason: `web hook ${target.url} failed: ${(err as Error).message}` });
  }
  if (status >= 400) throw new OryError(500, { reason: `web hook failed with status code ${status}` });
}
