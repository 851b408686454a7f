// Lambda entry of the HR/admin function (API Gateway HTTP API → Hono): the admin API and the
// admin console's page; it emails links through SES v2 when asked to (`"delivery"`).
import { handle } from 'hono/aws-lambda';
import { createAdminApp } from './admin/app.ts';
import { createClients } from './aws/clients.ts';
import { loadConfig } from './config.ts';
import { embeddedWebAssets } from './http/embedded-assets.ts';
import { embeddedOpenApiDocument } from './openapi/embedded.ts';

const config = loadConfig();

export const handler = handle(
  createAdminApp({
    clients: createClients({ region: config.region }),
    // No SES client here: the app makes one for config.region on the first request that sends
    // mail, with the code that sends it (admin/delivery.ts), so a cold start loads neither.
    config,
    assets: embeddedWebAssets(),
    openApiDocument: embeddedOpenApiDocument,
  }),
);
