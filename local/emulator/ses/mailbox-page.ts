// The mailbox page (`GET /_emulator/mailbox`): what an invited employee would find in their
// inbox, for a newcomer running `npm start`. Plain server-rendered HTML with no script and no
// external resource: a list of messages, newest first, each a link (?id=) that shows it below.
// Every value is escaped; a message's HTML body goes in a sandboxed `srcdoc` iframe without
// scripts, whose links open in a new tab (`<base target="_blank">` + allow-popups). Posts to the
// emulator's chat webhook (the reminders' digest) follow, as text.

import type { ChatPost } from '../chat.ts';
import type { SentMail } from './service.ts';

export function mailboxPage(
  messages: SentMail[],
  selectedId?: string,
  chatPosts: ChatPost[] = [],
): string {
  const newestFirst = [...messages].reverse();
  const selected = newestFirst.find((m) => m.id === selectedId) ?? newestFirst[0];
  const items = newestFirst
    .map((m) => {
      const current = m.id === selected?.id ? ' aria-current="true"' : '';
      return (
        `<li><a href="?id=${encodeURIComponent(m.id)}"${current}>` +
        `<span class="subject">${escapeHtml(m.subject || '(no subject)')}</span></a>` +
        `<span class="meta">From ${escapeHtml(m.from)} to ${escapeHtml(recipients(m))}, ` +
        `<time datetime="${escapeHtml(m.at)}">${escapeHtml(m.at)}</time></span></li>`
      );
    })
    .join('');
  const list =
    newestFirst.length === 0
      ? '<p>No mail yet. Mail the service sends through the emulator’s SES appears here.</p>'
      : `<ol class="messages">${items}</ol>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Emulator mailbox (${newestFirst.length})</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>Emulator mailbox</h1>
<p>Mail accepted by the local SES emulator. Nothing is delivered. <a href="">Refresh</a></p></header>
<main>
<section aria-labelledby="list-heading"><h2 id="list-heading">Messages, newest first (${newestFirst.length})</h2>${list}</section>
${selected ? messageSection(selected) : ''}
${chatPosts.length ? chatSection(chatPosts) : ''}
</main>
</body>
</html>
`;
}

function messageSection(m: SentMail): string {
  const rows: [string, string][] = [
    ['From', m.from],
    ['To', m.to.join(', ')],
    ...(m.cc.length ? ([['Cc', m.cc.join(', ')]] as [string, string][]) : []),
    ...(m.bcc.length ? ([['Bcc', m.bcc.join(', ')]] as [string, string][]) : []),
    ['Date', m.at],
    ['Message ID', m.id],
  ];
  const html =
    m.html === undefined
      ? ''
      : `<h3>HTML body</h3><iframe title="HTML body of ${escapeHtml(m.subject)}" ` +
        'sandbox="allow-popups allow-popups-to-escape-sandbox" ' +
        `srcdoc="${escapeHtml(`<base target="_blank">${m.html}`)}"></iframe>`;
  const text =
    m.text === undefined ? '' : `<h3>Plain-text body</h3><pre>${escapeHtml(m.text)}</pre>`;
  return `<section aria-labelledby="message-heading"><h2 id="message-heading">${escapeHtml(m.subject || '(no subject)')}</h2>
<dl>${rows.map(([k, v]) => `<dt>${k}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl>
${html}${text}</section>`;
}

/** What the digest posted to the emulator's chat webhook (../chat.ts), newest first. */
function chatSection(posts: ChatPost[]): string {
  const items = [...posts]
    .reverse()
    .map(
      (p) =>
        `<li><time datetime="${escapeHtml(p.at)}">${escapeHtml(p.at)}</time><pre>${escapeHtml(p.text)}</pre></li>`,
    )
    .join('');
  return `<section aria-labelledby="chat-heading"><h2 id="chat-heading">Chat webhook posts, newest first (${posts.length})</h2><ol class="messages">${items}</ol></section>`;
}

const recipients = (m: SentMail) => [...m.to, ...m.cc, ...m.bcc].join(', ');

export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const STYLE = `
body{font-family:system-ui,sans-serif;margin:0 auto;max-width:60rem;padding:1rem;line-height:1.5;color:#1a1a1a}
a{color:#0645ad}a:focus-visible{outline:3px solid #0645ad;outline-offset:2px}
.messages{list-style:none;padding:0}.messages li{border-bottom:1px solid #ccc;padding:.5rem 0}
.messages a{display:block;font-weight:600}.messages a[aria-current]{color:#1a1a1a;text-decoration:none}
.messages a[aria-current]::before{content:"▶ "}.meta{color:#444;font-size:.9rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}dt{font-weight:600}dd{margin:0;overflow-wrap:anywhere}
iframe{width:100%;min-height:24rem;border:1px solid #888;background:#fff}
pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f4f4f4;padding:.75rem;border:1px solid #ccc}
`;
