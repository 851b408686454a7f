// `npm run reminders`: one run of the scheduled reminders function (functions/reminders/run.ts),
// here and now, with the same environment variables the function reads (AUTO_INVITE,
// AUTO_INVITE_AFTER_DAYS, SENDER_EMAIL, EMAIL_TAG_KEY, DIGEST_WEBHOOK_URL, REMINDERS_ROLE_NAME,
// PUBLIC_BASE_URL, USER_PATH_PREFIX, ...). AWS_ENDPOINT_URL_IAM and AWS_ENDPOINT_URL_SESV2 point
// it at an emulator (the one `npm start` prints), as they point the SDK anywhere else:
//
//   AWS_ENDPOINT_URL_IAM=http://127.0.0.1:<port> AWS_ENDPOINT_URL_SESV2=http://127.0.0.1:<port> \
//     AUTO_INVITE=true npm run reminders
//
// It prints the run's log lines (masked addresses, never a link) and then what it did.

import { createClients } from '../functions/aws/clients.ts';
import { createSesClient } from '../functions/aws/ses.ts';
import { ConfigError, loadConfig } from '../functions/config.ts';
import { createLogger } from '../functions/logger.ts';
import { createReminders } from '../functions/reminders/run.ts';

/** Any key is good to the emulator; real endpoints take the SDK's usual credentials. */
const EMULATOR_CREDENTIALS = {
  accessKeyId: 'AKIALOCALEMULATOR01',
  secretAccessKey: 'local-emulator',
};

async function main(): Promise<void> {
  const env = process.env;
  const config = loadConfig(env);
  const local = [env.AWS_ENDPOINT_URL_IAM, env.AWS_ENDPOINT_URL_SESV2].some(
    (url) => url !== undefined && /^http:\/\/(localhost|127\.0\.0\.1)(:|\/|$)/.test(url),
  );
  const credentials = local && !env.AWS_ACCESS_KEY_ID ? EMULATOR_CREDENTIALS : undefined;
  const run = createReminders({
    clients: createClients({
      region: config.region,
      iamEndpoint: env.AWS_ENDPOINT_URL_IAM,
      credentials,
    }),
    ses: createSesClient({
      region: config.region,
      endpoint: env.AWS_ENDPOINT_URL_SESV2,
      credentials,
    }),
    config,
    logger: createLogger('reminders-local'),
  });

  console.log(
    [
      `Reminders run against ${env.AWS_ENDPOINT_URL_IAM ?? 'IAM'}${env.AWS_ENDPOINT_URL_SESV2 ? ` and ${env.AWS_ENDPOINT_URL_SESV2}` : ''}:`,
      `  auto-invite ${config.autoInvite ? `on (users older than ${config.autoInviteAfterDays} days)` : 'off'}, sender ${config.senderEmail}, digest ${config.digestWebhookUrl ? 'to the configured webhook' : 'off (no DIGEST_WEBHOOK_URL)'}`,
      config.remindersRoleName
        ? `  lease and digest day on the role ${config.remindersRoleName}`
        : '  no REMINDERS_ROLE_NAME: no lease, and the digest is posted on every run',
      '',
    ].join('\n'),
  );
  const summary = await run();
  console.log(
    summary.ran
      ? `\nInvited ${summary.invited}, renewed ${summary.renewed}, failed ${summary.failed}, left for the next run ${summary.deferred}, skipped ${summary.skipped}; digest: ${summary.digest}.`
      : '\nAnother run holds the lease: nothing was done.',
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? `Configuration error: ${error.message}` : error);
  process.exit(1);
});
