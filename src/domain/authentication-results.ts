// Reading our receiving server's Authentication-Results (RFC 8601) for a DMARC pass on the
// sender's domain. Anyone can write that header in the mail they send, with any authserv-id: only
// the fields our own servers added on top of the mail count — above the Received field of the hop
// that brought the mail in from outside, and above any Authentication-Results of someone else.

import type { HeaderField } from './inbound-mail.js';

export interface DmarcVerdict {
  readonly pass: boolean;
  readonly reason: string;
}

/**
 * Whether our receiving server saw a DMARC pass for `fromDomain`.
 *
 * Header fields are read from the top (the newest, added by the last server) down:
 * - an Authentication-Results whose authserv-id is `authservId` is ours;
 * - an Authentication-Results of any other authserv-id ends the reading: ours below it were
 *   written before it, so not by us (RFC 8601 §5 asks a border server to remove those);
 * - a Received field ends the reading unless it records a hop inside our network (its `from`
 *   clause names a loopback or private address, e.g. the mail store's LMTP delivery from our
 *   MX): the first one from outside is the border, everything below it came with the mail.
 * The topmost of our fields that has a DMARC result decides.
 *
 * @param fields All header fields in order, topmost first (lower-cased names).
 * @param fromDomain The domain of the From address.
 * @param authservId The authserv-id of our receiving server; without it nothing is trusted.
 */
export function dmarcPass(
  fields: readonly HeaderField[],
  fromDomain: string,
  authservId: string | undefined,
): DmarcVerdict {
  if (!authservId) return { pass: false, reason: 'no trusted authserv-id configured' };
  const ours = authservId.toLowerCase();
  const trusted: string[] = [];
  let stop = '';
  for (const field of fields) {
    if (field.name === 'authentication-results') {
      const id = authservIdOf(field.value);
      if (id !== ours) {
        stop = `an Authentication-Results from ${id || 'an unnamed server'} above`;
        break;
      }
      trusted.push(field.value);
    } else if (field.name === 'received') {
      if (!isInternalHop(field.value)) {
        stop = 'the Received field of the hop from outside above';
        break;
      }
    }
  }
  const found = trusted.map(dmarcResultOf).find((result) => result !== null);
  if (!found) {
    return {
      pass: false,
      reason:
        trusted.length === 0
          ? `no Authentication-Results from ${authservId}${stop ? ` (${stop} it)` : ''}`
          : `no DMARC result from ${authservId}`,
    };
  }
  if (found.result !== 'pass') return { pass: false, reason: `dmarc=${found.result}` };
  if (found.domain !== fromDomain.toLowerCase())
    return { pass: false, reason: `DMARC passed for ${found.domain}, not ${fromDomain}` };
  return { pass: true, reason: `dmarc=pass header.from=${found.domain} (${authservId})` };
}

/** The authserv-id of an Authentication-Results value (`mx.spst.fr 1; …` → `mx.spst.fr`), lower-cased. */
export function authservIdOf(value: string): string {
  return withoutComments(value).split(';')[0]!.trim().split(/\s+/)[0]!.toLowerCase();
}

/** `dmarc=<result> … header.from=<domain>` of one resinfo, comments ignored. */
function dmarcResultOf(value: string): { result: string; domain: string } | null {
  for (const resinfo of withoutComments(value).split(';').slice(1)) {
    const result = /^\s*dmarc\s*=\s*([a-z]+)/i.exec(resinfo);
    if (!result) continue;
    const domain = /\bheader\.from\s*=\s*"?([^\s;"]+)/i.exec(resinfo);
    return { result: result[1]!.toLowerCase(), domain: (domain?.[1] ?? '').toLowerCase() };
  }
  return null;
}

/** RFC 5322 comments (nested ones included) removed: `(p=none dis=none)`. */
function withoutComments(value: string): string {
  let out = '';
  let depth = 0;
  for (let i = 0; i < value.length; i++) {
    const char = value[i]!;
    if (char === '\\' && depth > 0) i++;
    else if (char === '(') depth++;
    else if (char === ')' && depth > 0) depth--;
    else if (depth === 0) out += char;
  }
  return out;
}

/**
 * Whether a Received field records a hop inside our own network: the address our server saw the
 * connection come from (the bracketed TCP information of the `from` clause, which the sender
 * cannot choose) is loopback or private. The name after `from` is the client's own HELO and
 * proves nothing; a field without an address is not known to be internal.
 */
export function isInternalHop(received: string): boolean {
  const from = /^\s*from\s+([\s\S]*?)(?:\bby\b|;|$)/i.exec(received)?.[1];
  if (from === undefined) return false;
  const addresses = [...from.matchAll(/\[(?:IPv6:)?([0-9a-f.:]+)\]/gi)].map((m) => m[1]!.toLowerCase());
  return addresses.length > 0 && addresses.every(isPrivateAddress);
}

function isPrivateAddress(address: string): boolean {
  const v4 = /^(?:::ffff:)?(\d{1,3})\.(\d{1,3})\.\d{1,3}\.\d{1,3}$/.exec(address);
  if (v4) {
    const [a, b] = [Number(v4[1]), Number(v4[2])];
    return a === 127 || a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
  }
  if (!address.includes(':')) return false;
  return address === '::1' || /^f[cd][0-9a-f]{2}:/.test(address);
}
