// Lambda entry of the employee-facing function (API Gateway HTTP API → Hono).
import { handle } from 'hono/aws-lambda';
import { createClients } from './aws/clients.ts';
import { loadConfig } from './config.ts';
import { embeddedWebAssets } from './http/embedded-assets.ts';
import { createOnboardingApp } from './onboarding/app.ts';

const config = loadConfig();

export const handler = handle(
  createOnboardingApp({
    clients: createClients({ region: config.region }),
    config,
    assets: embeddedWebAssets(),
  }),
);
