// Lambda entry of the scheduled clean-up (EventBridge → sweepAbandonedDevices).
import { createClients } from './aws/clients.ts';
import { loadConfig } from './config.ts';
import { createSweeper } from './invitations/sweep.ts';

export const handler = createSweeper({ clients: createClients(), config: loadConfig() });
