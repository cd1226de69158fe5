/** The server's registration policy, which it writes into index.html (`<meta name="warbler-registration">`). */
export type Registration = 'open' | 'invite' | 'closed';

export function registrationPolicy(): Registration {
  const v = document.querySelector('meta[name="warbler-registration"]')?.getAttribute('content');
  return v === 'open' || v === 'closed' ? v : 'invite';
}
