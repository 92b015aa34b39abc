import nodemailer from 'nodemailer';
import type { Mailer } from './sender.ts';

/**
 * E-mail through SMTP (nodemailer): the one place this capability talks to a mail server.
 * `url` is e.g. `smtps://user:pass@mail.example:465`; `from` the sender shown to people.
 */
export function createSmtpMailer(opts: { url: string; from: string; timeoutMs?: number }): Mailer {
  const transport = nodemailer.createTransport(opts.url, {
    connectionTimeout: opts.timeoutMs ?? 10_000,
    greetingTimeout: opts.timeoutMs ?? 10_000,
    socketTimeout: opts.timeoutMs ?? 20_000,
  } as never);
  return {
    async send(mail) {
      const info = await transport.sendMail({ from: opts.from, to: mail.to, subject: mail.subject, text: mail.text });
      return { id: String(info.messageId) };
    },
  };
}
