import type { Server } from 'node:http';
import { hostname } from 'node:os';
import type { AddressInfo } from 'node:net';
import { adminApi, authorize } from './api/admin.js';
import type { Bus } from './bus/bus.js';
import { createBus } from './bus/factory.js';
import type { Config } from './config.js';
import { Gateway } from './gateway/gateway.js';
import { Hooks, type Extension } from './hooks/hooks.js';
import { bannerRoute, healthRoutes, metricsRoute } from './http-health.js';
import type { HttpRoute } from './http-route.js';
import { createLogger, type Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import { openApiRoute } from './openapi.js';
import { Access } from './services/access.js';
import { AccountWatch } from './services/account-watch.js';
import { Accounts } from './services/accounts.js';
import { MessageActions } from './services/actions.js';
import { ApiKeys } from './services/api-keys.js';
import { Audit } from './services/audit.js';
import { Contacts } from './services/contacts.js';
import { Conversations } from './services/conversations.js';
import { Cursors } from './services/cursors.js';
import type { ServiceDeps } from './services/deps.js';
import { Groups } from './services/groups.js';
import { History } from './services/history.js';
import { Invites } from './services/invites.js';
import { Journal } from './services/journal.js';
import { Lookups } from './services/lookups.js';
import { Presence } from './services/presence.js';
import { Search } from './services/search.js';
import { MessageSend } from './services/send.js';
import { UserAdmin } from './services/user-admin.js';
import type { ServerContext } from './ops/context.js';
import { Hub } from './connections/hub.js';
import { logRegistrationPolicy } from './services/registration-notice.js';
import { createStore } from './store/factory.js';
import type { Store } from './store/store.js';

/** A running Warbler server. */
export interface WarblerServer {
  readonly port: number;
  /** http://host:port */
  readonly url: string;
  /** ws://host:port/ws */
  readonly wsUrl: string;
  /** http://host:port of the admin listener (admin API, /metrics); undefined when `admin.listener` is off. */
  readonly adminUrl: string | undefined;
  readonly store: Store;
  readonly accounts: Accounts;
  readonly metrics: Metrics;
  readonly apiKeys: ApiKeys;
  readonly audit: Audit;
  /** The event journal and its write queue (the group commit). */
  readonly journal: Journal;
  /**
   * Graceful stop: refuse new connections and requests (the listener answers 503 until the stop ends),
   * store and acknowledge everything already received, close clients with the reconnect code, close the
   * store, then the listener. Idempotent.
   */
  stop(): Promise<void>;
}

/** What a caller may hand a server instead of what the config would make. */
export interface ServerParts {
  /** This node's Bus (tests: a node of a MemoryNetwork shared by several servers); closed when the server stops. */
  bus?: Bus;
}

/**
 * Starts a server from a validated config, with the extensions' hooks (hooks/hooks.ts), fixed for its life.
 * @example const s = await startServer(loadConfig({ overrides: { server: { port: 0 } } }));
 */
export async function startServer(
  config: Config,
  logger: Logger = createLogger(config.log.level),
  extensions: readonly Extension[] = [],
  parts: ServerParts = {},
): Promise<WarblerServer> {
  // Loaded here, not by import: the CLI's other commands (`warbler user …`) need neither Fastify nor prom-client.
  const [{ createHttp }, { Metrics }] = await Promise.all([import('./http.js'), import('./metrics.js')]);
  const store = await createStore(config);
  const bus = parts.bus ?? createBus(config, logger);
  const metrics: Metrics = new Metrics();
  const d = assemble({ config, logger, store, bus, metrics, hooks: new Hooks(extensions, logger) });
  const { audit, accounts, journal, watch, ctx } = d;
  for (const svc of d.services) await svc.start();
  await watch.start();

  const apiKeys = new ApiKeys(store, audit);
  const invites = new Invites(store.registration, logger);
  const users = new UserAdmin(store, config, audit, () => watch.nudge());
  const admin = adminApi({ keys: apiKeys, users, accounts, invites, audit, logger });
  const routes = listenerRoutes(config, { store, metrics, draining: () => ctx.draining, admin });
  const httpOf = (list: HttpRoute[]) =>
    createHttp({
      routes: list,
      draining: () => ctx.draining,
      authorize: (req, scope) => authorize(req, scope, apiKeys, audit),
      logger,
      keepAliveTimeoutMs: config.server.keepAliveTimeoutMs,
    });
  const publicApp = await httpOf(routes.public);
  const http: Server = publicApp.server;
  const gateway: Gateway = new Gateway(http, ctx, config, logger, metrics);
  // A start that cannot listen stops what it started: timers, and the store's connections (a server
  // database's open sockets would keep the process alive).
  const abandon = async (e: unknown): Promise<never> => {
    await watch.stop();
    for (const svc of [...d.services].reverse()) await svc.stop();
    await bus.close();
    await store.close();
    metrics.stop();
    throw e;
  };
  const port = await listen(http, config.server.host, config.server.port, config.server.listenBacklog).catch(abandon);
  const url = urlOf(config.server.host, port);
  metrics.setNode(`${hostname()}:${port}`);
  const adminHttp = routes.admin && (await httpOf(routes.admin)).server;
  let adminUrl: string | undefined;
  if (adminHttp) {
    try {
      adminUrl = urlOf(config.admin.host, await listen(adminHttp, config.admin.host, config.admin.port, 511));
    } catch (e) {
      http.close();
      await abandon(e);
    }
  }
  logger.info('listening', {
    port,
    url,
    adminUrl: adminUrl ?? 'off',
    dataDir: config.dataDir,
    store: config.store.driver,
    bus: config.bus.driver,
  });
  await logRegistrationPolicy(config, store, invites, logger);

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      logger.info('shutting down');
      ctx.draining = true;
      gateway.stopAccepting();
      await journal.flush();
      await gateway.closeAll(config.server.shutdownTimeoutMs);
      await watch.stop();
      for (const svc of [...d.services].reverse()) await svc.stop();
      await bus.close();
      await accounts.flush();
      await audit.flush();
      await store.close();
      metrics.stop();
      // The listener stays open until the very end, so that while the stop drains a load balancer's probe
      // gets /readyz 503 and a new client its upgrade 503 (docs/deploy.md), not a refused connection.
      const closed = [http, adminHttp].map((h) => h && new Promise<void>((resolve) => h.close(() => resolve())));
      http.closeAllConnections();
      adminHttp?.closeAllConnections();
      await Promise.all(closed);
      logger.info('stopped');
    })());

  const wsUrl = `${url.replace(/^http/, 'ws')}${config.gateway.path}`;
  return { port, url, wsUrl, adminUrl, store, accounts, metrics, journal, apiKeys, audit, stop };
}

/** A part with a life: started in assembly order, stopped in reverse. */
interface Service {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** The server's domain, assembled: what the listeners and the stop need of it. */
interface Domain {
  audit: Audit;
  accounts: Accounts;
  journal: Journal;
  /** Started in this order, stopped in reverse. */
  services: readonly Service[];
  watch: AccountWatch;
  ctx: ServerContext;
}

/**
 * Builds the domain once, in dependency order: every part gets what it needs in its constructor, each
 * built before it (nothing is set after construction, no stand-in waits for a later part). Listeners
 * (presence on the hub, contacts and groups) register in `start`.
 */
function assemble(base: { config: Config; logger: Logger; store: Store; bus: Bus; metrics: Metrics; hooks: Hooks }): Domain {
  const { config, logger, store, bus, metrics, hooks } = base;
  const hub = new Hub(metrics, bus, logger);
  bus.attach(hub);
  bus.on('kick', (m) => hub.kick(m.devices, m.close));
  const audit = new Audit(store, config, logger);
  const accounts = new Accounts(store, bus, config, logger, audit);
  const lookups = new Lookups(store, config);
  const journal = new Journal(store, bus, config, metrics, hooks);
  const deps: ServiceDeps = { store, bus, config, logger, metrics, hub, accounts, lookups, journal };
  const groups = new Groups(deps);
  const contacts = new Contacts(deps);
  const access = new Access(store, lookups, groups, contacts);
  const presence = new Presence(deps, { contacts, groups, access });
  const search = new Search(deps, { access });
  const watch = new AccountWatch(
    store,
    hub,
    {
      forgetUser: (id) => access.forgetUser(id),
      leaveGroups: (id) => groups.removeDeletedUser(id),
      dropContacts: (id) => contacts.removeDeletedUser(id),
    },
    logger,
  );
  const ctx: ServerContext = {
    config,
    logger,
    metrics,
    accounts,
    send: new MessageSend(store, config, access, journal),
    actions: new MessageActions(store, config, access, journal),
    history: new History(store, config, access),
    conversations: new Conversations(store, access, groups, journal),
    cursors: new Cursors(store, config, bus, access, journal),
    groups,
    contacts,
    presence,
    search,
    lookups,
    hub,
    hooks,
    writes: journal.pressure,
    draining: false,
  };
  return { audit, accounts, journal, services: [groups, contacts, presence, search], watch, ctx };
}

/**
 * What each listener serves (docs/deploy.md). The public one: health, the banner, and of the admin
 * surface only what `admin.publicPaths` names, each to a key with its scope. The admin one (unless
 * `admin.listener` is off): health, /metrics without a key (the listener is private), the admin API and
 * its OpenAPI document.
 */
function listenerRoutes(
  config: Config,
  d: { store: Store; metrics: Metrics; draining: () => boolean; admin: HttpRoute[] },
): { public: HttpRoute[]; admin: HttpRoute[] | undefined } {
  const onPublic = config.admin.publicPaths;
  const health = healthRoutes(d.store, d.draining);
  // The document lists every route of its listener, itself included.
  const withDoc = (list: HttpRoute[]): HttpRoute[] => {
    const all = [...list];
    all.push(openApiRoute(all));
    return all;
  };
  const pub = [...health, bannerRoute('Warbler server. WebSocket endpoint: /ws. See docs/protocol.md.\n')];
  if (onPublic !== 'none') pub.push(metricsRoute(d.metrics, 'metrics:read'));
  return {
    public: onPublic === 'all' ? withDoc([...pub, ...d.admin]) : pub,
    admin: config.admin.listener === 'on' ? withDoc([...health, metricsRoute(d.metrics), ...d.admin]) : undefined,
  };
}

/** Listens on `host` (every interface when empty) and `port` (0: a free one); resolves with the port. */
function listen(http: Server, host: string, port: number, backlog: number): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    http.once('error', reject);
    const done = () => {
      http.off('error', reject);
      resolve((http.address() as AddressInfo).port);
    };
    if (host) http.listen({ port, host, backlog }, done);
    else http.listen({ port, backlog }, done);
  });
}

/** The URL a client on this machine reaches a listener at. */
function urlOf(configuredHost: string, port: number): string {
  const host = configuredHost && configuredHost !== '0.0.0.0' && configuredHost !== '::' ? configuredHost : 'localhost';
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}
