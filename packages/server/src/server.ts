import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { adminUsersRoute } from './api/admin.js';
import { createBus } from './bus/factory.js';
import type { Config } from './config.js';
import { Gateway } from './gateway/gateway.js';
import { httpHandler } from './http.js';
import { createLogger, type Logger } from './logger.js';
import { Metrics } from './metrics.js';
import { Accounts } from './services/accounts.js';
import { Contacts } from './services/contacts.js';
import type { ServiceDeps } from './services/deps.js';
import { Groups } from './services/groups.js';
import { Messaging } from './services/messaging.js';
import { Presence } from './services/presence.js';
import { Search } from './services/search.js';
import type { ServerContext } from './session/context.js';
import { Hub } from './session/hub.js';
import { createStore } from './store/factory.js';
import type { Store } from './store/store.js';

/** A running Warbler server. */
export interface WarblerServer {
  readonly port: number;
  /** http://host:port */
  readonly url: string;
  /** ws://host:port/ws */
  readonly wsUrl: string;
  readonly store: Store;
  readonly accounts: Accounts;
  readonly metrics: Metrics;
  /** Messaging and its write queue (the group commit). */
  readonly messaging: Messaging;
  /**
   * Graceful stop: refuse new connections and requests, store and acknowledge everything already
   * received, close clients with the reconnect code, close the store. Idempotent.
   */
  stop(): Promise<void>;
}

/**
 * Starts a server from a validated config.
 * @example const s = await startServer(loadConfig({ overrides: { server: { port: 0 } } }));
 */
export async function startServer(config: Config, logger: Logger = createLogger(config.log.level)): Promise<WarblerServer> {
  const store = await createStore(config);
  const bus = createBus(config);
  // Read only when scraped, after the gateway exists.
  const metrics: Metrics = new Metrics((): number => gateway.size);
  const hub = new Hub(metrics);
  bus.attach(hub);
  const accounts = new Accounts(store, bus, config, logger);
  const messaging = new Messaging(store, bus, config, metrics);
  const deps: ServiceDeps = { store, bus, config, logger, metrics, hub, accounts, messaging };
  const groups = new Groups(deps);
  const contacts = new Contacts(deps);
  const presence = new Presence(deps, { contacts, groups });
  const search = new Search(deps, { groups });
  messaging.groups = groups;
  messaging.blocks = contacts;
  groups.membersChanged = (users, members) => presence.membershipChanged(users, members);
  const services = [groups, contacts, presence, search];
  for (const svc of services) await svc.start();
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
    hub,
    writes: messaging.batcher,
    draining: false,
  };
  const routes = { '/api/admin/users': adminUsersRoute(accounts, logger) };
  const http: Server = createServer(httpHandler({ store, metrics, draining: () => ctx.draining, routes }));
  http.keepAliveTimeout = 5000;
  const gateway: Gateway = new Gateway(http, ctx, config, logger, metrics);

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    const done = () => {
      http.off('error', reject);
      resolve();
    };
    const backlog = config.server.listenBacklog;
    if (config.server.host) http.listen({ port: config.server.port, host: config.server.host, backlog }, done);
    else http.listen({ port: config.server.port, backlog }, done);
  });
  const port = (http.address() as AddressInfo).port;
  const host = config.server.host && config.server.host !== '0.0.0.0' && config.server.host !== '::' ? config.server.host : 'localhost';
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  logger.info('listening', { port, url, dataDir: config.dataDir, store: config.store.driver, bus: config.bus.driver });

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      logger.info('shutting down');
      ctx.draining = true;
      gateway.stopAccepting();
      http.close();
      await messaging.batcher.flush();
      await gateway.closeAll(config.server.shutdownTimeoutMs);
      for (const svc of services.reverse()) await svc.stop();
      http.closeAllConnections();
      await bus.close();
      await accounts.flushTouches();
      await store.close();
      metrics.stop();
      logger.info('stopped');
    })());

  return { port, url, wsUrl: `${url.replace(/^http/, 'ws')}${config.gateway.path}`, store, accounts, metrics, messaging, stop };
}
