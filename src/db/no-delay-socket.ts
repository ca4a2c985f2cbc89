/**
 * Sockets to Postgres with Nagle's algorithm off. postgres.js leaves it on, and then a small write
 * that follows unacknowledged data waits for the server's ACK, which Linux delays up to 40 ms when the
 * server has nothing to answer yet. A cost load hits this on every batch: it pipelines a small
 * statement ahead of the COPY and ends the COPY with a small CopyDone after megabytes of data; at 200k
 * rows that was ~0.6 s of a ~3.6 s import spent waiting, with both CPUs partly idle.
 */
import net from 'node:net';

/** The parsed options postgres.js hands its `socket` factory (the parts used here). */
interface ConnectOptions {
  host: string[];
  port: number[];
  /** A Unix socket path, when the host is a directory. */
  path: string | false;
  /** Seconds (postgres.js's own connect timeout starts only once a factory's socket is handed over). */
  connect_timeout: number;
}

/**
 * A `socket` option for postgres.js: connects as postgres.js would (the hosts in turn, or the Unix
 * socket) and hands over the connected socket; TLS, when asked for, is negotiated on it afterwards.
 */
export function noDelaySocket(): (options: ConnectOptions) => Promise<net.Socket> {
  let next = 0;
  return (options) =>
    new Promise((resolve, reject) => {
      const socket = new net.Socket();
      socket.setNoDelay(true);
      const timer = setTimeout(() => socket.destroy(Object.assign(new Error('connect timeout'), { code: 'CONNECT_TIMEOUT' })), options.connect_timeout * 1000);
      const failed = (err: Error) => {
        clearTimeout(timer);
        reject(err);
      };
      socket.once('error', failed);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.off('error', failed);
        resolve(socket);
      });
      if (options.path) {
        socket.connect(options.path);
      } else {
        const at = next++ % options.port.length;
        socket.connect(options.port[at], options.host[at]);
      }
    });
}
