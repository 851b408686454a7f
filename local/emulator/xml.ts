// Minimal XML writer for the AWS Query protocol responses. The emulator only ever writes
// XML (requests are form-encoded), so a builder of escaped strings is all it needs.

export type XmlNode = string;

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ESCAPES[ch] ?? ch);
}

/** An element with escaped text, or with already-built child elements. */
export function el(name: string, content?: string | number | boolean | XmlNode[] | null): XmlNode {
  if (content === undefined || content === null) return '';
  if (Array.isArray(content)) {
    const inner = content.join('');
    return inner === '' ? `<${name}/>` : `<${name}>${inner}</${name}>`;
  }
  return `<${name}>${escapeXml(String(content))}</${name}>`;
}

/** A list in the Query protocol's shape: `<Name><member>…</member>…</Name>`; `<Name/>` when empty. */
export function list(name: string, members: XmlNode[][]): XmlNode {
  if (members.length === 0) return `<${name}/>`;
  return `<${name}>${members.map((m) => `<member>${m.join('')}</member>`).join('')}</${name}>`;
}

/** AWS timestamps: RFC 3339 in UTC, whole seconds (`2013-06-08T03:20:41Z`). */
export function isoSeconds(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}
