import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

/**
 * A TCP proxy in front of a server, to play the network's tricks on a real connection: `hold()` keeps
 * what the server sends (the client waits for answers that do not come) until `release()`; `cut()`
 * drops every connection; `refuse(true)` turns new ones away (the server looks unreachable).
 */
export interface TcpProxy {
  /** ws://127.0.0.1:port/ws through the proxy. */
  wsUrl: string;
  hold(): void;
  release(): void;
  cut(): void;
  refuse(on: boolean): void;
  close(): Promise<void>;
}

export async function tcpProxy(targetPort: number): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket]>();
  const heldBytes: [Socket, Buffer][] = [];
  let holding = false;
  let refusing = false;
  const server = createServer((client) => {
    if (refusing) return void client.destroy();
    const upstream = connect(targetPort, '127.0.0.1');
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    client.on('data', (d) => upstream.write(d));
    upstream.on('data', (d) => (holding ? heldBytes.push([client, d]) : client.write(d)));
    const end = (): void => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const cut = (): void => {
    for (const [a, b] of pairs) {
      a.destroy();
      b.destroy();
    }
    pairs.clear();
  };
  return {
    wsUrl: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/ws`,
    hold: () => void (holding = true),
    release: () => {
      holding = false;
      for (const [c, d] of heldBytes.splice(0)) if (!c.destroyed) c.write(d);
    },
    cut,
    refuse: (on) => void (refusing = on),
    close: () => {
      cut();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
