/** The protocol version this package speaks; `hello` must name it. */
export const PROTOCOL_VERSION = 1;

/**
 * Protocol-level limits. Servers may lower the configurable ones (see docs/config.md);
 * `hello` tells the client the values in force.
 */
export const LIMITS = {
  /** Largest page a sync, history or list request may ask for. */
  maxPage: 500,
  /** Page size when a request names none. */
  defaultPage: 100,
  /** Default largest WebSocket frame, bytes. */
  maxFrameBytes: 64 * 1024,
  /** Default longest message text, in characters (UTF-16 code units). */
  maxTextChars: 4000,
  /** Request ids: a string of at most this many characters, or a safe integer. */
  maxRequestIdChars: 64,
} as const;
