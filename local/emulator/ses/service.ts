// The emulator's Amazon SES v2, without HTTP: email identities (addresses and domains) and
// whether each is verified, the mail it accepted, and its sending rate. Facts it follows:
// docs/ses-facts.md. Verification is local: an identity starts PENDING as in AWS, and the
// control API (or `autoVerify`) plays the owner who clicks the link in AWS's email.

import { randomBytes, randomUUID } from 'node:crypto';
import { alreadyExists, badRequest, messageRejected, notFound, tooManyRequests } from './errors.ts';
import { parseRawMessage } from './raw-message.ts';

export interface SesSettings {
  /** New identities are verified at once (no PENDING step). */
  autoVerify: boolean;
  /** Recipients accepted per second (SES's "maximum send rate"); null: unlimited. */
  maxSendRate: number | null;
  /** Sandbox: recipients must be verified identities too. Default: production access. */
  sandbox: boolean;
}

export const DEFAULT_SES_SETTINGS: SesSettings = {
  autoVerify: false,
  maxSendRate: null,
  sandbox: false,
};

export interface EmailIdentity {
  name: string;
  type: 'EMAIL_ADDRESS' | 'DOMAIN';
  verified: boolean;
  tags: { Key: string; Value: string }[];
  /** DKIM tokens a domain identity publishes as CNAMEs. */
  dkimTokens: string[];
}

/** One accepted message, as `GET /_emulator/mail` shows it. */
export interface SentMail {
  id: string;
  from: string;
  to: string[];
  cc: string[];
  bcc: string[];
  replyTo: string[];
  subject: string;
  text?: string;
  html?: string;
  /** When SES accepted it (ISO date-time, emulator clock). */
  at: string;
}

export class SesService {
  settings: SesSettings;
  /** By lower-cased name: SES identities do not differ by case. */
  private identities = new Map<string, EmailIdentity>();
  private mail: SentMail[] = [];
  private sendBucket?: SendBucket;

  constructor(private readonly initial: Partial<SesSettings> = {}) {
    this.settings = { ...DEFAULT_SES_SETTINGS, ...initial };
  }

  reset(): void {
    this.settings = { ...DEFAULT_SES_SETTINGS, ...this.initial };
    this.identities.clear();
    this.mail = [];
    this.sendBucket = undefined;
  }

  configure(changes: Partial<SesSettings>): SesSettings {
    const next = { ...this.settings, ...changes };
    if (next.maxSendRate !== null && !(next.maxSendRate > 0)) {
      throw new Error('maxSendRate must be a positive number or null');
    }
    this.settings = next;
    this.sendBucket = undefined;
    return this.settings;
  }

  createIdentity(
    name: unknown,
    tags: unknown = [],
    options: { verified?: boolean } = {},
  ): EmailIdentity {
    if (typeof name !== 'string' || name === '') throw badRequest('Identity must be specified.');
    const type = identityType(name);
    if (this.identities.has(name.toLowerCase())) {
      // AWS's own wording, grammar included (docs/ses-facts.md §3).
      throw alreadyExists(`Email identity ${name} already exist.`);
    }
    const identity: EmailIdentity = {
      name,
      type,
      verified: options.verified ?? this.settings.autoVerify,
      tags: Array.isArray(tags) ? (tags as EmailIdentity['tags']) : [],
      dkimTokens: type === 'DOMAIN' ? [0, 1, 2].map(() => randomBytes(16).toString('hex')) : [],
    };
    this.identities.set(name.toLowerCase(), identity);
    return identity;
  }

  getIdentity(name: string): EmailIdentity {
    const identity = this.identities.get(name.toLowerCase());
    if (!identity) throw notFound(`Email identity ${name} does not exist.`);
    return identity;
  }

  deleteIdentity(name: string): void {
    this.getIdentity(name);
    this.identities.delete(name.toLowerCase());
  }

  listIdentities(): EmailIdentity[] {
    return [...this.identities.values()];
  }

  /** What the address owner's click on AWS's verification link does. */
  verify(name: string): EmailIdentity {
    const identity = this.getIdentity(name);
    identity.verified = true;
    return identity;
  }

  messages(): SentMail[] {
    return this.mail.map((m) => ({ ...m }));
  }

  clearMail(): void {
    this.mail = [];
  }

  /**
   * SendEmail: validates the request, checks the sender (and, in the sandbox, the recipients)
   * against verified identities, takes the sending rate, and keeps the message.
   * `region` names the region in the refusal, as SES does.
   */
  send(request: unknown, region: string, now: Date): SentMail {
    const message = parseSendRequest(request);
    const unverified = [
      message.from,
      ...(this.settings.sandbox ? recipientsOf(message) : []),
    ].filter((address) => !this.isVerified(address));
    if (unverified.length > 0) {
      throw messageRejected(
        `Email address is not verified. The following identities failed the check in region ${region.toUpperCase()}: ${unverified.join(', ')}`,
      );
    }
    if (this.settings.maxSendRate !== null) {
      this.sendBucket ??= new SendBucket(this.settings.maxSendRate, Date.now());
      if (!this.sendBucket.take(recipientsOf(message).length, Date.now())) throw tooManyRequests();
    }
    const sent: SentMail = { id: messageId(now), at: now.toISOString(), ...message };
    this.mail.push(sent);
    return sent;
  }

  /** An address passes when it, or its domain, is a verified identity. */
  private isVerified(address: string): boolean {
    const bare = bareAddress(address).toLowerCase();
    const domain = bare.slice(bare.lastIndexOf('@') + 1);
    return Boolean(this.identities.get(bare)?.verified || this.identities.get(domain)?.verified);
  }
}

/**
 * SES's sending rate counts recipients, and a message is let through while any quota is left,
 * the balance then going negative until it refills (docs/ses-facts.md §5).
 */
class SendBucket {
  private tokens: number;
  constructor(
    private readonly rate: number,
    private last: number,
  ) {
    this.tokens = rate;
  }
  take(recipients: number, now: number): boolean {
    this.tokens = Math.min(this.rate, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= recipients;
    return true;
  }
}

type MessageFields = Omit<SentMail, 'id' | 'at'>;

const EMAIL = /^[^\s@<>()",;]+@[^\s@<>()",;]+\.[^\s@<>()",;]+$/;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,}$/i;

function identityType(name: string): EmailIdentity['type'] {
  if (name.includes('@')) {
    if (!EMAIL.test(name)) throw badRequest(`Invalid email address ${name}.`);
    return 'EMAIL_ADDRESS';
  }
  if (!DOMAIN.test(name)) throw badRequest(`Invalid domain name ${name}.`);
  return 'DOMAIN';
}

/** `Name <a@b>` → `a@b`. */
export function bareAddress(address: string): string {
  return /<([^<>]*)>\s*$/.exec(address)?.[1]?.trim() ?? address.trim();
}

function recipientsOf(m: Pick<MessageFields, 'to' | 'cc' | 'bcc'>): string[] {
  return [...m.to, ...m.cc, ...m.bcc];
}

/** SES message ids: 16 hex digits (time in ms after a 4-digit prefix), a UUID, a sequence. */
function messageId(now: Date): string {
  return `0100${now.getTime().toString(16).padStart(12, '0')}-${randomUUID()}-000000`;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function addressList(value: unknown, field: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((a) => typeof a !== 'string')) {
    throw badRequest(`${field} must be a list of email addresses.`);
  }
  for (const address of value as string[]) {
    if (!EMAIL.test(bareAddress(address))) throw badRequest('Illegal address');
  }
  return value as string[];
}

function contentData(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value) || typeof value.Data !== 'string') {
    throw badRequest(`${field}.Data must be specified.`);
  }
  return value.Data;
}

/** The request body of SendEmail, checked as SES checks it, reduced to what we keep. */
function parseSendRequest(body: unknown): MessageFields {
  if (!isObject(body)) throw badRequest('Request body must be a JSON object.');
  const destination = isObject(body.Destination) ? body.Destination : {};
  const content = body.Content;
  if (!isObject(content)) throw badRequest('Content must be specified.');
  const kinds = ['Simple', 'Raw', 'Template'].filter((k) => content[k] !== undefined);
  if (kinds.length !== 1) {
    throw badRequest('Exactly one of Simple, Raw or Template content must be specified.');
  }
  if (content.Template !== undefined) throw badRequest('Template content is not emulated.');

  const addresses = {
    to: addressList(destination.ToAddresses, 'ToAddresses'),
    cc: addressList(destination.CcAddresses, 'CcAddresses'),
    bcc: addressList(destination.BccAddresses, 'BccAddresses'),
    replyTo: addressList(body.ReplyToAddresses, 'ReplyToAddresses'),
  };
  const fromField = body.FromEmailAddress;
  if (fromField !== undefined && typeof fromField !== 'string') {
    throw badRequest('FromEmailAddress must be a string.');
  }

  if (content.Raw !== undefined) {
    if (!isObject(content.Raw) || typeof content.Raw.Data !== 'string') {
      throw badRequest('Raw.Data must be specified.');
    }
    const raw = parseRawMessage(Buffer.from(content.Raw.Data, 'base64').toString('utf8'));
    const from = fromField ?? raw.from;
    if (!from) throw badRequest("Missing required header 'From'.");
    const message = {
      from,
      to: addresses.to.length ? addresses.to : raw.to,
      cc: addresses.cc.length ? addresses.cc : raw.cc,
      bcc: addresses.bcc,
      replyTo: addresses.replyTo,
      subject: raw.subject ?? '',
      text: raw.text,
      html: raw.html,
    };
    if (recipientsOf(message).length === 0) throw badRequest('Missing final recipient.');
    return message;
  }

  const simple = content.Simple;
  if (!isObject(simple)) throw badRequest('Simple must be an object.');
  if (!fromField) throw badRequest('FromEmailAddress must be specified.');
  if (!EMAIL.test(bareAddress(fromField))) throw badRequest('Illegal address');
  if (recipientsOf(addresses).length === 0) {
    throw badRequest('Destination must contain at least one address.');
  }
  const subject = contentData(simple.Subject, 'Subject');
  if (subject === undefined) throw badRequest('Subject must be specified.');
  const bodyParts = isObject(simple.Body) ? simple.Body : {};
  const text = contentData(bodyParts.Text, 'Body.Text');
  const html = contentData(bodyParts.Html, 'Body.Html');
  if (text === undefined && html === undefined) {
    throw badRequest('Body must contain Text or Html.');
  }
  return { from: fromField, ...addresses, subject, text, html };
}
