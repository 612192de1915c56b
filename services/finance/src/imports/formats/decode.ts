import { fieldError } from '@expensio/common';

export interface DecodedText {
  text: string;
  encoding: string;
}

/** Whether TextDecoder knows the label (`latin1`, `cp1252`, `iso-8859-15`, `utf-16le`, ...). */
export function isKnownEncoding(label: string): boolean {
  try {
    new TextDecoder(label);
    return true;
  } catch {
    return false;
  }
}

/**
 * Bytes to text. A named encoding wins; otherwise a BOM decides, then valid UTF-8 is UTF-8 and
 * anything else is read as Windows-1252, which is what European banks that do not write UTF-8
 * write (it is a superset of Latin-1 for every printable character).
 */
export function decodeText(bytes: Uint8Array, encoding?: string): DecodedText {
  if (encoding !== undefined) {
    if (!isKnownEncoding(encoding)) throw fieldError('mapping.encoding', `unknown encoding "${encoding}"`);
    const decoder = new TextDecoder(encoding);
    return { text: stripBom(decoder.decode(bytes)), encoding: decoder.encoding };
  }
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { text: new TextDecoder('utf-16le').decode(bytes.subarray(2)), encoding: 'utf-16le' };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { text: new TextDecoder('utf-16be').decode(bytes.subarray(2)), encoding: 'utf-16be' };
  try {
    return { text: stripBom(new TextDecoder('utf-8', { fatal: true }).decode(bytes)), encoding: 'utf-8' };
  } catch {
    return { text: new TextDecoder('windows-1252').decode(bytes), encoding: 'windows-1252' };
  }
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
