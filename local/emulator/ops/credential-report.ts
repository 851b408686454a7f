// GenerateCredentialReport and GetCredentialReport (docs/iam-facts.md §3 "Credential report", §5).
//
// The account keeps one report. Generate starts a new one when there is none or the last one is
// at least `credentialReportReuseMs` (4 h, the UG's rule) old; the CSV is a snapshot of the state
// at that moment and becomes readable `credentialReportBuildMs` later. Ages are measured from the
// start of generation, which is also the report's GeneratedTime.

import { buildCredentialReportCsv } from '../credential-report-csv.ts';
import { AwsError } from '../errors.ts';
import { el, isoSeconds } from '../xml.ts';
import type { OpContext, OpTable } from './types.ts';

/** The API reference sample and an AWS recording agree on this text for a first Generate. */
const STARTED_DESCRIPTION = 'No report exists. Starting a new report generation task';

function ageMs(ctx: OpContext, startedAt: Date): number {
  return ctx.now.getTime() - startedAt.getTime();
}

export const credentialReportOperations: OpTable = {
  GenerateCredentialReport(ctx) {
    ctx.params.done();
    const { state, settings, now } = ctx;
    const report = state.credentialReport;
    if (report === undefined || ageMs(ctx, report.startedAt) >= settings.credentialReportReuseMs) {
      // The same Description when an old report is replaced: AWS's text for that case is
      // UNCONFIRMED (the recorded one is for "no report exists").
      state.credentialReport = {
        startedAt: now,
        readyAt: new Date(now.getTime() + settings.credentialReportBuildMs),
        csv: buildCredentialReportCsv(state),
      };
      return [el('State', 'STARTED'), el('Description', STARTED_DESCRIPTION)];
    }
    // INPROGRESS and COMPLETE carry no Description (COMPLETE is AWS-recorded; INPROGRESS assumed).
    if (now < report.readyAt) return [el('State', 'INPROGRESS')];
    return [el('State', 'COMPLETE')];
  },

  GetCredentialReport(ctx) {
    ctx.params.done();
    const report = ctx.state.credentialReport;
    // Both errors come without a <Message> on AWS: ReportNotPresent is AWS-recorded (410);
    // ReportInProgress (404) printed as "Unknown" by botocore in goldfiglabs/introspector#17.
    if (report === undefined) throw new AwsError('ReportNotPresent', 410);
    if (ctx.now < report.readyAt) throw new AwsError('ReportInProgress', 404);
    // When a report counts as expired is UNCONFIRMED (we use the same 4 h as the reuse rule), and
    // so is whether ReportExpired has a message; we send none, like its two siblings.
    if (ageMs(ctx, report.startedAt) >= ctx.settings.credentialReportExpiryMs) {
      throw new AwsError('ReportExpired', 410);
    }
    return [
      el('Content', Buffer.from(report.csv, 'utf8').toString('base64')),
      el('ReportFormat', 'text/csv'),
      el('GeneratedTime', isoSeconds(report.startedAt)),
    ];
  },
};
