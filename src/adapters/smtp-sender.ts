// The only file that imports nodemailer: sends one outbox row with its own Message-ID and reports
// the SMTP reply code so the outbox can tell transient from permanent failures.
import nodemailer from 'nodemailer';
import { certificateProblem } from '../domain/tls-failure.js';
import type { MailSender, OutgoingMail, SendResult } from '../ports.js';

/** How to reach the relay that sends every mail (`mailbox.smtp` in the configuration fits it). */
export interface SmtpServer {
  readonly host: string;
  readonly port: number;
  /** TLS from the first byte (465); false: STARTTLS when the server offers it (587, 25). */
  readonly secure: boolean;
  readonly user?: string | undefined;
  readonly password?: string | undefined;
  /** Seconds to wait for the server before the attempt counts as a transient failure. */
  readonly timeoutSeconds: number;
  readonly tls: { readonly acceptUnverifiedCertificate: boolean };
}

export function createSmtpSender(smtp: SmtpServer): MailSender {
  const transport = nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    auth: smtp.user ? { user: smtp.user, pass: smtp.password ?? '' } : undefined,
    pool: true,
    maxConnections: 4,
    connectionTimeout: smtp.timeoutSeconds * 1000,
    greetingTimeout: smtp.timeoutSeconds * 1000,
    socketTimeout: smtp.timeoutSeconds * 1000,
    // STARTTLS is used whenever offered, and the certificate is checked (whether the connection
    // starts with TLS or upgrades to it), unless the configuration accepts an unverified one.
    tls: { rejectUnauthorized: !smtp.tls.acceptUnverifiedCertificate },
  });
  return {
    async send(mail: OutgoingMail): Promise<SendResult> {
      try {
        const info = await transport.sendMail({
          messageId: `<${mail.messageId}>`,
          from: { name: mail.from.name, address: mail.from.address },
          // One recipient, never a list: the address was checked when queued, and the envelope is
          // given so that nodemailer does not read commas or groups into it.
          to: { name: '', address: mail.to },
          envelope: { from: mail.from.address, to: [mail.to] },
          ...(mail.replyTo ? { replyTo: mail.replyTo } : {}),
          subject: mail.subject,
          text: mail.text,
          html: mail.html,
          headers: mail.headers,
          textEncoding: 'quoted-printable',
          ...(mail.attachments?.length
            ? {
                attachments: mail.attachments.map((a) => ({
                  filename: a.filename,
                  content: a.contentBase64,
                  encoding: 'base64',
                  contentType: a.contentType,
                  ...(a.cid ? { cid: a.cid } : {}),
                })),
              }
            : {}),
        });
        return { ok: true, response: String(info.response ?? '') };
      } catch (error) {
        const e = error as { responseCode?: number; code?: string; message?: string };
        return { ok: false, responseCode: e.responseCode, code: e.code, message: describeSmtpError(error) };
      }
    },
    async verify() {
      try {
        await transport.verify();
      } catch (error) {
        throw Object.assign(new Error(describeSmtpError(error), { cause: error }), {
          code: (error as { code?: string }).code,
        });
      }
    },
    close() {
      transport.close();
    },
  };
}

/** The error's text; a refused certificate says so and names the key that would accept it. */
function describeSmtpError(error: unknown): string {
  const e = error as { message?: string; originalCode?: string; code?: string };
  const problem = certificateProblem(e.originalCode ?? e.code, e.message);
  if (problem)
    return (
      `TLS certificate of the SMTP server refused: ${problem} — for a local relay you control with a ` +
      `self-signed certificate, set mailbox.smtp.tls.acceptUnverifiedCertificate: true`
    );
  return e.message ?? String(error);
}
