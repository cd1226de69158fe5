import { LIMITS, PROTOCOL_VERSION } from '@warbler/protocol';
import { WarblerError } from '../errors.js';
import type { Handlers } from './handler.js';

/** The handshake and liveness ops. */
export const connectionHandlers: Handlers<'hello' | 'ping'> = {
  hello: async (s, data) => {
    if (data.protocol !== PROTOCOL_VERSION) {
      // Answer first, then close: the client learns why and must not reconnect with this version.
      setImmediate(() => s.end('protocol_unsupported'));
      throw new WarblerError('protocol_unsupported', `this server speaks protocol ${PROTOCOL_VERSION}`);
    }
    s.helloDone = true;
    const { config } = s.ctx;
    return {
      protocol: PROTOCOL_VERSION,
      server: 'warbler/0.1.0',
      heartbeatMs: config.gateway.heartbeatMs,
      limits: { maxFrameBytes: config.gateway.maxFrameBytes, maxTextChars: config.limits.maxTextChars, maxPage: LIMITS.maxPage },
    };
  },
  ping: async () => ({ ts: Date.now() }),
};
