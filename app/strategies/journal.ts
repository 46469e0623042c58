// The operation journal: one JSON file per operation in a directory the host gives us, rewritten
// atomically (temp file, fsync, rename, fsync of the directory) BEFORE each step runs and after it
// lands, so a crash at any point leaves a record saying what may have changed and what it was before.
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import type { OperationRecord } from "./types.ts";

const SUFFIX = ".op.json";

export class Journal {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  static newId(): string {
    // Sortable by time, unique across processes.
    return `${new Date().toISOString().replace(/[-:.]/g, "").replace("T", "-").slice(0, 15)}-${randomBytes(4).toString("hex")}`;
  }

  path(id: string): string {
    if (!/^[\w-]+$/.test(id)) throw new Error(`invalid operation id ${JSON.stringify(id)}`);
    return join(this.dir, `${id}${SUFFIX}`);
  }

  /** Durably replaces the operation's file. */
  write(record: OperationRecord): void {
    record.updatedAt = new Date().toISOString();
    const final = this.path(record.id);
    const tmp = `${final}.${process.pid}.tmp`;
    const fd = openSync(tmp, "w", 0o600);
    try {
      writeSync(fd, JSON.stringify(record, null, 2));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, final);
    // The rename itself must survive a power cut: fsync the directory (not possible on Windows).
    if (process.platform !== "win32") {
      const dfd = openSync(this.dir, "r");
      try {
        fsyncSync(dfd);
      } finally {
        closeSync(dfd);
      }
    }
  }

  /** The pid of another live process working on this operation, or null. */
  holder(id: string): number | null {
    let pid: number;
    try {
      pid = Number(readFileSync(`${this.path(id)}.lock`, "utf8"));
    } catch {
      return null;
    }
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return null;
    try {
      process.kill(pid, 0); // signal 0: "does it exist"
      return pid;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === "EPERM" ? pid : null;
    }
  }

  /**
   * Marks the operation as worked on by this process (two app windows must not apply and roll back the
   * same operation at once). A lock left by a dead process (a crash) is taken over. Returns the release.
   */
  lock(id: string): (() => void) | { heldBy: number } {
    const file = `${this.path(id)}.lock`;
    const other = this.holder(id);
    if (other !== null) return { heldBy: other };
    const fd = openSync(file, "w", 0o600);
    try {
      writeSync(fd, String(process.pid));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    return () => rmSync(file, { force: true });
  }

  read(id: string): OperationRecord | null {
    try {
      return JSON.parse(readFileSync(this.path(id), "utf8")) as OperationRecord;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw err;
    }
  }

  /** Every operation, oldest first. Unreadable files are skipped (a torn temp file never has the suffix). */
  list(): OperationRecord[] {
    const out: OperationRecord[] = [];
    for (const f of readdirSync(this.dir).sort()) {
      if (!f.endsWith(SUFFIX)) continue;
      try {
        out.push(JSON.parse(readFileSync(join(this.dir, f), "utf8")) as OperationRecord);
      } catch {
        // skip
      }
    }
    return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }
}
