// Realistic French complaint mails for the benchmark, from a seeded generator: varied sizes and
// encodings (quoted-printable, 8bit, base64; UTF-8 and ISO-8859-1; RFC 2047 subjects and names),
// HTML alternatives, about 20 % with a small PDF/JPEG attachment, 10 % follow-ups, 5 % automatic
// replies. Follow-ups cannot answer an acknowledgement that does not exist yet, so they carry the
// subject tag `[REC-YYYY-NNNN]` of an earlier complaint of the backlog and come from the same
// sender (they thread as a participant's mail); half also name that complaint in In-Reply-To.
import { randomBytes } from 'node:crypto';
import { prng } from './util.js';

export type MailKind = 'complaint' | 'follow-up' | 'auto-reply';

export interface GeneratedMail {
  readonly kind: MailKind;
  /** Without angle brackets. */
  readonly messageId: string;
  readonly from: string;
  readonly raw: Buffer;
  /** For a complaint: its rank among the complaints of the backlog (1-based) = its ticket sequence. */
  readonly complaintNo?: number;
  /** For a follow-up: the reference it names. */
  readonly reference?: string;
  readonly hasAttachment: boolean;
}

export interface BacklogOptions {
  readonly count: number;
  readonly seed: number;
  /** Ticket prefix and year the references of this run will have (the year of reception, Paris). */
  readonly prefix: string;
  readonly year: number;
  /** Complaint numbers start after this (when tickets already exist). */
  readonly firstComplaintNo?: number;
  readonly followUpShare?: number;
  readonly autoReplyShare?: number;
  readonly attachmentShare?: number;
  /** Distinguishes runs: part of every Message-ID and address so two runs never collide. */
  readonly runTag: string;
}

const MAILBOX = 'reclamation@spst-test.fr';

const FIRST = [
  'Marie',
  'Jean',
  'Nathalie',
  'Karim',
  'Sophie',
  'Thomas',
  'Isabelle',
  'Mehdi',
  'Claire',
  'Julien',
  'Fatima',
  'Nicolas',
  'Hélène',
  'Lucas',
  'Amandine',
  'Gaëlle',
  'Jérôme',
  'Françoise',
  'Loïc',
  'Aurélie',
  'Benoît',
  'Céline',
  'Stéphane',
  'Inès',
];
const LAST = [
  'Martin',
  'Bernard',
  'Dubois',
  'Petit',
  'Durand',
  'Leroy',
  'Moreau',
  'Benali',
  'Fournier',
  'Girard',
  'Lambert',
  'Rousseau',
  'Nguyen',
  'Mercier',
  'Lefèvre',
  'Müller',
  'Faure',
  'Chevalier',
  'Gauthier',
  'Perrin',
];
const COMPANIES = [
  'btp-ile-de-france.fr',
  'boulangerie-dupre.fr',
  'transports-leclerc.fr',
  'clinique-saint-roch.fr',
  'garage-moderne.fr',
  'logistique-express.fr',
  'mairie-exemple.fr',
  'cabinet-roux-associes.fr',
  'nettoyage-pro.fr',
  'imprimerie-du-centre.fr',
];
const PERSONAL = ['gmail.com', 'orange.fr', 'free.fr', 'laposte.net', 'wanadoo.fr', 'hotmail.fr', 'sfr.fr', 'yahoo.fr'];

const SUBJECTS = [
  'Attente trop longue à l’accueil du centre',
  'Impossible de joindre le standard depuis une semaine',
  'Rendez-vous annulé au dernier moment',
  'Convocation envoyée à la mauvaise adresse',
  'Attestation de suivi non reçue',
  'Cotisation facturée deux fois',
  'Facture pour un salarié parti depuis mars',
  'Relance de paiement injustifiée',
  'Fiche d’entreprise toujours pas réalisée',
  'Étude de poste en attente depuis 4 mois',
  'Contestation de l’avis d’inaptitude',
  'Visite de reprise refusée',
  'Propos déplacés lors de la visite médicale',
  'Dossier médical transmis sans mon accord',
  'Portail adhérent : mot de passe refusé',
  'Réclamation concernant la visite d’information et de prévention',
  'Plainte : accueil désagréable au centre de Montreuil',
  'Erreur dans la liste des salariés déclarés',
  'Changement de SIRET non pris en compte',
  'Réclamation – délai de rendez-vous inacceptable',
  'Salarié convoqué pendant ses congés',
  'Aménagement de poste préconisé non respecté',
];

const OPENERS = [
  'Bonjour,',
  'Madame, Monsieur,',
  'Bonjour Madame, Monsieur,',
  'Bonjour à tous,',
  'Madame la Directrice,',
  'Bonsoir,',
];
const SENTENCES = [
  'Je vous écris pour vous faire part de mon profond mécontentement concernant le service rendu ces dernières semaines.',
  'Mon salarié s’est présenté à l’heure au centre de Montreuil et a attendu plus de deux heures avant d’être reçu.',
  'Nous avons reçu une facture de cotisation pour l’année en cours alors que nous l’avions déjà réglée par virement le 15 janvier.',
  'La convocation a été envoyée à notre ancienne adresse malgré le changement signalé à trois reprises.',
  'Personne ne répond au standard entre 12 h et 14 h, ni le vendredi après-midi, ce qui est très pénalisant pour une petite entreprise.',
  'Le rendez-vous de visite de reprise a été annulé la veille sans aucune proposition de nouvelle date.',
  'Je conteste l’avis d’inaptitude rendu le mois dernier, qui ne tient pas compte des éléments médicaux que j’avais apportés.',
  'Le médecin du travail a tenu des propos que j’ai trouvés blessants et qui n’ont rien à faire dans une consultation.',
  'L’étude de poste demandée en février n’a toujours pas été programmée, alors que la situation de notre salariée se dégrade.',
  'Nous n’avons jamais reçu l’attestation de suivi individuel, indispensable pour notre dossier auprès de l’inspection du travail.',
  'Le portail adhérent refuse mon mot de passe depuis la mise à jour, et la réinitialisation ne fonctionne pas.',
  'Je souhaite que cette réclamation soit enregistrée et traitée dans les délais prévus par votre procédure.',
  'Il s’agit de la troisième relance sur ce sujet, sans la moindre réponse de votre part.',
  'Nos salariés travaillent en horaires décalés : des créneaux tôt le matin seraient vraiment appréciés.',
  'Je vous remercie de bien vouloir me communiquer le nom de l’interlocuteur en charge de notre dossier.',
  'La facture mentionne 14 salariés alors que notre effectif déclaré est de 11 depuis le 1er avril.',
  'Nous payons une cotisation non négligeable et attendons un service à la hauteur.',
  'Vous trouverez ci-joint le courrier reçu ainsi que la preuve de notre règlement.',
  'Mon employeur m’indique que le service de santé au travail n’a pas transmis l’avis, ce qui bloque ma reprise.',
  'L’accueil téléphonique a été particulièrement désagréable : on m’a raccroché au nez à deux reprises.',
  'Je reste à votre disposition pour tout complément d’information et vous prie de m’indiquer la suite donnée.',
  'Nous envisageons de résilier notre adhésion si la situation n’est pas régularisée rapidement.',
  'L’aménagement de poste préconisé (siège ergonomique, écran surélevé) n’a pas été suivi d’une visite de contrôle.',
  'Le questionnaire préalable à la visite comportait des questions très personnelles dont je ne comprends pas l’utilité.',
];
const CLOSERS = [
  'Cordialement,',
  'Bien cordialement,',
  'Dans l’attente de votre retour, je vous prie d’agréer mes salutations distinguées.',
  'Merci d’avance pour votre réponse.',
  'Salutations,',
  'Respectueusement,',
];
const ROLES = [
  'Responsable RH',
  'Gérant',
  'Assistante de direction',
  'Salarié',
  'Directrice administrative et financière',
  'Comptable',
  '',
];

const OOO_BODIES = [
  'Bonjour,\n\nJe suis absent(e) du bureau jusqu’au 25 août inclus, sans accès à ma messagerie.\nPour toute urgence, merci de contacter le standard au 01 23 45 67 89.\n\nCordialement',
  'Bonjour,\n\nMerci pour votre message. Je suis actuellement en congés et je traiterai votre demande à mon retour.\n\nBien à vous',
  'Ceci est une réponse automatique.\n\nVotre message a bien été reçu par le service comptabilité. Nous le traiterons dans les meilleurs délais.\n',
];

function pick<T>(random: () => number, list: readonly T[]): T {
  return list[Math.floor(random() * list.length)]!;
}

function ascii(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z]/g, '');
}

/** RFC 2047 encoded-words (UTF-8), each at most 75 characters, split on character boundaries. */
function encodeWords(text: string, encoding: 'B' | 'Q'): string {
  if (/^[\x20-\x7e]*$/.test(text)) return text;
  const words: string[] = [];
  let chunk = '';
  const flush = () => {
    if (!chunk) return;
    const bytes = Buffer.from(chunk, 'utf8');
    const body =
      encoding === 'B'
        ? bytes.toString('base64')
        : [...bytes]
            .map((b) =>
              b === 0x20
                ? '_'
                : (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a)
                  ? String.fromCharCode(b)
                  : `=${b.toString(16).toUpperCase().padStart(2, '0')}`,
            )
            .join('');
    words.push(`=?UTF-8?${encoding}?${body}?=`);
    chunk = '';
  };
  for (const char of text) {
    chunk += char;
    if (Buffer.byteLength(chunk) >= (encoding === 'B' ? 42 : 20)) flush();
  }
  flush();
  return words.join('\r\n ');
}

/** Quoted-printable (RFC 2045) of bytes, soft line breaks at 76. */
function quotedPrintable(bytes: Buffer): string {
  const lines: string[] = [];
  for (const line of bytes.toString('latin1').split('\n')) {
    let out = '';
    let width = 0;
    const raw = Buffer.from(line.replace(/\r$/, ''), 'latin1');
    for (let i = 0; i < raw.length; i++) {
      const b = raw[i]!;
      const last = i === raw.length - 1;
      const plain = (b >= 33 && b <= 126 && b !== 61) || (b === 32 && !last);
      const token = plain ? String.fromCharCode(b) : `=${b.toString(16).toUpperCase().padStart(2, '0')}`;
      if (width + token.length > 75) {
        out += '=\r\n';
        width = 0;
      }
      out += token;
      width += token.length;
    }
    lines.push(out);
  }
  return lines.join('\r\n');
}

function base64Lines(bytes: Buffer): string {
  return (bytes.toString('base64').match(/.{1,76}/g) ?? []).join('\r\n');
}

interface Body {
  readonly text: string;
  readonly html: string | null;
  readonly charset: 'utf-8' | 'iso-8859-1';
  readonly transfer: 'quoted-printable' | '8bit' | 'base64';
}

function encodeText(
  text: string,
  charset: Body['charset'],
  transfer: Body['transfer'],
): { head: string; body: string } {
  const crlf = text.replace(/\r?\n/g, '\r\n');
  const bytes =
    charset === 'utf-8'
      ? Buffer.from(crlf, 'utf8')
      : Buffer.from(
          crlf.replace(/[’‘]/g, "'").replace(/[“”]/g, '"').replace(/œ/g, 'oe').replace(/–/g, '-').replace(/€/g, 'EUR'),
          'latin1',
        );
  const body =
    transfer === 'base64'
      ? base64Lines(bytes)
      : transfer === 'quoted-printable'
        ? quotedPrintable(bytes)
        : bytes.toString('latin1');
  return {
    head: `charset=${charset === 'utf-8' ? 'utf-8' : 'iso-8859-1'}\r\nContent-Transfer-Encoding: ${transfer}`,
    body,
  };
}

function htmlOf(paragraphs: readonly string[]): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return [
    '<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"><style>p{margin:0 0 1em 0;font-family:Calibri,Arial,sans-serif;font-size:11pt}</style></head><body>',
    ...paragraphs.map((p) => `<p class="MsoNormal">${esc(p).replace(/\n/g, '<br>')}</p>`),
    '</body></html>',
  ].join('\n');
}

interface Attachment {
  readonly filename: string;
  readonly type: string;
  readonly bytes: Buffer;
}

function attachmentOf(random: () => number): Attachment {
  const size = Math.round(4_000 + random() ** 2 * 60_000); // 4–64 KB, most under 20 KB
  if (random() < 0.7) {
    const header = Buffer.from('%PDF-1.4\n%âãÏÓ\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n', 'latin1');
    const name = pick(random, [
      'courrier.pdf',
      'facture_2026-03.pdf',
      'convocation.pdf',
      'avis_aptitude.pdf',
      'releve_de_compte.pdf',
      'Attestation employeur.pdf',
    ]);
    return {
      filename: name,
      type: 'application/pdf',
      bytes: Buffer.concat([header, randomBytes(size), Buffer.from('\n%%EOF\n')]),
    };
  }
  const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(size), Buffer.from([0xff, 0xd9])]);
  return {
    filename: pick(random, ['photo.jpg', 'IMG_20260312_101544.jpg', 'capture-ecran.jpg']),
    type: 'image/jpeg',
    bytes: jpeg,
  };
}

function buildMime(
  headers: readonly string[],
  body: Body,
  attachment: Attachment | null,
  random: () => number,
): Buffer {
  const boundary = () => `----=_Part_${Math.floor(random() * 1e9)}_${Math.floor(random() * 1e9)}`;
  const textPart = encodeText(body.text, body.charset, body.transfer);
  let content: { type: string; body: string };
  if (body.html === null) {
    content = { type: `text/plain; format=flowed; ${textPart.head}`, body: textPart.body };
  } else {
    const alt = boundary();
    const htmlPart = encodeText(body.html, 'utf-8', body.transfer === '8bit' ? 'quoted-printable' : body.transfer);
    content = {
      type: `multipart/alternative; boundary="${alt}"`,
      body: [
        `--${alt}`,
        `Content-Type: text/plain; ${textPart.head}`,
        '',
        textPart.body,
        `--${alt}`,
        `Content-Type: text/html; ${htmlPart.head}`,
        '',
        htmlPart.body,
        `--${alt}--`,
        '',
      ].join('\r\n'),
    };
  }
  if (attachment) {
    const mixed = boundary();
    content = {
      type: `multipart/mixed; boundary="${mixed}"`,
      body: [
        'This is a multi-part message in MIME format.',
        `--${mixed}`,
        `Content-Type: ${content.type.replace(/\r\n/g, '\r\n')}`,
        '',
        content.body,
        `--${mixed}`,
        `Content-Type: ${attachment.type}; name="${attachment.filename}"`,
        'Content-Transfer-Encoding: base64',
        `Content-Disposition: attachment; filename="${attachment.filename}"`,
        '',
        base64Lines(attachment.bytes),
        `--${mixed}--`,
        '',
      ].join('\r\n'),
    };
  }
  const [typeValue, ...typeRest] = content.type.split('\r\n');
  const head = [...headers, 'MIME-Version: 1.0', `Content-Type: ${typeValue}`, ...typeRest].join('\r\n');
  return Buffer.concat([Buffer.from(`${head}\r\n\r\n`, 'utf8'), Buffer.from(content.body, 'latin1')]);
}

function mailDate(random: () => number, now: number): string {
  return new Date(now - Math.floor(random() * 36 * 3600_000)).toUTCString().replace('GMT', '+0000');
}

function address(random: () => number, runTag: string, n: number): { name: string; email: string } {
  const first = pick(random, FIRST);
  const last = pick(random, LAST);
  const domain = random() < 0.55 ? pick(random, COMPANIES) : pick(random, PERSONAL);
  const local = random() < 0.5 ? `${ascii(first)}.${ascii(last)}` : `${ascii(first)[0]}${ascii(last)}`;
  return { name: `${first} ${last}`, email: `${local}.${runTag}${n}@${domain}` };
}

function fromHeader(who: { name: string; email: string }, random: () => number): string {
  const encoded = encodeWords(who.name, random() < 0.5 ? 'Q' : 'B');
  return `From: ${encoded === who.name ? `"${who.name}"` : encoded} <${who.email}>`;
}

function complaintText(random: () => number, who: { name: string }, withAttachment: boolean): string[] {
  // Sizes vary a lot: most complaints are a few lines, some are long letters.
  const sentences = Math.max(1, Math.round(Math.exp(1.1 + random() * 1.9)));
  const paragraphs: string[] = [pick(random, OPENERS)];
  let current: string[] = [];
  for (let i = 0; i < sentences; i++) {
    current.push(pick(random, SENTENCES));
    if (current.length >= 2 + Math.floor(random() * 3)) {
      paragraphs.push(current.join(' '));
      current = [];
    }
  }
  if (current.length) paragraphs.push(current.join(' '));
  if (withAttachment) paragraphs.push('Vous trouverez le document en pièce jointe.');
  const role = pick(random, ROLES);
  paragraphs.push(
    `${pick(random, CLOSERS)}\n\n${who.name}${role ? `\n${role}` : ''}\nTél. 0${1 + Math.floor(random() * 7)} ${Array.from({ length: 4 }, () => String(10 + Math.floor(random() * 90))).join(' ')}`,
  );
  return paragraphs;
}

/**
 * The backlog, in the order it is appended. The first mail is always a complaint; a follow-up
 * always comes after the complaint it names.
 */
export function generateBacklog(options: BacklogOptions): GeneratedMail[] {
  const random = prng(options.seed);
  const now = Date.now();
  const followUps = Math.round(options.count * (options.followUpShare ?? 0.1));
  const autoReplies = Math.round(options.count * (options.autoReplyShare ?? 0.05));
  const kinds: MailKind[] = [
    ...Array<MailKind>(options.count - followUps - autoReplies).fill('complaint'),
    ...Array<MailKind>(followUps).fill('follow-up'),
    ...Array<MailKind>(autoReplies).fill('auto-reply'),
  ];
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [kinds[i], kinds[j]] = [kinds[j]!, kinds[i]!];
  }
  // A follow-up needs an earlier complaint: move the first complaint to the front.
  const firstComplaint = kinds.indexOf('complaint');
  if (firstComplaint > 0) [kinds[0], kinds[firstComplaint]] = [kinds[firstComplaint]!, kinds[0]!];

  const mails: GeneratedMail[] = [];
  const complaints: {
    no: number;
    who: { name: string; email: string };
    subject: string;
    messageId: string;
    text: string;
  }[] = [];
  let complaintNo = options.firstComplaintNo ?? 0;
  let addressNo = 0;
  for (const [index, kind] of kinds.entries()) {
    const messageId = `${options.runTag}.${index}.${Math.floor(random() * 1e12).toString(36)}@${pick(random, ['mail.gmail.com', 'EXCH01.corp.local', 'smtp.orange.fr', 'mx.free.fr', 'PR3P192MB0731.EURP192.PROD.OUTLOOK.COM'])}`;
    const base = [`Date: ${mailDate(random, now)}`, `Message-ID: <${messageId}>`];
    const transfer: Body['transfer'] = random() < 0.6 ? 'quoted-printable' : random() < 0.7 ? '8bit' : 'base64';
    const charset: Body['charset'] = random() < 0.88 ? 'utf-8' : 'iso-8859-1';
    if (kind === 'complaint') {
      // A few complainants write twice (each is a new ticket; the budget allows it).
      const again = complaints.length > 20 && random() < 0.03 ? pick(random, complaints) : undefined;
      const who = again ? again.who : address(random, options.runTag, ++addressNo);
      const subject = pick(random, SUBJECTS);
      const attachment = random() < (options.attachmentShare ?? 0.2) ? attachmentOf(random) : null;
      const paragraphs = complaintText(random, who, attachment !== null);
      const text = paragraphs.join('\n\n');
      const html = random() < 0.45 ? htmlOf(paragraphs) : null;
      const cc = random() < 0.08 ? [`Cc: ${address(random, options.runTag, ++addressNo).email}`] : [];
      const headers = [
        ...base,
        fromHeader(who, random),
        `To: Service réclamations <${MAILBOX}>`.replace(
          'Service réclamations',
          encodeWords('Service réclamations', 'Q'),
        ),
        ...cc,
        `Subject: ${random() < 0.8 ? encodeWords(subject, random() < 0.6 ? 'B' : 'Q') : subject}`,
        ...(random() < 0.5
          ? ['X-Mailer: Microsoft Outlook 16.0', 'Thread-Index: AdqB3k2mYV5yT0xhR0K2s9pAbcDEfg==']
          : ['User-Agent: Mozilla Thunderbird']),
      ];
      complaintNo++;
      const raw = buildMime(headers, { text, html, charset, transfer }, attachment, random);
      complaints.push({ no: complaintNo, who, subject, messageId, text });
      mails.push({ kind, messageId, from: who.email, raw, complaintNo, hasAttachment: attachment !== null });
    } else if (kind === 'follow-up') {
      // Mostly a recent complaint: people chase up within days.
      const back = Math.min(complaints.length, 1 + Math.floor(random() ** 3 * complaints.length));
      const original = complaints[complaints.length - back]!;
      const reference = `${options.prefix}-${options.year}-${String(original.no).padStart(4, '0')}`;
      const quoted = original.text
        .split('\n')
        .map((l) => `> ${l}`)
        .join('\n');
      const text = `Bonjour,\n\n${pick(random, ['Je me permets de vous relancer : je n’ai toujours aucune nouvelle.', 'Je complète ma réclamation avec le document demandé.', 'Pouvez-vous me dire où en est ma demande ?', 'Merci pour votre accusé de réception. J’ajoute une précision : le problème s’est reproduit hier.'])}\n\n${pick(random, CLOSERS)}\n${original.who.name}\n\nLe ${new Date(now - 86_400_000).toLocaleDateString('fr-FR')}, ${original.who.name} a écrit :\n${quoted}`;
      const attachment = random() < 0.15 ? attachmentOf(random) : null;
      const threading =
        random() < 0.5 ? [`In-Reply-To: <${original.messageId}>`, `References: <${original.messageId}>`] : [];
      const headers = [
        ...base,
        fromHeader(original.who, random),
        `To: ${MAILBOX}`,
        `Subject: ${encodeWords(`${pick(random, ['RE: ', 'Re: ', 'RE : ', 'TR: '])}[${reference}] ${original.subject}`, 'B')}`,
        ...threading,
      ];
      const raw = buildMime(headers, { text, html: null, charset, transfer }, attachment, random);
      mails.push({ kind, messageId, from: original.who.email, raw, reference, hasAttachment: attachment !== null });
    } else {
      const who = address(random, options.runTag, ++addressNo);
      const headers = [
        ...base,
        fromHeader(who, random),
        `To: ${MAILBOX}`,
        `Subject: ${encodeWords(`${pick(random, ['Réponse automatique : ', 'Absence du bureau : ', 'Automatic reply: ', 'Absent : '])}${pick(random, SUBJECTS)}`, 'Q')}`,
        'Auto-Submitted: auto-replied',
        ...(random() < 0.5 ? ['X-Auto-Response-Suppress: All', 'Precedence: bulk'] : []),
        `In-Reply-To: <${Math.floor(random() * 1e12).toString(36)}@example.invalid>`,
      ];
      const raw = buildMime(
        headers,
        { text: pick(random, OOO_BODIES), html: null, charset: 'utf-8', transfer: 'quoted-printable' },
        null,
        random,
      );
      mails.push({ kind, messageId, from: who.email, raw, hasAttachment: false });
    }
  }
  return mails;
}

/** One standalone complaint (the latency leg), unique by `n`. */
export function singleComplaint(seed: number, runTag: string, n: number): GeneratedMail {
  const [mail] = generateBacklog({
    count: 1,
    seed: seed * 1000 + n,
    prefix: 'REC',
    year: 2000,
    runTag: `${runTag}l${n}x`,
    followUpShare: 0,
    autoReplyShare: 0,
  });
  return mail!;
}

export function describeSizes(mails: readonly GeneratedMail[]): Record<string, number> {
  const sizes = mails.map((m) => m.raw.length).sort((a, b) => a - b);
  const at = (p: number) => sizes[Math.min(sizes.length - 1, Math.floor((p / 100) * sizes.length))] ?? 0;
  return {
    count: sizes.length,
    totalMb: Math.round((sizes.reduce((s, v) => s + v, 0) / 1048576) * 10) / 10,
    minBytes: sizes[0] ?? 0,
    p50Bytes: at(50),
    p95Bytes: at(95),
    maxBytes: sizes[sizes.length - 1] ?? 0,
    complaints: mails.filter((m) => m.kind === 'complaint').length,
    followUps: mails.filter((m) => m.kind === 'follow-up').length,
    autoReplies: mails.filter((m) => m.kind === 'auto-reply').length,
    withAttachment: mails.filter((m) => m.hasAttachment).length,
  };
}
