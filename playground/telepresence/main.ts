// Entry point of the playground's `telepresence` program (started by playground/bin/telepresence).
import { main, readStdin } from "./cli.ts";

// playground/bin/telepresence passes the arguments after `--` (see there why).
const argv = process.argv.slice(2);
if (argv[0] === "--") argv.shift();

const code = await main(argv, {
  env: process.env,
  stdin: readStdin,
  write(stdout, stderr) {
    if (stdout) process.stdout.write(stdout);
    if (stderr) process.stderr.write(stderr);
  },
});
if (code >= 0) {
  process.exitCode = code;
  // The HTTP client's keep-alive sockets must not hold the short-lived CLI open.
  setImmediate(() => process.exit(code));
}
