// What the admin app loads on the first request with `"delivery"`, not at cold start: the SES v2
// client and the mail are about a fifth of the admin bundle, and most requests never send mail
// (test/bench/bundles.ts measures the cold import).

export { createSesClient } from '../aws/ses.ts';
export { sesMailer } from '../delivery/email.ts';
export {
  bulkIssueDeadline,
  issueAndDeliver,
  issueAndDeliverMany,
  sendDeadline,
} from '../invitations/deliver.ts';
