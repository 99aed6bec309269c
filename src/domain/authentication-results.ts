// Reading the receiving server's Authentication-Results (RFC 8601) for a DMARC pass on the
// sender's domain. Only the topmost header counts (the one our own server added), and only when
// its authserv-id is the configured one: a sender can write any header below it.

export interface DmarcVerdict {
  readonly pass: boolean;
  readonly reason: string;
}

/**
 * @param headers Authentication-Results values in the order they appear (topmost first).
 * @param fromDomain The domain of the From address (lower-case).
 * @param authservId The authserv-id of our receiving server; without it nothing is trusted.
 */
export function dmarcPass(
  headers: readonly string[],
  fromDomain: string,
  authservId: string | undefined,
): DmarcVerdict {
  if (!authservId) return { pass: false, reason: 'no trusted authserv-id configured' };
  const top = headers[0];
  if (!top) return { pass: false, reason: 'no Authentication-Results header' };
  const id = top.split(';')[0]!.trim().split(/\s+/)[0]!.toLowerCase();
  if (id !== authservId.toLowerCase())
    return { pass: false, reason: `Authentication-Results from ${id}, not from ${authservId}` };
  const dmarc = /\bdmarc\s*=\s*(\w+)[^;]*?header\.from\s*=\s*([^\s;]+)/i.exec(top);
  if (!dmarc) return { pass: false, reason: 'no DMARC result' };
  const [, result, domain] = dmarc;
  if (result!.toLowerCase() !== 'pass') return { pass: false, reason: `dmarc=${result}` };
  if (domain!.toLowerCase() !== fromDomain.toLowerCase())
    return { pass: false, reason: `DMARC passed for ${domain}, not ${fromDomain}` };
  return { pass: true, reason: `dmarc=pass header.from=${domain} (${id})` };
}
