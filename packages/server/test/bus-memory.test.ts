import { MemoryNetwork } from '../src/bus/bus-memory.js';
import { busContract } from './bus.contract.js';

busContract('memory network', async (n) => {
  const errors: unknown[] = [];
  const net = new MemoryNetwork((err) => errors.push(err));
  const buses = Array.from({ length: n }, () => net.join());
  return { buses, cleanup: async () => void (await Promise.all(buses.map((b) => b.close()))) };
});
