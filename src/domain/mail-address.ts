// One mailbox we may write to. Every address an answer goes to comes from hostile input (a From
// header, a #de command, a forwarded header block): an answer goes to exactly one address of
// plain syntax, and the per-address budget counts that same normalised address.

const ATEXT = "[a-z0-9!#$%&'*+/=?^_`{|}~-]";
const LOCAL_PART = new RegExp(`^${ATEXT}+(?:\\.${ATEXT}+)*$`);
/** A DNS label, ASCII or internationalised (letters and digits of any script). */
const LABEL = /^[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?$/u;
const TOP_LABEL = /^(?:\p{L}{2,63}|xn--[a-z0-9-]{1,59})$/u;

/**
 * The address lower-cased and trimmed when it is exactly one mailbox `local@domain` with a
 * dot-atom local part (RFC 5322 §3.4.1, no quoted strings, no comments) and a domain of at least
 * two DNS labels; null otherwise: lists (`a@x,b@y`), route syntax, brackets, spaces, IP literals.
 */
export function singleAddress(value: string | null | undefined): string | null {
  if (typeof value !== 'string') return null;
  const address = value.trim().toLowerCase();
  if (address.length > 254) return null;
  const at = address.lastIndexOf('@');
  if (at <= 0 || at !== address.indexOf('@')) return null;
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  if (local.length > 64 || !LOCAL_PART.test(local)) return null;
  const labels = domain.split('.');
  if (labels.length < 2 || !labels.every((label) => LABEL.test(label))) return null;
  return TOP_LABEL.test(labels[labels.length - 1]!) ? address : null;
}
