import { z } from 'zod';

/** The code a field error carries when a text holds a control character or an unpaired surrogate. */
export const CONTROL_CHARACTER_CODE = 'control_character';

// C0 controls, DEL and C1 controls, and the surrogate range (allowed only as a proper pair).
// Written as code units, so the same source works with or without the `u` flag: it is both what
// the schema enforces and the `pattern` the OpenAPI document shows.
const SURROGATE_PAIR = '[\\uD800-\\uDBFF][\\uDC00-\\uDFFF]';
const SINGLE_LINE_PATTERN = `^(?:[^\\u0000-\\u001F\\u007F-\\u009F\\uD800-\\uDFFF]|${SURROGATE_PAIR})*$`;
// Tab, line feed and carriage return are the whitespace a multi-line text (a note) may hold.
const MULTILINE_PATTERN = `^(?:[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F\\uD800-\\uDFFF]|${SURROGATE_PAIR})*$`;

const SINGLE_LINE = new RegExp(SINGLE_LINE_PATTERN);
const MULTILINE = new RegExp(MULTILINE_PATTERN);

const SINGLE_LINE_MESSAGE = 'must not contain control characters (such as NUL, tab or line breaks) or unpaired surrogates';
const MULTILINE_MESSAGE = 'must not contain control characters other than tab and line breaks (such as NUL) or unpaired surrogates';

export interface TextOptions {
  /** Allows tab, line feed and carriage return, for texts such as notes. */
  multiline?: boolean;
}

/**
 * True when the text holds nothing PostgreSQL or a reader would choke on: no NUL or other C0/C1
 * control character (tab and line breaks only when multi-line) and no unpaired surrogate.
 */
export function isCleanText(value: string, options: TextOptions = {}): boolean {
  return (options.multiline === true ? MULTILINE : SINGLE_LINE).test(value);
}

/** The message a field error gives for a text that is not clean, without the field's name. */
export function controlCharacterMessage(options: TextOptions = {}): string {
  return options.multiline === true ? MULTILINE_MESSAGE : SINGLE_LINE_MESSAGE;
}

function cleanString(options: TextOptions) {
  const multiline = options.multiline === true;
  // The check comes first, so it sees the text as sent (before any trim the caller chains).
  return z
    .string()
    .refine((value) => isCleanText(value, options), { message: controlCharacterMessage(options), params: { code: CONTROL_CHARACTER_CODE } })
    .meta({ pattern: multiline ? MULTILINE_PATTERN : SINGLE_LINE_PATTERN });
}

/**
 * A single-line text field: every free-text string a request carries starts here (names, labels,
 * filters, identifiers typed by people), then chains `.trim().min().max()` as it needs.
 */
export function text() {
  return cleanString({});
}

/** A text that may span lines (notes): tab, line feed and carriage return are allowed. */
export function multilineText() {
  return cleanString({ multiline: true });
}
