// Is anything listening on the local port an intercept will deliver to? Checked on 127.0.0.1 and ::1
// before intercepting: nothing listening is only a warning (the user may start the service later).
import { connect } from "node:net";

export interface AddressCheck {
  address: "127.0.0.1" | "::1";
  /** null: this address family is not available here (no IPv6 loopback). */
  listening: boolean | null;
}

export interface LocalPortCheck {
  port: number;
  listening: boolean;
  addresses: AddressCheck[];
  /** A sentence for the UI when nothing listens; null when something does. */
  warning: string | null;
}

function probe(address: AddressCheck["address"], port: number, timeoutMs: number): Promise<boolean | null> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port });
    const done = (value: boolean | null) => {
      socket.removeAllListeners();
      socket.destroy();
      resolve(value);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", (error: NodeJS.ErrnoException) => {
      // Refused: reachable, nothing there. Unavailable family or address: cannot tell.
      done(error.code === "ECONNREFUSED" || error.code === "ECONNRESET" ? false : null);
    });
  });
}

export async function checkLocalPort(port: number, options: { timeoutMs?: number } = {}): Promise<LocalPortCheck> {
  const timeoutMs = options.timeoutMs ?? 1_000;
  const addresses: AddressCheck[] = await Promise.all(
    (["127.0.0.1", "::1"] as const).map(async (address) => ({ address, listening: await probe(address, port, timeoutMs) })),
  );
  const listening = addresses.some((a) => a.listening === true);
  return {
    port,
    listening,
    addresses,
    warning: listening
      ? null
      : `Nothing is listening on localhost:${port} yet: intercepted requests will fail until your local service runs on that port.`,
  };
}
