// Reading IAM's credential report (IAM User Guide, "Getting credential reports"): one row per
// user plus `<root_account>`; we need mfa_active and password_enabled per user.

import { parseCsv } from './csv.ts';

export interface CredentialReportRow {
  mfaActive: boolean;
  passwordEnabled: boolean;
}

export function parseCredentialReport(csv: string): Map<string, CredentialReportRow> {
  const [header, ...rows] = parseCsv(csv.trim());
  if (!header) return new Map();
  const col = (name: string) => {
    const index = header.indexOf(name);
    if (index === -1) throw new Error(`credential report has no ${name} column`);
    return index;
  };
  const user = col('user');
  const mfa = col('mfa_active');
  const password = col('password_enabled');
  const result = new Map<string, CredentialReportRow>();
  for (const row of rows) {
    const name = row[user];
    if (!name || name === '<root_account>') continue;
    result.set(name, {
      mfaActive: row[mfa]?.toLowerCase() === 'true',
      passwordEnabled: row[password]?.toLowerCase() === 'true',
    });
  }
  return result;
}
