export {
  WarblerClient,
  WarblerRequestError,
  type LocalErrorCode,
  type ClientOptions,
  type ClientEvents,
  type WebSocketLike,
  type WebSocketConstructor,
} from './client.js';
export { MessageStream } from './stream.js';
export { DeliveryReporter } from './receipts.js';
export { Emitter } from './emitter.js';
