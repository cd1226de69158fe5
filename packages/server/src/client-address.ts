/**
 * The client's IP address as a socket sees it, for the audit log: an IPv4 client of a dual-stack
 * listener shows as `::ffff:1.2.3.4`, written here as `1.2.3.4`. Behind a proxy, the proxy's address.
 * '' when unknown (a closed socket).
 */
export function clientAddress(socket: { remoteAddress?: string | undefined }): string {
  return (socket.remoteAddress ?? '').replace(/^::ffff:(?=\d{1,3}(\.\d{1,3}){3}$)/, '');
}
