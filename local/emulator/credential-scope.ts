// The SigV4 credential scope of a request's Authorization header,
// `Credential=<access key id>/<yyyymmdd>/<region>/<service>/aws4_request`: it names the caller
// (the key), the region (and so the partition) and the service the request was signed for.

export interface CredentialScope {
  accessKeyId: string;
  region?: string;
  service?: string;
}

const SCOPE = /Credential=([^/,\s]+)\/(?:\d{8}\/([^/,\s]+)\/([^/,\s]+)\/)?/;

/** The scope, or undefined for an unsigned request. */
export function credentialScope(authorization: string | undefined): CredentialScope | undefined {
  const match = SCOPE.exec(authorization ?? '');
  if (!match) return undefined;
  return { accessKeyId: match[1] as string, region: match[2], service: match[3] };
}
