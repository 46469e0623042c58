// The pod's environment holds secrets (database passwords, API keys): the file telepresence writes
// for `--env-file` must be readable by the user only. telepresence creates it with its own mode, so
// the driver creates it first with 0600 (an existing file keeps its mode when rewritten) and sets
// 0600 again afterwards in case the program replaced the file.
import { chmod, mkdir, open } from "node:fs/promises";
import { dirname } from "node:path";

export const ENV_FILE_MODE = 0o600;

export async function prepareEnvFile(path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const handle = await open(path, "w", ENV_FILE_MODE);
  await handle.close();
  await chmod(path, ENV_FILE_MODE);
}

export async function secureEnvFile(path: string): Promise<void> {
  await chmod(path, ENV_FILE_MODE);
}
