/**
 * A load worker process (forked by the coordinator, see fleet.ts): holds up to ~9000 connections and
 * answers the coordinator's commands over the IPC channel; reports a Tick every second.
 */
import type { Commands, CommandName, InitArgs, RpcReply, RpcRequest, TickMessage } from './ipc.js';
import { Load } from './load.js';
import { MixLoad } from './mix-load.js';
import { nowNs } from './message-text.js';
import { ClientPool } from './pool.js';
import { Tracker } from './tracker.js';

interface State {
  init: InitArgs;
  tracker: Tracker;
  pool: ClientPool;
  load: Load | undefined;
  mix: MixLoad | undefined;
  ticker: NodeJS.Timeout;
  timeoutMs: number;
}
let state: State | undefined;

const need = (): State => {
  if (!state) throw new Error('worker not initialised');
  return state;
};
const plain = (): Load => {
  const l = need().load;
  if (!l) throw new Error('this worker runs the client mix: use mixSend');
  return l;
};
const mixed = (): MixLoad => {
  const m = need().mix;
  if (!m) throw new Error('this worker has no client mix');
  return m;
};

type Handlers = { [K in CommandName]: (args: Commands[K][0]) => Promise<Commands[K][1]> | Commands[K][1] };

const handlers: Handlers = {
  init(a) {
    const fanout = a.groups > 0;
    const tracker = new Tracker(a.worker, fanout);
    const pool = new ClientPool(a.url, a.clients, a.mainCount, tracker);
    const ticker = setInterval(() => {
      const msg: TickMessage = { tick: tracker.tick(pool.connected) };
      process.send?.(msg);
    }, 1000);
    const s: State = { init: a, tracker, pool, load: undefined, mix: undefined, ticker, timeoutMs: 30000 };
    const { worker, textBytes, maxInflight } = a;
    if (a.mix)
      s.mix = new MixLoad({ pool, tracker, worker, init: a.mix, textBytes, maxInflight, timeoutMs: () => s.timeoutMs, startNs: nowNs() });
    else s.load = new Load({ pool, tracker, worker, recipients: a.recipients, textBytes, maxInflight, peers: a.peers, groups: fanout });
    state = s;
  },
  connect(a) {
    const s = need();
    s.timeoutMs = a.timeoutMs;
    return s.pool.connectPhase(a.pool, a.ramp, a.concurrency, a.timeoutMs, a.label);
  },
  disconnect: (a) => need().pool.disconnect(a.pool),
  recipients: (a) => plain().setRecipients(a.ranges),
  send: (a) => plain().send(a.rate, a.durationMs),
  mixSend: (a) => mixed().send(a.rate, a.durationMs),
  churn: (a) => plain().churn(a.perSecond, a.durationMs, need().timeoutMs),
  reads: (a) => plain().reads(a.perSecond, a.durationMs),
  status() {
    const s = need();
    const c = s.tracker.counters;
    return {
      pendingAcks: s.tracker.pending.size,
      acked: c.acked,
      delivered: c.delivered,
      connected: s.pool.connected,
      readyPrefix: s.pool.readyPrefix(),
      ...(s.init.groups > 0 ? { fanout: s.pool.fanoutStatus(s.init.groups) } : {}),
      ...(s.mix ? { mix: s.mix.status() } : {}),
    };
  },
  async final() {
    const s = need();
    clearInterval(s.ticker);
    const f = s.mix ? s.mix.final() : s.tracker.final(s.init.groups > 0 ? { fanout: s.pool.fanoutFinal() } : {});
    await s.pool.disconnect('all');
    return f;
  },
};

process.on('message', (m: RpcRequest) => {
  const reply = (r: RpcReply) => process.send?.(r);
  Promise.resolve()
    .then(() => (handlers[m.cmd] as (a: unknown) => unknown)(m.args))
    .then(
      (result) => reply({ rpc: m.rpc, ok: true, result }),
      (e: unknown) => reply({ rpc: m.rpc, ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) }),
    );
});
// The coordinator is gone: nothing left to do.
process.on('disconnect', () => process.exit(0));
