import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { MemoryBus, MemoryNetwork } from './bus-memory.js';
import type { Bus } from './bus.js';

/** Creates the Bus the config names; a subscriber's error is logged. */
export function createBus(config: Config, logger: Logger): Bus {
  switch (config.bus.driver) {
    case 'memory':
      return new MemoryBus(new MemoryNetwork((err, kind) => logger.error('bus message handler failed', { kind, err })));
  }
}
