import { createHash } from 'node:crypto';
import nodemailer from 'nodemailer';
import type { SendOutcome } from './send.ts';

/** The `alerts.smtp` section of the configuration. */
export interface SmtpConfig {
  /** Null: no e-mail channel. */
  host: string | null;
  port: number;
  tls: 'starttls' | 'implicit' | 'none';
  user: string | null;
  password: string | null;
  from: string;
}

/** What an e-mail row of the outbox holds: the finished message, without its recipient. */
export interface EmailMessage {
  subject: string;
  text: string;
}

/**
 * The outbox channel of an e-mail address: a hash, so the address (personal data) is not in
 * every row, and a row queued for an address that has since been replaced is not sent to the
 * new one. The dispatcher finds the address by this name at send time.
 */
export function emailChannel(address: string): string {
  const hash = createHash('sha256').update(address.toLowerCase()).digest('hex').slice(0, 10);
  return `email:${hash}`;
}

/** Sends one stored e-mail payload to `to`; never rejects. */
export type MailSend = (to: string, payload: string, options: { timeoutMs: number }) => Promise<SendOutcome>;

/** Why e-mail cannot be delivered with this configuration; null when it can. */
export function smtpUnavailableReason(config: SmtpConfig): string | null {
  return config.host === null ? 'no SMTP server is configured (alerts.smtp.host)' : null;
}

/**
 * An SMTP sender over nodemailer, one connection per message (alerts are few, and a pooled
 * connection would outlive a relay's idle timeout between them); null without a host.
 * A 5xx reply (a refused recipient, a refused sender) is permanent; anything else, a 4xx
 * reply, a refused connection or a timeout, is worth another attempt.
 */
export function createSmtpSend(config: SmtpConfig): MailSend | null {
  if (config.host === null) return null;
  const { host, port, tls, user, password, from } = config;
  return async (to, payload, { timeoutMs }) => {
    let message: EmailMessage;
    try {
      message = JSON.parse(payload) as EmailMessage;
    } catch {
      return { kind: 'permanent', error: 'the stored e-mail is not JSON' };
    }
    const transport = nodemailer.createTransport({
      host,
      port,
      secure: tls === 'implicit',
      requireTLS: tls === 'starttls',
      ignoreTLS: tls === 'none',
      ...(user === null ? {} : { auth: { user, pass: password ?? '' } }),
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
    });
    try {
      await transport.sendMail({ from, to, subject: message.subject, text: message.text });
      return { kind: 'delivered', status: 250 };
    } catch (error) {
      const e = error as { responseCode?: number; code?: string; message?: string };
      const detail = [e.code, e.responseCode, e.message].filter((x) => x !== undefined).join(' ');
      const text = `SMTP: ${detail || String(error)}`.slice(0, 300);
      if (typeof e.responseCode === 'number' && e.responseCode >= 500)
        return { kind: 'permanent', error: text };
      return { kind: 'retry', error: text, retryAfterMs: null };
    } finally {
      transport.close();
    }
  };
}
