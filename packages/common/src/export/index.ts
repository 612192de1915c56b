export { EXPORT_FORMAT, EXPORT_VERSION, keysetPages, type ExportRow, type ExportSection } from './section.js';
export { jsonExport } from './json.js';
export { csvZipExport } from './csv-zip.js';
export { registerExportRoute } from './route.js';
