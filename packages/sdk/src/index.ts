export {
  WarblerClient,
  WarblerRequestError,
  type LocalErrorCode,
  type ConnectionState,
  type ClientOptions,
  type ClientEvents,
  type WebSocketLike,
  type WebSocketConstructor,
} from './client.js';
export { MemoryStorage, type ClientStorage } from './storage.js';
export type { Restored, SavedSession, SavedSend } from './saved.js';
export { MessageStream } from './stream.js';
export { DeliveryReporter } from './receipts.js';
export { Emitter } from './emitter.js';
