import { MemoryBus } from '../src/bus/bus-memory.js';
import { busContract } from './bus.contract.js';

busContract('memory', async () => {
  const bus = new MemoryBus();
  return { bus, cleanup: () => bus.close() };
});
