import { MemoryNetwork } from '../src/bus/bus-memory.js';
import { busContract } from './bus.contract.js';
import { busCoherenceContract } from './bus-coherence.contract.js';

/** A memory network of `n` nodes; `latencyMs`: as slow as a network transport. */
function memory(latencyMs = 0) {
  return async (n: number) => {
    const errors: unknown[] = [];
    const net = new MemoryNetwork((err) => errors.push(err), latencyMs);
    const buses = Array.from({ length: n }, () => net.join());
    return { buses, cleanup: async () => void (await Promise.all(buses.map((b) => b.close()))) };
  };
}

busContract('memory network', memory());
busContract('memory network, 20 ms latency', memory(20));
busCoherenceContract('memory network', memory());
busCoherenceContract('memory network, 20 ms latency', memory(20));
