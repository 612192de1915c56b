import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { eventTablesMigration, loadMigrations, outboxTraceContextMigration } from '@expensio/common';
import { allServices } from '../src/services.js';

const allMigrationSets = () => allServices.map((service) => service.migrations());

// What existing installs recorded when the event tables were injected by version number: the
// files that replaced the injection must land on the same version with the same checksum.
const RECORDED_EVENT_TABLES = { identity: 2, finance: 8, realtime: 1 } as const;
const RECORDED_CHECKSUM = '90a4a252290830810e3d2646cf1ac82707d032bd3e2624d65310feecdf42ecd4';

describe('service migration folders', () => {
  it.each(Object.entries(RECORDED_EVENT_TABLES))('%s ships the event tables at the version and checksum installs recorded', (schema, version) => {
    const set = allMigrationSets().find((s) => s.schema === schema);
    const migration = set?.migrations.find((m) => m.name === 'event_tables');
    expect(migration).toMatchObject({ version, checksum: RECORDED_CHECKSUM });
    expect(migration).toEqual(eventTablesMigration(version));
  });

  it.each(Object.keys(RECORDED_EVENT_TABLES))('%s adds the outbox trace context column with the shared text', (schema) => {
    const set = allMigrationSets().find((s) => s.schema === schema);
    const migration = set?.migrations.find((m) => m.name === 'outbox_trace_context');
    expect(migration).toBeDefined();
    expect(migration).toEqual(outboxTraceContextMigration(migration?.version ?? 0));
  });

  it.each(Object.keys(RECORDED_EVENT_TABLES))('%s holds every migration it runs in its folder, numbered with no gaps', (schema) => {
    const files = loadMigrations(fileURLToPath(new URL(`../../../services/${schema}/migrations`, import.meta.url)));
    expect(files.map((m) => m.version)).toEqual(files.map((_, i) => i + 1));
    expect(allMigrationSets().find((s) => s.schema === schema)?.migrations).toEqual(files);
  });
});
