// The benchmark's reference point: the bare IAM client, bundled with the same options as the
// functions (infra/build.ts), so `npm run bench` can show what our code adds to its size and
// cold import time.
import { IAMClient } from '@aws-sdk/client-iam';

export const client = new IAMClient({ region: 'us-east-1' });
