// The otpauth:// URI and QR code an authenticator app scans. We build our own URI (rather than
// AWS's QRCodePNG) so the entry names the account and the user, and render the QR code here:
// a third-party QR service would see the seed.

export const OTP_ISSUER = 'Amazon Web Services';

/**
 * Key URI format: `otpauth://totp/<issuer>:<user>@<account>?secret=…&issuer=…`, with AWS's
 * TOTP parameters (SHA-1, 6 digits, 30 s) spelled out so no app has to guess.
 */
export function otpauthUri(secret: string, userName: string, accountLabel: string): string {
  const issuer = encodeURIComponent(OTP_ISSUER);
  const label = `${issuer}:${encodeURIComponent(userName)}@${encodeURIComponent(accountLabel)}`;
  return `otpauth://totp/${label}?secret=${secret}&issuer=${issuer}&algorithm=SHA1&digits=6&period=30`;
}

export async function qrSvg(uri: string): Promise<string> {
  // Loaded on first use (a chunk of its own in the Lambda bundle): only device creation draws
  // a QR code, so the cold start of every other request does not pay for the library.
  const { default: QRCode } = await import('qrcode');
  return QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
}
