// Lambda entry of the scheduled reminders run (EventBridge → runReminders): invites by email,
// renews expiring links, posts the digest.
import { createClients } from './aws/clients.ts';
import { createSesClient } from './aws/ses.ts';
import { loadConfig } from './config.ts';
import { createReminders } from './reminders/run.ts';

const config = loadConfig();

export const handler = createReminders({
  clients: createClients({ region: config.region }),
  ses: createSesClient({ region: config.region }),
  config,
});
