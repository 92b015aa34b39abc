/**
 * Kratos' courier, minus the sending: the recovery and verification messages it would
 * e-mail are kept in memory, served as Kratos' admin API serves them
 * (`GET /admin/courier/messages`, `GET /admin/courier/messages/{id}`), and logged with
 * their code, so a developer reads a code from the log or from that endpoint.
 */
import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import type { StandinLog } from './index.ts';
import { OryError } from './ory-errors.ts';

export type TemplateType = 'recovery_code_valid' | 'verification_code_valid';

export interface CourierMessage {
  id: string;
  type: 'email';
  channel: 'email';
  status: 'sent';
  recipient: string;
  subject: string;
  body: string;
  template_type: TemplateType;
  send_count: number;
  dispatches: [];
  created_at: string;
  updated_at: string;
}

export class Courier {
  private readonly messages: CourierMessage[] = [];

  constructor(
    private readonly log: StandinLog,
    private readonly clock: () => Date,
  ) {}

  send(m: { recipient: string; subject: string; body: string; template_type: TemplateType; code: string }): CourierMessage {
    const now = this.clock().toISOString();
    const { code, ...content } = m;
    const message: CourierMessage = { id: randomUUID(), type: 'email', channel: 'email', status: 'sent', ...content, send_count: 1, dispatches: [], created_at: now, updated_at: now };
    this.messages.push(message);
    this.log.info({ recipient: m.recipient, template_type: m.template_type, code, courier_message_id: message.id }, `Ory stand-in courier (not sent): ${m.template_type} to ${m.recipient}, code ${code}`);
    return message;
  }

  routes(): Router {
    const router = Router();
    router.get('/admin/courier/messages', (req, res) => {
      const { recipient, status } = req.query;
      const found = this.messages.filter((m) => (typeof recipient !== 'string' || m.recipient === recipient) && (typeof status !== 'string' || m.status === status));
      res.json([...found].reverse());
    });
    router.get('/admin/courier/messages/:id', (req, res) => {
      const found = this.messages.find((m) => m.id === req.params.id);
      if (!found) throw new OryError(404, { message: 'Unable to locate the resource' });
      res.json(found);
    });
    return router;
  }
}
