/**
 * Header names banks use, in English, German, French and Spanish, so that the common exports
 * import without a mapping. A lower rank wins when a file has several candidates (a transaction
 * date beats a posting date, which beats a value date).
 */

export type HeaderField = 'date' | 'amount' | 'debit' | 'credit' | 'description' | 'merchant' | 'category' | 'currency' | 'type' | 'tags';
export type HeaderLanguage = 'en' | 'de' | 'fr' | 'es';

interface Alias {
  field: HeaderField;
  rank: number;
  language: HeaderLanguage;
}

const ALIASES: [HeaderField, HeaderLanguage, string[]][] = [
  ['date', 'en', ['date', 'transaction date', 'trans. date', 'trans date', 'posted date', 'post date', 'posting date', 'booking date', 'value date']],
  ['date', 'de', ['buchungstag', 'buchungsdatum', 'datum', 'valuta', 'wertstellung', 'valutadatum']],
  ['date', 'fr', ["date de l'opération", "date d'opération", 'date opération', 'date de comptabilisation', 'date valeur', 'date de valeur']],
  ['date', 'es', ['fecha', 'fecha operación', 'fecha de operación', 'f. operación', 'fecha contable', 'fecha valor', 'f. valor']],
  ['amount', 'en', ['amount', 'transaction amount']],
  ['amount', 'de', ['betrag', 'umsatz', 'buchungsbetrag']],
  ['amount', 'fr', ['montant', "montant de l'opération"]],
  ['amount', 'es', ['importe', 'cantidad', 'monto']],
  ['debit', 'en', ['debit', 'debit amount', 'withdrawal', 'withdrawals', 'money out', 'paid out']],
  ['debit', 'de', ['soll', 'belastung', 'ausgang']],
  ['debit', 'fr', ['débit']],
  ['debit', 'es', ['cargo', 'cargos', 'debe']],
  ['credit', 'en', ['credit', 'credit amount', 'deposit', 'deposits', 'money in', 'paid in']],
  ['credit', 'de', ['haben', 'gutschrift', 'eingang']],
  ['credit', 'fr', ['crédit']],
  ['credit', 'es', ['abono', 'abonos', 'haber', 'ingreso']],
  ['description', 'en', ['description', 'transaction description', 'details', 'narrative', 'memo', 'reference']],
  ['description', 'de', ['verwendungszweck', 'buchungstext', 'beschreibung']],
  ['description', 'fr', ['libellé', "libellé de l'opération", 'libellé opération', 'détail', 'description']],
  ['description', 'es', ['concepto', 'descripción', 'detalle', 'movimiento']],
  ['merchant', 'en', ['merchant', 'payee', 'counterparty', 'name']],
  ['merchant', 'de', ['auftraggeber/empfänger', 'empfänger', 'zahlungsempfänger', 'auftraggeber', 'begünstigter/zahlungspflichtiger', 'name']],
  ['merchant', 'fr', ['bénéficiaire', 'tiers']],
  ['merchant', 'es', ['beneficiario', 'comercio', 'ordenante']],
  ['currency', 'en', ['currency']],
  ['currency', 'de', ['währung']],
  ['currency', 'fr', ['devise', 'monnaie']],
  ['currency', 'es', ['moneda', 'divisa']],
];

/** Lower case, no accents, no unit suffix: `Betrag (EUR)` and `betrag` are one name. */
export function headerKey(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/\s*\((?:[a-z]{3}|[$€£])\)\s*$/, '')
    .replace(/\s+/g, ' ')
    .trim();
}

const DICTIONARY = new Map<string, Alias[]>();
for (const [field, language, names] of ALIASES) {
  names.forEach((name, rank) => {
    const key = headerKey(name);
    DICTIONARY.set(key, [...(DICTIONARY.get(key) ?? []), { field, rank, language }]);
  });
}

/** Expensio's own column names: a file using them is read exactly as before. */
const NATIVE: HeaderField[] = ['date', 'amount', 'type', 'description', 'category', 'merchant', 'tags', 'currency'];

export interface RecognisedHeader {
  columns: Partial<Record<HeaderField, number>>;
  languages: Set<HeaderLanguage>;
  /** Headers Expensio itself writes (`date`, `amount`, `type`, `tags`, ...). */
  native: boolean;
  /** A name given to two columns that rank the same, so neither can be chosen. */
  duplicate?: HeaderField;
}

export function recogniseHeader(cells: readonly string[]): RecognisedHeader {
  const keys = cells.map(headerKey);
  const native = keys.includes('date') && keys.includes('amount');
  const best = new Map<HeaderField, { index: number; rank: number }>();
  const languages = new Set<HeaderLanguage>();
  let duplicate: HeaderField | undefined;
  keys.forEach((key, index) => {
    const candidates: Alias[] = native
      ? NATIVE.find((f) => f === key) === undefined
        ? []
        : [{ field: key as HeaderField, rank: 0, language: 'en' }]
      : (DICTIONARY.get(key) ?? []);
    // A word shared with English (`description`, `date`) says nothing about the locale.
    const english = candidates.some((alias) => alias.language === 'en');
    for (const alias of candidates) {
      if (!native) languages.add(english ? 'en' : alias.language);
      const current = best.get(alias.field);
      if (current !== undefined && current.index !== index && current.rank === alias.rank) duplicate ??= alias.field;
      if (current === undefined || alias.rank < current.rank) best.set(alias.field, { index, rank: alias.rank });
    }
  });
  // A column answers one question: "Name" is the merchant only if nothing better took it.
  const columns: Partial<Record<HeaderField, number>> = {};
  const taken = new Set<number>();
  for (const field of ['date', 'amount', 'debit', 'credit', 'description', 'merchant', 'currency', 'category', 'type', 'tags'] as const) {
    const found = best.get(field);
    if (found !== undefined && !taken.has(found.index)) {
      columns[field] = found.index;
      taken.add(found.index);
    }
  }
  // Bank exports label categories their own way; only Expensio's layout (or a mapping) names ours.
  if (!native) delete columns.category;
  return duplicate === undefined ? { columns, languages, native } : { columns, languages, native, duplicate };
}
