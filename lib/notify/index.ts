/** E-mail summaries of Delta tables: the summary, and its delivery (SMTP, or an .eml in the outbox). */
export { summarizeTable, type TableSummary } from "./summary";
export { deliverSummary, describeDelivery, sendMail, smtpFromEnv, writeToOutbox, type Delivery, type MailMessage, type SmtpSettings } from "./mail";
