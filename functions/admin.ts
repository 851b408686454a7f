// Lambda entry of the HR/admin function (API Gateway HTTP API → Hono).
import { handle } from 'hono/aws-lambda';
import { createAdminApp } from './admin/app.ts';
import { createClients } from './aws/clients.ts';
import { loadConfig } from './config.ts';

export const handler = handle(createAdminApp({ clients: createClients(), config: loadConfig() }));
