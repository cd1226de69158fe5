import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { MemoryBus, MemoryNetwork } from './bus-memory.js';
import type { Bus } from './bus.js';

/**
 * Creates the Bus the config names; a subscriber's error is logged. The Redis bus (and ioredis) is loaded
 * with `await import`, so only when configured; an unreachable Redis fails here (a ConfigError naming the key).
 */
export async function createBus(config: Config, logger: Logger): Promise<Bus> {
  const report = (err: unknown, kind: string) => logger.error('bus message handler failed', { kind, err });
  switch (config.bus.driver) {
    case 'memory':
      return new MemoryBus(new MemoryNetwork(report));
    case 'redis': {
      const { openRedisBus } = await import('./bus-redis-open.js');
      return openRedisBus(config.bus.redis, logger, report);
    }
  }
}
