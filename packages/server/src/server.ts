import type { Server } from 'node:http';
import { hostname } from 'node:os';
import type { AddressInfo } from 'node:net';
import { adminApi, authorize } from './api/admin.js';
import { createBus } from './bus/factory.js';
import type { Config } from './config.js';
import { Gateway } from './gateway/gateway.js';
import { bannerRoute, healthRoutes, metricsRoute } from './http-health.js';
import type { HttpRoute } from './http-route.js';
import { createLogger, type Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import { openApiRoute } from './openapi.js';
import { AccountWatch } from './services/account-watch.js';
import { Accounts } from './services/accounts.js';
import { ApiKeys } from './services/api-keys.js';
import { Audit } from './services/audit.js';
import { Contacts } from './services/contacts.js';
import type { ServiceDeps } from './services/deps.js';
import { Groups } from './services/groups.js';
import { Invites } from './services/invites.js';
import { Lookups } from './services/lookups.js';
import { Messaging } from './services/messaging.js';
import { Presence } from './services/presence.js';
import { Search } from './services/search.js';
import { UserAdmin } from './services/user-admin.js';
import type { ServerContext } from './session/context.js';
import { Hub } from './session/hub.js';
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
  /** Messaging and its write queue (the group commit). */
  readonly messaging: Messaging;
  /**
   * Graceful stop: refuse new connections and requests (the listener answers 503 until the stop ends),
   * store and acknowledge everything already received, close clients with the reconnect code, close the
   * store, then the listener. Idempotent.
   */
  stop(): Promise<void>;
}

/**
 * Starts a server from a validated config.
 * @example const s = await startServer(loadConfig({ overrides: { server: { port: 0 } } }));
 */
export async function startServer(config: Config, logger: Logger = createLogger(config.log.level)): Promise<WarblerServer> {
  // Loaded here, not by import: the CLI's other commands (`warbler user …`) need neither Fastify nor prom-client.
  const [{ createHttp }, { Metrics }] = await Promise.all([import('./http.js'), import('./metrics.js')]);
  const store = await createStore(config);
  const bus = createBus(config);
  // Read only when scraped, after the gateway exists.
  const metrics: Metrics = new Metrics((): number => gateway.size);
  const hub = new Hub(metrics);
  bus.attach(hub);
  const audit = new Audit(store, config, logger);
  const accounts = new Accounts(store, bus, config, logger, audit);
  const lookups = new Lookups(store, config);
  const messaging = new Messaging(store, bus, config, metrics, lookups);
  const deps: ServiceDeps = { store, bus, config, logger, metrics, hub, accounts, messaging, lookups };
  const groups = new Groups(deps);
  const contacts = new Contacts(deps);
  const presence = new Presence(deps, { contacts, groups });
  const search = new Search(deps, { groups });
  messaging.groups = groups;
  messaging.blocks = contacts;
  groups.membersChanged = (users, members) => presence.membershipChanged(users, members);
  const services = [groups, contacts, presence, search];
  for (const svc of services) await svc.start();
  const watch = new AccountWatch(
    store,
    hub,
    {
      forgetUser: (id) => messaging.forgetUser(id),
      leaveGroups: (id) => groups.removeDeletedUser(id),
      dropContacts: (id) => contacts.removeDeletedUser(id),
    },
    logger,
  );
  await watch.start();
  const ctx: ServerContext = {
    config,
    logger,
    metrics,
    accounts,
    messaging,
    groups,
    contacts,
    presence,
    search,
    lookups,
    hub,
    writes: messaging.batcher,
    draining: false,
  };

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
    });
  const publicApp = await httpOf(routes.public);
  const http: Server = publicApp.server;
  const gateway: Gateway = new Gateway(http, ctx, config, logger, metrics);
  const port = await listen(http, config.server.host, config.server.port, config.server.listenBacklog);
  const url = urlOf(config.server.host, port);
  metrics.setNode(`${hostname()}:${port}`);
  const adminHttp = routes.admin && (await httpOf(routes.admin)).server;
  let adminUrl: string | undefined;
  if (adminHttp) {
    try {
      adminUrl = urlOf(config.admin.host, await listen(adminHttp, config.admin.host, config.admin.port, 511));
    } catch (e) {
      http.close();
      throw e;
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
      await messaging.batcher.flush();
      await gateway.closeAll(config.server.shutdownTimeoutMs);
      await watch.stop();
      for (const svc of services.reverse()) await svc.stop();
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
  return { port, url, wsUrl, adminUrl, store, accounts, metrics, messaging, apiKeys, audit, stop };
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
