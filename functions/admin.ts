// Lambda entry of the HR/admin function (API Gateway HTTP API → Hono): the admin API and the
// admin console's page; it emails links through SES v2 when asked to (`"delivery"`).
import { handle } from 'hono/aws-lambda';
import { createAdminApp } from './admin/app.ts';
import { createClients } from './aws/clients.ts';
import { createSesClient } from './aws/ses.ts';
import { loadConfig } from './config.ts';
import { embeddedWebAssets } from './http/embedded-assets.ts';
import { embeddedOpenApiDocument } from './openapi/embedded.ts';

const config = loadConfig();

export const handler = handle(
  createAdminApp({
    clients: createClients({ region: config.region }),
    ses: createSesClient({ region: config.region }),
    config,
    assets: embeddedWebAssets(),
    openApiDocument: embeddedOpenApiDocument,
  }),
);
