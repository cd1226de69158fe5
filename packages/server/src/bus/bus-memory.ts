import type { CloseName } from '@warbler/protocol';
import type { Bus, LocalDelivery } from './bus.js';

/** The Bus for one process: hands every event straight to the local hub, synchronously. */
export class MemoryBus implements Bus {
  private local: LocalDelivery | undefined;

  attach(local: LocalDelivery): void {
    this.local = local;
  }
  publish(userIds: readonly number[], payload: string, exceptConn?: string): void {
    this.local?.deliver(userIds, payload, exceptConn);
  }
  kick(deviceIds: readonly number[], close: CloseName): void {
    this.local?.kick(deviceIds, close);
  }
  async close(): Promise<void> {
    this.local = undefined;
  }
}
