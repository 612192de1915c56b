import { DELIMITERS } from './mapping.js';

export type Delimiter = (typeof DELIMITERS)[number];

const SAMPLE_LINES = 30;

/**
 * The delimiter that splits the first lines most consistently: the same non-zero count on the
 * most lines wins, then the larger count. Quoted text is left out, so `"-1,234.56"` in a
 * comma file or `-54,23` in a semicolon file does not mislead it.
 */
export function detectDelimiter(text: string): Delimiter {
  const lines = text
    .replace(/"(?:[^"]|"")*"/g, '""')
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '')
    .slice(0, SAMPLE_LINES);
  let best: { delimiter: Delimiter; lines: number; count: number } = { delimiter: ',', lines: 0, count: 0 };
  for (const delimiter of DELIMITERS) {
    const counts = new Map<number, number>();
    for (const line of lines) {
      const count = line.split(delimiter).length - 1;
      if (count > 0) counts.set(count, (counts.get(count) ?? 0) + 1);
    }
    for (const [count, seen] of counts) {
      if (seen > best.lines || (seen === best.lines && count > best.count)) best = { delimiter, lines: seen, count };
    }
  }
  return best.delimiter;
}
