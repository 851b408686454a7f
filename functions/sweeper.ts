// Lambda entry of the scheduled clean-up (EventBridge → sweepAbandonedDevices).
import { createClients } from './aws/clients.ts';
import { loadConfig } from './config.ts';
import { createSweeper } from './invitations/sweep.ts';

const config = loadConfig();

export const handler = createSweeper({ clients: createClients({ region: config.region }), config });
