/**
 * Kratos' courier, minus the sending: the recovery and verification messages it would
 * e-mail are rendered from Kratos' built-in templates, kept in memory, served as Kratos'
 * admin API serves them (`GET /admin/courier/messages`, `GET /admin/courier/messages/{id}`),
 * and logged with their code, so a developer reads a code from the log or from that endpoint.
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

/** What a template is rendered from (Kratos' `RecoveryCodeValidModel` / `VerificationCodeValidModel`, the parts they print). */
export interface TemplateModel {
  to: string;
  code: string;
  expires_in_minutes: number;
  /** verification_code_valid: the link that opens the flow with the code filled in. */
  verification_url?: string;
}

/**
 * Kratos' built-in e-mail templates (v26.2.0,
 * courier/template/courier/builtin/templates/{recovery,verification}_code/valid/):
 * `email.subject.gotmpl`, trimmed, and `email.body.plaintext.gotmpl`, which is what
 * Kratos stores as the message's body (courier/smtp.go QueueEmail).
 */
const TEMPLATES: Record<TemplateType, (m: TemplateModel) => { subject: string; body: string }> = {
  recovery_code_valid: (m) => ({
    subject: `Use code ${m.code} to recover access to your account`,
    body: `Recover access to your account by entering the following code:\n\n${m.code}\n\nIf this was not you, do nothing. This code expires in ${m.expires_in_minutes} minutes.\n`,
  }),
  verification_code_valid: (m) => ({
    subject: `Use code ${m.code} to verify your account`,
    body:
      `Verify your account with the following code:\n\n${m.code}\n\nor clicking the following link:\n\n${m.verification_url ?? ''}\n\n` +
      `If this was not you, do nothing. This code / link expires in ${m.expires_in_minutes} minutes.\n`,
  }),
};

export class Courier {
  private readonly messages: CourierMessage[] = [];

  constructor(
    private readonly log: StandinLog,
    private readonly clock: () => Date,
  ) {}

  send(template_type: TemplateType, model: TemplateModel): CourierMessage {
    const now = this.clock().toISOString();
    const message: CourierMessage = {
      id: randomUUID(),
      type: 'email',
      channel: 'email',
      status: 'sent',
      recipient: model.to,
      ...TEMPLATES[template_type](model),
      template_type,
      send_count: 1,
      dispatches: [],
      created_at: now,
      updated_at: now,
    };
    this.messages.push(message);
    this.log.info(
      { recipient: model.to, template_type, code: model.code, courier_message_id: message.id },
      `Ory stand-in courier (not sent): ${template_type} to ${model.to}, code ${model.code}`,
    );
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
