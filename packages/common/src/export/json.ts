import { EXPORT_FORMAT, EXPORT_VERSION, type ExportSection } from './section.js';

/**
 * The export as one JSON document, in pieces: the header, then each section's rows as they are
 * read. `sections` names what this server holds, so a document from a service running alone says
 * which parts it lacks.
 */
export async function* jsonExport(sections: readonly ExportSection[], params: { userId: string; exportedAt: Date }): AsyncGenerator<string> {
  const header = { format: EXPORT_FORMAT, version: EXPORT_VERSION, exportedAt: params.exportedAt.toISOString(), sections: sections.map((s) => s.name) };
  yield JSON.stringify(header).slice(0, -1);
  for (const section of sections) {
    yield `,${JSON.stringify(section.name)}:[`;
    let first = true;
    for await (const row of section.rows(params.userId)) {
      yield (first ? '' : ',') + JSON.stringify(row);
      first = false;
    }
    yield ']';
  }
  yield '}\n';
}
