import type { Config } from '../config.js';
import { MemoryBus } from './bus-memory.js';
import type { Bus } from './bus.js';

/** Creates the Bus the config names. */
export function createBus(config: Config): Bus {
  switch (config.bus.driver) {
    case 'memory':
      return new MemoryBus();
  }
}
