// `npm run reminders` against `npm start`'s stack, as its start-up lines tell a newcomer to run
// it: a real child process with that environment (local/reminders.ts). One run emails a new
// employee who has an address and no link, renews a link about to expire, and posts the digest
// to the emulator's chat webhook; a second run sends nothing and posts nothing (the digest day
// is kept on the role's tags).

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, localRemindersEnv, startLocalStack } from '../../local/dev-stack.ts';

const run = promisify(execFile);

describe('npm run reminders against npm start', () => {
  let stack: LocalStack;

  beforeAll(async () => {
    stack = await startLocalStack({ env: { PORT: '0' }, write: () => {} });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const reminders = async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'local/reminders.ts'], {
      env: {
        PATH: process.env.PATH,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        ...localRemindersEnv(stack),
      },
      timeout: 60_000,
    });
    return stdout;
  };
  const emulatorJson = async <T>(path: string): Promise<T> =>
    (await (await fetch(`${stack.emulator?.url}/_emulator/${path}`)).json()) as T;

  it('invites by email, renews a link about to expire, posts the digest, and a second run sends nothing twice', async () => {
    // npm start itself issues a link for the first demo employee: that one is pending. The
    // second's link expires within a day.
    await stack.issueInvitation('tanaka.hanako');
    await stack.issueInvitation('sato.taro', 12);
    await stack.emulator?.emulator.seed({
      users: [{ name: 'kato.new', tags: [{ key: 'email', value: 'kato.new@example.com' }] }],
    });

    const first = await reminders();
    expect(first).toContain('lease and digest day on the role mfa-onboarding-reminders');
    expect(first).toMatch(/Invited 1, renewed 1, failed 0/);
    const mail = await emulatorJson<{ messages: { to: string[]; text: string }[] }>('mail');
    expect(mail.messages.map((m) => m.to[0]).sort()).toEqual([
      'kato.new@example.com',
      'sato.taro@example.com',
    ]);
    for (const m of mail.messages)
      expect(m.text).toMatch(new RegExp(`${stack.config.publicBaseUrl}/onboard#`));
    const chat = await emulatorJson<{ posts: { text: string }[] }>('chat');
    expect(chat.posts).toHaveLength(1);
    expect(chat.posts[0]?.text).toMatch(/MFA/);
    // The digest names no link and no full address.
    expect(JSON.stringify(chat)).not.toMatch(/onboard#|sato\.taro@|kato\.new@/);

    const second = await reminders();
    expect(second).toMatch(/Invited 0, renewed 0, failed 0/);
    expect((await emulatorJson<{ messages: unknown[] }>('mail')).messages).toHaveLength(2);
    expect((await emulatorJson<{ posts: unknown[] }>('chat')).posts).toHaveLength(1);

    // The mailbox page shows the digest next to the mail.
    const page = await (await fetch(`${stack.emulator?.url}/_emulator/mailbox`)).text();
    expect(page).toContain('Chat webhook posts, newest first (1)');
  }, 120_000);

  it('mails the link npm start prints to its employee, and nothing to one without an address', async () => {
    await fetch(`${stack.emulator?.url}/_emulator/mail`, { method: 'DELETE' });
    const issued = await stack.issueInvitation('tanaka.hanako');
    expect(await stack.mailInvitation(issued)).toBe('t***@example.com');
    const mail = await emulatorJson<{ messages: { to: string[]; text: string }[] }>('mail');
    expect(mail.messages.map((m) => m.to)).toEqual([['tanaka.hanako@example.com']]);
    expect(mail.messages[0]?.text).toContain(issued.url);
    expect(await stack.mailInvitation(await stack.issueInvitation('new-hire'))).toBeUndefined();
    expect((await emulatorJson<{ messages: unknown[] }>('mail')).messages).toHaveLength(1);
  });

  it('answers a chat post as a Slack-compatible webhook does', async () => {
    const post = (body: string) =>
      fetch(`${stack.emulator?.url}/_emulator/chat`, { method: 'POST', body });
    const ok = await post(JSON.stringify({ text: 'hello', blocks: [] }));
    expect([ok.status, await ok.text()]).toEqual([200, 'ok']);
    const noText = await post(JSON.stringify({ blocks: [] }));
    expect([noText.status, await noText.text()]).toEqual([400, 'no_text']);
    const notJson = await post('{');
    expect([notJson.status, await notJson.text()]).toEqual([400, 'invalid_payload']);
  });
});
