// Logs must not carry personal data above trace level (a complaints mailbox is full of it);
// server error texts often quote the recipient's address.

const ADDRESS = /[^\s<>()[\]",;:]+@[^\s<>()[\]",;:]+\.[a-z]{2,}/gi;
/** A run of characters an address can be made of: an address never crosses the end of one. */
const RUN = /[^\s<>()[\]",;:]+/g;
/** Longer than any address (RFC 5321: 254): such a run is masked whole when it holds an @. */
const MAX_RUN = 512;

/** Replaces every e-mail address in `text` by `<adresse>`. */
export function maskAddresses(text: string): string {
  // Run by run: ADDRESS alone scans a long run again from each of its positions and each @
  // (quadratic on a mail's hostile header); on a run of at most MAX_RUN characters it is cheap.
  return text.replace(RUN, (run) =>
    run.length > MAX_RUN ? (run.includes('@') ? '<adresse>' : run) : run.replace(ADDRESS, '<adresse>'),
  );
}
