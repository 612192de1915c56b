import { mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { dropPostgresTemplate, preparePgliteSnapshot, preparePostgresTemplate, type TestDatabaseSource } from '@expensio/common/testing';
import { allServices } from '../apps/all-in-one/src/services.js';

/**
 * Migrates once per run. Fast tests load a PGlite snapshot per file; with TEST_DATABASE_URL set
 * (integration), each file clones a migrated PostgreSQL template instead.
 */
export default async function setup(project: TestProject) {
  const serverUrl = process.env.TEST_DATABASE_URL;
  let source: TestDatabaseSource;
  if (serverUrl !== undefined && serverUrl !== '') {
    source = await preparePostgresTemplate(
      allServices.map((service) => service.migrations()),
      serverUrl,
    );
  } else {
    const dir = path.resolve('node_modules/.cache/expensio-test');
    mkdirSync(dir, { recursive: true });
    source = await preparePgliteSnapshot(
      allServices.map((service) => service.migrations()),
      path.join(dir, `snapshot-${process.pid}.tar`),
    );
  }
  project.provide('testDatabase', source);
  return async () => {
    await dropPostgresTemplate(source);
    // The snapshot is this run's alone (~18 MB): nothing reads it once the run is over.
    if (source.kind === 'pglite') await rm(source.location, { force: true });
  };
}
