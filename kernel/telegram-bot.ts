import axios, { type AxiosInstance } from 'axios';
import { z } from 'zod';

/**
 * The Telegram Bot API, for any capability that calls it: `POST {apiUrl}/bot{token}/{method}`
 * with JSON parameters, answered HTTP 200 `{ok: true, result}` or `{ok: false, error_code,
 * description, parameters?: {retry_after, migrate_to_chat_id}}` (Bot API "Making requests";
 * telegram-bot-api Query.h JsonQueryOk / JsonQueryError). Each caller names the result's
 * schema: what Telegram answers is checked like any external payload.
 */
export interface BotApi {
  call<T>(method: string, params: Record<string, unknown>, result: z.ZodType<T>): Promise<T>;
}

/** A refused or failed call: `permanent` when sending it again cannot help (400, 401, 403). */
export class BotApiError extends Error {
  constructor(readonly method: string, readonly code: number, readonly description: string, readonly permanent: boolean, readonly retryAfterMs: number | null = null) {
    super(`telegram ${method} ${code}: ${description}`);
    this.name = 'BotApiError';
  }
}

const reply = z.object({
  ok: z.boolean(),
  result: z.unknown().optional(),
  error_code: z.number().int().optional(),
  description: z.string().optional(),
  parameters: z.looseObject({ retry_after: z.number().optional() }).optional(),
});

export function createBotApi(opts: { apiUrl: string; botToken: string; timeoutMs?: number; http?: AxiosInstance }): BotApi {
  const http = opts.http ?? axios.create({ timeout: opts.timeoutMs ?? 10_000, validateStatus: () => true });
  const base = `${opts.apiUrl.replace(/\/+$/, '')}/bot${opts.botToken}`;
  return {
    async call(method, params, result) {
      let response;
      try {
        response = await http.post(`${base}/${method}`, params, { headers: { 'content-type': 'application/json' } });
      } catch (e) {
        throw new BotApiError(method, 0, `unreachable: ${(e as Error).message}`, false);
      }
      const body = reply.safeParse(response.data);
      if (!body.success) throw new BotApiError(method, response.status, 'the answer is not the Bot API\'s', false);
      if (body.data.ok) {
        const parsed = result.safeParse(body.data.result);
        if (!parsed.success) throw new BotApiError(method, response.status, `unexpected result: ${parsed.error.message}`, false);
        return parsed.data;
      }
      const code = body.data.error_code ?? response.status;
      const description = body.data.description ?? 'no description';
      if (code === 429) throw new BotApiError(method, code, description, false, (body.data.parameters?.retry_after ?? 1) * 1000);
      throw new BotApiError(method, code, description, code >= 400 && code < 500);
    },
  };
}

/** Results most callers need (Bot API types), loose: Telegram adds fields. */
export const botResults = {
  ok: z.literal(true),
  message: z.looseObject({ message_id: z.number().int(), chat: z.looseObject({ id: z.number().int() }), date: z.number().int() }),
  inviteLink: z.looseObject({ invite_link: z.string(), name: z.string().optional(), expire_date: z.number().int().optional(), member_limit: z.number().int().optional() }),
  link: z.string(),
  chatMember: z.looseObject({ status: z.enum(['creator', 'administrator', 'member', 'restricted', 'left', 'kicked']), user: z.looseObject({ id: z.number().int() }) }),
} as const;
