// Logs must not carry personal data above trace level (a complaints mailbox is full of it);
// server error texts often quote the recipient's address.

const ADDRESS = /[^\s<>()[\]",;:]+@[^\s<>()[\]",;:]+\.[a-z]{2,}/gi;

/** Replaces every e-mail address in `text` by `<adresse>`. */
export function maskAddresses(text: string): string {
  return text.replace(ADDRESS, '<adresse>');
}
