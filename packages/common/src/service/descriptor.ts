import type { Server } from 'node:http';
import type { Redis } from 'ioredis';
import type { z } from 'zod';
import type { AccessTokenVerifier } from '../auth/tokens.js';
import type { Clock } from '../clock.js';
import type { BaseConfig } from '../config/base.js';
import type { AnyKysely, Database } from '../db/connect.js';
import type { MigrationSet } from '../db/migrations.js';
import type { EventBus } from '../events/bus.js';
import type { EventTransport } from '../events/transport.js';
import type { ExportSection } from '../export/section.js';
import type { HttpApp } from '../http/app.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics/registry.js';

/** The variables every service reads, with its own on top. */
export type ServiceConfig<S extends z.ZodRawShape> = BaseConfig & z.output<z.ZodObject<S>>;

/** What the runner hands a service's context factory; the same in production, the all-in-one and tests. */
export interface ServiceDeps<Config, Overrides = object> {
  config: Config;
  database: Database;
  redis: Redis | undefined;
  /** Shared by every service of the process (in-process, or RabbitMQ with AMQP_URL). */
  transport: EventTransport;
  log: Logger;
  clock: Clock;
  /** This process's counters (sign-ins, scheduler runs, webhook deliveries, sockets). */
  metrics: Metrics;
  /** Stand-ins for the real thing (a mailer, keys, a cheap hasher); tests give them, production never does. */
  overrides: Partial<Overrides>;
}

/** What the runner needs of every context: its schema's database, its clock and its bus. */
export interface ServiceContext {
  db: AnyKysely;
  clock: Clock;
  bus: Pick<EventBus<unknown>, 'start' | 'stop' | 'relay'>;
}

/** Something served on the app's own HTTP server besides its routes (realtime's Socket.IO). */
export interface ServiceAttachment {
  attach(server: Server): void;
  close(): Promise<void>;
}

export type StopJob = () => Promise<void> | void;

/** Variables a service needs only when it runs as its own process, with the reason an operator reads. */
export type StandaloneVariable = 'AMQP_URL';

/**
 * One service, described once: running it alone, migrating it, composing it into the all-in-one
 * and testing it are all built from this (ADR 0014). Functions are methods so a descriptor of a
 * particular context fits in a list of descriptors.
 */
export interface ServiceDescriptor<Ctx extends ServiceContext = ServiceContext, Shape extends z.ZodRawShape = z.ZodRawShape, Overrides = object> {
  /** Its name in logs and config messages: `identity`, `finance`, `realtime`. */
  name: string;
  /** The OpenAPI title when it runs alone. */
  title: string;
  /** Its PostgreSQL schema. */
  schema: string;
  /** Its own variables; the base ones (`baseConfigShape`) come with every service. */
  configShape: Shape;
  /** Rules across variables (production requirements), as `VARIABLE: message` lines. */
  checkConfig?(config: ServiceConfig<Shape>): string[];
  /** Required (`requires`) or merely advised (`warns`) when it runs alone, with the reason. */
  standalone?: { requires?: Partial<Record<StandaloneVariable, string>>; warns?: Partial<Record<StandaloneVariable, string>> };
  migrations(): MigrationSet;
  createContext(deps: ServiceDeps<ServiceConfig<Shape>, Overrides>): Ctx | Promise<Ctx>;
  /** Subscribes its event consumers on `ctx.bus`, before the buses start. */
  consumers?(ctx: Ctx): void;
  routes(app: HttpApp, ctx: Ctx): void;
  /** Routes served only when it is the process's one service (identity's token introspection for the others). */
  aloneRoutes?(app: HttpApp, ctx: Ctx): void;
  /** Its part of `GET /api/export`: the process serves one document from every service it holds (ADR 0013). */
  exportSections?(ctx: Ctx): ExportSection[];
  /** The service that signs tokens verifies them in-process; every other one, alone, through identity's JWKS. */
  verifier?(ctx: Ctx): AccessTokenVerifier;
  attach?(
    ctx: Ctx,
    host: { verify: AccessTokenVerifier; redis: Redis | undefined; config: ServiceConfig<Shape>; overrides: Partial<Overrides> },
  ): ServiceAttachment;
  /** Work before serving (the first administrator). */
  prepare?(ctx: Ctx): Promise<void>;
  /** Background work, started after the buses, each returning its stop. Event pruning comes with every service. */
  jobs?(ctx: Ctx): StopJob[];
  /** Lets work in hand finish at shutdown (queued mail). */
  drain?(ctx: Ctx): Promise<void>;
  /** What the test harness stands in by default (cheap Argon2, mail in memory, throwaway keys). */
  testOverrides?(): Promise<Partial<Overrides>>;
}

/** A descriptor of any service, for lists of them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each descriptor keeps its own context type; a list can only know the common part.
export type AnyServiceDescriptor = ServiceDescriptor<any, any, any>;

/** The context a descriptor builds. */
export type ContextOf<D> = D extends ServiceDescriptor<infer Ctx, z.ZodRawShape, infer _O> ? Ctx : never;
