import axios, { type AxiosInstance } from 'axios';

/**
 * Every call to the Telegram Bot API is here: `POST {apiUrl}/bot{token}/sendMessage` with
 * `{chat_id, text}`, answered `{ok: true, result: {message_id, ...}}` or
 * `{ok: false, error_code, description, parameters?: {retry_after}}`.
 */
export interface TelegramClient {
  sendMessage(chatId: string, text: string): Promise<{ messageId: string }>;
}

export class DeliveryError extends Error {
  constructor(message: string, readonly permanent: boolean, readonly retryAfterMs: number | null = null) {
    super(message);
    this.name = 'DeliveryError';
  }
}

const MAX_TEXT = 4096;

export function createTelegramClient(opts: { apiUrl: string; botToken: string; timeoutMs?: number; http?: AxiosInstance }): TelegramClient {
  const http = opts.http ?? axios.create({ timeout: opts.timeoutMs ?? 10_000, validateStatus: () => true });
  const url = `${opts.apiUrl.replace(/\/+$/, '')}/bot${opts.botToken}/sendMessage`;
  return {
    async sendMessage(chatId, text) {
      let response;
      try {
        response = await http.post(url, { chat_id: chatId, text: text.slice(0, MAX_TEXT) });
      } catch (e) {
        throw new DeliveryError(`telegram unreachable: ${(e as Error).message}`, false);
      }
      const body = response.data as { ok?: boolean; result?: { message_id?: number }; error_code?: number; description?: string; parameters?: { retry_after?: number } };
      if (response.status === 200 && body?.ok === true && body.result?.message_id !== undefined) {
        return { messageId: String(body.result.message_id) };
      }
      const code = body?.error_code ?? response.status;
      const description = `telegram ${code}: ${body?.description ?? 'unexpected response'}`;
      if (code === 429) throw new DeliveryError(description, false, (body?.parameters?.retry_after ?? 1) * 1000);
      // 400 (chat not found, text empty), 401 (bad token), 403 (bot blocked): retrying does not help.
      throw new DeliveryError(description, code >= 400 && code < 500);
    },
  };
}
