// The only file that imports nodemailer: sends one outbox row with its own Message-ID and reports
// the SMTP reply code so the outbox can tell transient from permanent failures.
import nodemailer from 'nodemailer';
import type { Config } from '../config/config-schema.js';
import type { MailSender, OutgoingMail, SendResult } from '../ports.js';

export function createSmtpSender(smtp: Config['mailbox']['smtp']): MailSender {
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
    // A local relay without a certificate is common; STARTTLS is used whenever offered.
    tls: { rejectUnauthorized: false },
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
        return { ok: false, responseCode: e.responseCode, code: e.code, message: e.message ?? String(error) };
      }
    },
    async verify() {
      await transport.verify();
    },
    close() {
      transport.close();
    },
  };
}
