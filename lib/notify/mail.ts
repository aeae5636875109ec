/**
 * Sends a summary by email with nodemailer (SMTP_HOST, SMTP_PORT, SMTP_SECURE, SMTP_USER,
 * SMTP_PASS, MAIL_FROM, MAIL_TO), or — as a dry run, and whenever SMTP is not configured —
 * writes the message as an .eml and an .html file to data/outbox/. A failure is reported with a
 * clear error and never touches ingestion (this runs apart from the pipelines).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import nodemailer from "nodemailer";
import { StreamlabError, messageOf } from "../errors";
import { dataPath } from "../util/paths";

export interface MailMessage {
  subject: string;
  html: string;
  text: string;
}

export interface SmtpSettings {
  host: string;
  port: number;
  secure: boolean;
  user?: string;
  pass?: string;
  from: string;
  to: string;
}

/** SMTP settings from the environment, or undefined when SMTP_HOST is not set. */
export function smtpFromEnv(env: NodeJS.ProcessEnv = process.env): SmtpSettings | undefined {
  if (!env.SMTP_HOST) return undefined;
  const port = Number(env.SMTP_PORT ?? 587);
  if (!Number.isInteger(port) || port <= 0) throw new StreamlabError("INVALID_OPTION", `SMTP_PORT must be a port number, got "${env.SMTP_PORT}".`);
  if (!env.MAIL_TO) throw new StreamlabError("INVALID_OPTION", "MAIL_TO is not set: whom should the summary go to?", { hint: "Set MAIL_TO (and MAIL_FROM) with SMTP_HOST." });
  return {
    host: env.SMTP_HOST,
    port,
    secure: env.SMTP_SECURE === "true" || env.SMTP_SECURE === "1",
    user: env.SMTP_USER || undefined,
    pass: env.SMTP_PASS || undefined,
    from: env.MAIL_FROM ?? "streamlab@localhost",
    to: env.MAIL_TO,
  };
}

/** Writes the message as <stamp>-<name>.eml and .html into `outbox`; returns both paths. */
export async function writeToOutbox(msg: MailMessage, options: { outbox?: string; from?: string; to?: string; name?: string } = {}): Promise<{ eml: string; html: string }> {
  const outbox = options.outbox ?? dataPath("outbox");
  fs.mkdirSync(outbox, { recursive: true });
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace(".", "-");
  const base = path.join(outbox, `${stamp}-${options.name ?? "summary"}`);
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: "unix" });
  const info = await transport.sendMail({ from: options.from ?? process.env.MAIL_FROM ?? "streamlab@localhost", to: options.to ?? process.env.MAIL_TO ?? "you@localhost", subject: msg.subject, text: msg.text, html: msg.html });
  fs.writeFileSync(`${base}.eml`, info.message as Buffer);
  fs.writeFileSync(`${base}.html`, msg.html);
  return { eml: `${base}.eml`, html: `${base}.html` };
}

export async function sendMail(msg: MailMessage, smtp: SmtpSettings): Promise<string> {
  const transport = nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    auth: smtp.user ? { user: smtp.user, pass: smtp.pass ?? "" } : undefined,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    tls: { rejectUnauthorized: process.env.SMTP_TLS_REJECT_UNAUTHORIZED !== "false" },
  });
  try {
    const info = await transport.sendMail({ from: smtp.from, to: smtp.to, subject: msg.subject, text: msg.text, html: msg.html });
    return info.messageId;
  } catch (e) {
    throw new StreamlabError("SMTP_ERROR", `Sending the summary through ${smtp.host}:${smtp.port} failed: ${messageOf(e).replaceAll(smtp.pass ?? "\u0000", "***")}.`, {
      hint: "Check SMTP_HOST, SMTP_PORT, SMTP_SECURE and the credentials, or use --dry-run to write the message to data/outbox/ instead.",
      cause: e,
    });
  } finally {
    transport.close();
  }
}

/** What deliverSummary did: sent through SMTP, or written to the outbox (and why). */
export type Delivery = { sent: true; messageId: string; to: string; via: string } | { sent: false; reason: "dry run" | "SMTP_HOST is not set"; eml: string; html: string };

/**
 * The e-mail script's delivery, shared with the users feed: through SMTP when SMTP_HOST is set and
 * this is not a dry run, else (a dry run) an .eml and an .html in the outbox.
 */
export async function deliverSummary(msg: MailMessage, options: { dryRun?: boolean; outbox?: string; name?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Delivery> {
  const smtp = options.dryRun ? undefined : smtpFromEnv(options.env);
  if (!smtp) {
    const files = await writeToOutbox(msg, { outbox: options.outbox, name: options.name });
    return { sent: false, reason: options.dryRun ? "dry run" : "SMTP_HOST is not set", ...files };
  }
  const messageId = await sendMail(msg, smtp);
  return { sent: true, messageId, to: smtp.to, via: `${smtp.host}:${smtp.port}` };
}

/** One line saying where a summary went. */
export function describeDelivery(d: Delivery, subject: string): string {
  return d.sent ? `sent "${subject}" to ${d.to} via ${d.via} (${d.messageId})` : `${d.reason}: wrote ${d.eml} and ${d.html}`;
}
