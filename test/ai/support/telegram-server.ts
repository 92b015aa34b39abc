/**
 * A local Telegram Bot API: `POST /bot<token>/sendMessage` with `{chat_id, text}`, answered
 * as Telegram does (`{ok: true, result: {message_id, chat, date, text}}`, or `{ok: false,
 * error_code, description, parameters?}`). A test can make the next calls fail.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';

export interface SentMessage {
  chat_id: string;
  text: string;
  message_id: number;
}

export interface TelegramServer {
  url: string;
  token: string;
  messages: SentMessage[];
  /** Next responses: a status code (500, 429 with retry_after 0) or 'drop' (connection closed). */
  failNext: (number | 'drop')[];
  close(): Promise<void>;
}

export async function startTelegramServer(token = '123456:TEST-token'): Promise<TelegramServer> {
  const app = express();
  app.use(express.json());
  const state: TelegramServer = { url: '', token, messages: [], failNext: [], close: async () => {} };
  let nextId = 100;

  app.use((req, res) => {
    const m = /^\/bot([^/]+)\/sendMessage$/.exec(req.path);
    if (req.method !== 'POST' || !m) {
      res.status(404).json({ ok: false, error_code: 404, description: 'Not Found' });
      return;
    }
    if (m[1] !== token) {
      res.status(401).json({ ok: false, error_code: 401, description: 'Unauthorized' });
      return;
    }
    const failure = state.failNext.shift();
    if (failure === 'drop') {
      req.socket.destroy();
      return;
    }
    if (failure === 429) {
      res.status(429).json({ ok: false, error_code: 429, description: 'Too Many Requests: retry after 0', parameters: { retry_after: 0 } });
      return;
    }
    if (failure) {
      res.status(failure).json({ ok: false, error_code: failure, description: failure === 400 ? 'Bad Request: chat not found' : 'Internal Server Error' });
      return;
    }
    const { chat_id, text } = req.body as { chat_id: string | number; text: string };
    if (!text) {
      res.status(400).json({ ok: false, error_code: 400, description: 'Bad Request: message text is empty' });
      return;
    }
    const message_id = nextId++;
    state.messages.push({ chat_id: String(chat_id), text, message_id });
    res.json({ ok: true, result: { message_id, from: { id: 1, is_bot: true, first_name: 'School' }, chat: { id: Number(chat_id), type: 'private' }, date: Math.floor(Date.now() / 1000), text } });
  });

  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () => new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
  return state;
}
