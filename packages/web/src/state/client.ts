import { WarblerClient } from '@warbler/sdk';

let current: WarblerClient | undefined;

/** The WebSocket URL of the server that served the app: same host, `/ws`. */
export function serverWsUrl(): string {
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws`;
}

/** A new client for this tab (the previous one, if any, is closed). */
export function newClient(cursors: Record<string, number>): WarblerClient {
  current?.close();
  current = new WarblerClient({ url: serverWsUrl(), cursors, device: deviceName() });
  return current;
}

/** The signed-in client; throws when there is none (a bug: views that call it need a session). */
export function api(): WarblerClient {
  if (!current) throw new Error('not signed in');
  return current;
}

export function dropClient(): void {
  current?.close();
  current = undefined;
}

/** "Chrome on Linux": what device lists show for this browser. */
function deviceName(): string {
  const ua = navigator.userAgent;
  const browser = /Edg\//.test(ua)
    ? 'Edge'
    : /Firefox\//.test(ua)
      ? 'Firefox'
      : /Chrom/.test(ua)
        ? 'Chrome'
        : /Safari\//.test(ua)
          ? 'Safari'
          : 'Browser';
  const os = /Android/.test(ua)
    ? 'Android'
    : /iPhone|iPad/.test(ua)
      ? 'iOS'
      : /Mac OS/.test(ua)
        ? 'macOS'
        : /Windows/.test(ua)
          ? 'Windows'
          : /Linux/.test(ua)
            ? 'Linux'
            : '';
  return `Web: ${browser}${os ? ` on ${os}` : ''}`;
}
