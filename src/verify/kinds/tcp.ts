/** `tcp`: a TCP connect; CONNECTED, RESPONSE_TIME. */
import net from 'node:net';
import type { VerifyCheck } from '../schema.js';
import { causeOf, type MeasureContext, type Measurement, Unmeasurable } from './common.js';

export async function measureTcp(check: VerifyCheck, ctx: MeasureContext): Promise<Measurement> {
  const { host, port } = check.tcp!;
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    const socket = net.connect({ host, port });
    const fail = (error: Error) => {
      socket.destroy();
      reject(new Unmeasurable(`cannot connect to ${host}:${port}: ${causeOf(error)}`));
    };
    socket.once('connect', () => {
      socket.end();
      resolve();
    });
    socket.once('error', fail);
    ctx.signal.addEventListener('abort', () => fail(new Error('timed out')), { once: true });
  });
  const elapsed = Math.round(performance.now() - started);
  return { values: { CONNECTED: true, RESPONSE_TIME: elapsed }, detail: `connected in ${elapsed} ms` };
}

