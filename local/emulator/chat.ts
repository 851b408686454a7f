// A chat webhook for local runs: the reminders' digest goes to DIGEST_WEBHOOK_URL, and pointed at
// `<emulator>/_emulator/chat` it lands here, where the mailbox page shows it next to the mail.
// It takes what a Slack-compatible incoming webhook takes (`{"text", "blocks"?}`) and answers as
// Slack's does: 200 `ok`, or 400 `invalid_payload` / `no_text` (Slack API docs, "Sending
// messages using incoming webhooks", error handling).

export interface ChatPost {
  at: string;
  text: string;
  blocks?: unknown[];
}

export class ChatInbox {
  private readonly received: ChatPost[] = [];

  /** Keeps a post; answers the error code a webhook would, or undefined when taken. */
  post(body: string, now: Date): 'invalid_payload' | 'no_text' | undefined {
    let payload: unknown;
    try {
      payload = JSON.parse(body);
    } catch {
      return 'invalid_payload';
    }
    if (!payload || typeof payload !== 'object' || Array.isArray(payload)) return 'invalid_payload';
    const { text, blocks } = payload as { text?: unknown; blocks?: unknown };
    if (typeof text !== 'string' || text === '') return 'no_text';
    if (blocks !== undefined && !Array.isArray(blocks)) return 'invalid_payload';
    this.received.push({ at: now.toISOString(), text, ...(blocks ? { blocks } : {}) });
    return undefined;
  }

  /** Oldest first. */
  posts(): ChatPost[] {
    return [...this.received];
  }

  clear(): void {
    this.received.length = 0;
  }
}
