// Just enough MIME to read a SendEmail `Content.Raw` message back into the mailbox: the
// From/To/Cc/Subject headers (with RFC 2047 encoded words) and the first text/plain and
// text/html parts, through nested multiparts, base64 and quoted-printable. Attachments are
// skipped: the mailbox shows what a person reads.

export interface RawMessage {
  from?: string;
  to: string[];
  cc: string[];
  subject?: string;
  text?: string;
  html?: string;
}

export function parseRawMessage(source: string): RawMessage {
  const { headers, body } = splitEntity(source);
  const found: { text?: string; html?: string } = {};
  collectParts(headers, body, found);
  const list = (name: string) =>
    (headers.get(name) ?? '')
      .split(',')
      .map((a) => decodeWords(a).trim())
      .filter(Boolean);
  const subject = headers.get('subject');
  const from = headers.get('from');
  return {
    from: from === undefined ? undefined : decodeWords(from).trim(),
    to: list('to'),
    cc: list('cc'),
    subject: subject === undefined ? undefined : decodeWords(subject),
    ...found,
  };
}

function splitEntity(source: string): { headers: Map<string, string>; body: string } {
  const normal = source.replace(/\r\n/g, '\n');
  const end = normal.indexOf('\n\n');
  const head = end === -1 ? normal : normal.slice(0, end);
  const body = end === -1 ? '' : normal.slice(end + 2);
  const headers = new Map<string, string>();
  for (const line of head.replace(/\n[ \t]+/g, ' ').split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0)
      headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body };
}

function collectParts(
  headers: Map<string, string>,
  body: string,
  found: { text?: string; html?: string },
): void {
  const type = headers.get('content-type') ?? 'text/plain';
  const mediaType = type.split(';')[0]?.trim().toLowerCase() ?? 'text/plain';
  if (mediaType.startsWith('multipart/')) {
    const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
    if (!boundary) return;
    const parts = body.split(`--${boundary}`).slice(1);
    for (const part of parts) {
      if (part.startsWith('--')) break;
      // The line break before a boundary belongs to the boundary (RFC 2046 §5.1.1).
      const entity = splitEntity(part.replace(/^\n/, '').replace(/\n$/, ''));
      collectParts(entity.headers, entity.body, found);
    }
    return;
  }
  if (/attachment/i.test(headers.get('content-disposition') ?? '')) return;
  const key = mediaType === 'text/html' ? 'html' : mediaType === 'text/plain' ? 'text' : undefined;
  if (!key || found[key] !== undefined) return;
  found[key] = decodeBody(body, headers.get('content-transfer-encoding'));
}

function decodeBody(body: string, encoding: string | undefined): string {
  switch (encoding?.toLowerCase()) {
    case 'base64':
      return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
    case 'quoted-printable':
      return quotedPrintable(body.replace(/=\n/g, ''));
    default:
      return body;
  }
}

function quotedPrintable(text: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const hex = text.slice(i + 1, i + 3);
    if (text[i] === '=' && /^[0-9A-F]{2}$/i.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(text[i] as string, 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** RFC 2047: `=?UTF-8?B?...?=` and `=?UTF-8?Q?...?=` (UTF-8 and ASCII charsets only). */
function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(
      /=\?([^?]+)\?([BQ])\?([^?]*)\?=/gi,
      (_, _charset: string, kind: string, data: string) =>
        kind.toUpperCase() === 'B'
          ? Buffer.from(data, 'base64').toString('utf8')
          : quotedPrintable(data.replace(/_/g, ' ')),
    );
}
