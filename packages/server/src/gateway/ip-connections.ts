/**
 * Open connections per client address (`gateway.maxConnectionsPerIp`): the gateway counts a connection
 * from the moment it admits its upgrade until its socket closes, and refuses the upgrade (HTTP 429) when
 * the address has `max` already. A `max` of 0 means no limit.
 */
export class IpConnections {
  private readonly open = new Map<string, number>();

  constructor(private readonly max: number) {}

  /** Counts one more connection of `ip` and returns true, or returns false (counting nothing) at the limit. */
  tryAdd(ip: string): boolean {
    const n = this.open.get(ip) ?? 0;
    if (this.max > 0 && n >= this.max) return false;
    this.open.set(ip, n + 1);
    return true;
  }

  /** A connection of `ip` closed. */
  remove(ip: string): void {
    const n = (this.open.get(ip) ?? 1) - 1;
    if (n <= 0) this.open.delete(ip);
    else this.open.set(ip, n);
  }
}
