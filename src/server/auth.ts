/** Who may talk to the dashboard: loopback binds, bearer tokens, Host header checks. */
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';

/**
 * True for addresses only this machine can reach: 127.0.0.0/8, ::1, localhost. A name is taken at
 * its word here; what it resolved to is checked once bound (unprotectedBind).
 */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (bare === 'localhost' || bare.endsWith('.localhost')) return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) return bare === '::1' || bare === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(bare);
  return false;
}

/**
 * Compares a presented token with the expected one in constant time (both are hashed first, so
 * neither their contents nor their lengths leak through timing).
 */
export function tokenMatches(presented: string | undefined, expected: string): boolean {
  if (presented === undefined) return false;
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** The token a request carries: `Authorization: Bearer T`, else `?token=T` (for links and EventSource). */
export function presentedToken(request: IncomingMessage, url: URL): string | undefined {
  const header = request.headers.authorization;
  if (header) {
    const match = /^Bearer\s+(.+)$/i.exec(header.trim());
    return match?.[1]?.trim();
  }
  return url.searchParams.get('token') ?? undefined;
}

/**
 * A loopback server without a token still refuses requests whose Host header names another
 * site: a web page on the internet could otherwise reach it through DNS rebinding.
 */
export function hostHeaderAllowed(request: IncomingMessage): boolean {
  const host = request.headers.host;
  if (!host) return false;
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : (host.split(':')[0] ?? '');
  return isLoopbackHost(name);
}

/**
 * Why a server bound to `address` (what the socket reports after listen, not the name asked for)
 * must not run without a token; undefined when it may. A name such as `localhost` can resolve to
 * a public address through /etc/hosts or DNS.
 */
export function unprotectedBind(address: string, token: string | undefined): string | undefined {
  if (token || isLoopbackHost(address)) return undefined;
  return `the address bound, ${address}, is not loopback and no token is set`;
}
