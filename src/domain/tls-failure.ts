// Whether a connection failed because the server's TLS certificate was refused, in words an
// administrator can act on: both mail adapters say so and name the key that would accept it.

/** OpenSSL/Node verification codes (`err.code` of a refused TLS handshake), explained. */
const CERTIFICATE_CODES: Readonly<Record<string, string>> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in the chain',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'certificate not signed by a known authority',
  UNABLE_TO_GET_ISSUER_CERT: 'issuer of the certificate unknown',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'issuer of the certificate unknown',
  CERT_HAS_EXPIRED: 'certificate expired',
  CERT_NOT_YET_VALID: 'certificate not yet valid',
  ERR_TLS_CERT_ALTNAME_INVALID: 'certificate issued for another host name',
  CERT_REVOKED: 'certificate revoked',
};

/**
 * `self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT)` when `code` is a certificate
 * verification failure, else null.
 */
export function certificateProblem(code: string | undefined, message?: string): string | null {
  if (!code) return null;
  const known = CERTIFICATE_CODES[code];
  if (known) return `${known} (${code})`;
  return /CERT/.test(code) ? `${message ?? 'certificate refused'} (${code})` : null;
}
