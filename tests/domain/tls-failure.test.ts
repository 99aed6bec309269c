import { describe, expect, it } from 'vitest';
import { certificateProblem } from '../../src/domain/tls-failure.js';

describe('certificateProblem', () => {
  it('explains certificate verification codes and ignores other failures', () => {
    expect(certificateProblem('DEPTH_ZERO_SELF_SIGNED_CERT')).toBe(
      'self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT)',
    );
    expect(certificateProblem('ERR_TLS_CERT_ALTNAME_INVALID')).toBe(
      'certificate issued for another host name (ERR_TLS_CERT_ALTNAME_INVALID)',
    );
    expect(certificateProblem('X509_CERT_UNKNOWN', 'odd')).toBe('odd (X509_CERT_UNKNOWN)');
    expect(certificateProblem('ECONNREFUSED', 'connect ECONNREFUSED')).toBeNull();
    expect(certificateProblem(undefined)).toBeNull();
  });
});
