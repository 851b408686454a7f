// A second reference for the benchmark: the functions' SDK part alone, the IAM client
// exactly as functions/aws/clients.ts makes them, so the figures separate what the SDK costs
// from what the rest of a function (Hono, valibot, our code) adds.
import { createClients } from '../../functions/aws/clients.ts';

export const clients = createClients();
