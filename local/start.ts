// `npm start`: the whole service locally, against the bundled IAM/STS emulator (or the
// endpoints in AWS_ENDPOINT_URL_IAM / AWS_ENDPOINT_URL_STS), with a ready onboarding link and
// the admin console's address and key.

import { ConfigError } from '../functions/config.ts';
import { DEMO_USERS } from './demo-account.ts';
import { localRemindersEnv, startLocalStack } from './dev-stack.ts';

async function main(): Promise<void> {
  const stack = await startLocalStack();
  const demoUser = DEMO_USERS[0] as string;
  const lines = ['', 'MFA onboarding is running locally.', `  Service:   ${stack.url}`];
  if (stack.emulator) {
    lines.push(
      `  Emulator:  ${stack.emulator.url}  (IAM, STS, SES v2; control API at ${stack.emulator.url}/_emulator/)`,
      `  Mailbox:   ${stack.emulator.url}/_emulator/mailbox  (mail sent through the emulator's SES v2)`,
      `  Account:   ${stack.emulator.emulator.state.accountId}, ${stack.emulator.emulator.state.users.size} demo users; to enrol: ${DEMO_USERS.join(', ')}`,
    );
  }
  try {
    const invitation = await stack.issueInvitation(demoUser);
    const mailedTo = stack.emulator ? await stack.mailInvitation(invitation) : undefined;
    lines.push(
      '',
      `Onboarding link for ${demoUser} (valid until ${invitation.expiresAt.toISOString()}):`,
      `  ${invitation.url}`,
      '',
      'Open it in a browser, scan the QR code with an authenticator app, and type two codes.',
      ...(mailedTo
        ? [`The mail ${demoUser} gets with it (sent to ${mailedTo}) is in the mailbox above.`]
        : []),
    );
  } catch (error) {
    lines.push(
      '',
      `Could not issue a demo invitation for ${demoUser}: ${(error as Error).message}`,
    );
  }
  if (stack.emulator) {
    const env = Object.entries(localRemindersEnv(stack)).map(([k, v]) => `${k}=${v}`);
    lines.push(
      '',
      'Scheduled reminders, one run now (emails links, renews them, posts the digest to the mailbox page):',
      `  ${env.join(' ')} npm run reminders`,
    );
  }
  lines.push(
    '',
    `Admin console: ${stack.url}/admin  (sign in with the key below)`,
    '',
    `Admin API key (all scopes${process.env.API_KEY ? ', from API_KEY' : ', generated for this run; set API_KEY to choose one'}):`,
    `  ${stack.apiKey}`,
    `  curl -H "Authorization: Bearer ${stack.apiKey}" ${stack.url}/v1/compliance/users-without-mfa`,
    `  API description: ${stack.url}/openapi.json`,
    '',
    'Press Ctrl+C to stop.',
    '',
  );
  console.log(lines.join('\n'));

  const stop = () => {
    stack.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? `Configuration error: ${error.message}` : error);
  process.exit(1);
});
