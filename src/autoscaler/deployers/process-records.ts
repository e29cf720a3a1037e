import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { link, mkdir, readdir, readFile, readlink, realpath, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The process deployer's memory lives on disk, one JSON file per replica, so that a restarted
 * autoscaler (or a second deployer object) finds the replicas an earlier one started. A pid
 * alone would not do: after the replica dies the kernel may give its pid to another process,
 * so each record also holds the process's start time as /proc/<pid>/stat reports it, and a
 * pid whose start time differs is not the replica.
 */
export interface ReplicaRecord {
  id: string;
  /** Null between claiming the id and the spawn (a crash there leaves a record with no process). */
  pid: number | null;
  /** Field 22 of /proc/<pid>/stat (clock ticks since boot); null where there is no /proc. */
  proc_start: string | null;
  /** When the deployer claimed the id (UTC ms). */
  created_at: number;
  /** When the process was spawned (UTC ms). */
  started_at: number | null;
  /** When the deployer sent SIGTERM (UTC ms); null while the replica serves. */
  draining_since: number | null;
  /** When a draining replica is killed regardless (UTC ms). */
  drain_deadline: number | null;
}

const RECORD = 'replica.json';

/** Linux has /proc; elsewhere (macOS) liveness falls back to signal 0. */
const PROC = existsSync('/proc/self/stat');

export function recordPath(targetDir: string, id: string): string {
  return join(targetDir, id, RECORD);
}

/**
 * Claims `id` by creating its record exclusively: of two deployers racing for one id, one
 * fails with EEXIST and tries the next. The record is written whole to a file of its own and
 * then linked into place (link(2) fails if the name exists), so a deployer killed mid-claim
 * leaves either no record or a whole one, never an empty file that no reader can parse and
 * that would hold the id forever.
 */
export async function claimRecord(targetDir: string, record: ReplicaRecord): Promise<boolean> {
  await mkdir(join(targetDir, record.id), { recursive: true });
  const path = recordPath(targetDir, record.id);
  // Unique per claim: two deployer objects of one process may claim the same id at once.
  const temporary = `${path}.${process.pid}.${randomUUID().slice(0, 8)}.claim`;
  await writeFile(temporary, JSON.stringify(record), { mode: 0o600 });
  try {
    await link(temporary, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await rm(temporary, { force: true });
  }
}

/** Replaces a record whole (write then rename), so a reader never sees half of one. */
export async function writeRecord(targetDir: string, record: ReplicaRecord): Promise<void> {
  const path = recordPath(targetDir, record.id);
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, JSON.stringify(record), { mode: 0o600 });
  await rename(temporary, path);
}

/** Forgets a replica. Its directory (node key, outbox) stays for the next replica given its id. */
export async function removeRecord(targetDir: string, id: string): Promise<void> {
  await rm(recordPath(targetDir, id), { force: true });
}

/** Every record under the target's directory; a missing directory is a target never scaled. */
export async function readRecords(targetDir: string): Promise<ReplicaRecord[]> {
  let entries: string[];
  try {
    entries = await readdir(targetDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const records: ReplicaRecord[] = [];
  for (const entry of entries.sort()) {
    let text: string;
    try {
      text = await readFile(join(targetDir, entry, RECORD), 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') continue;
      throw error;
    }
    const parsed = parseRecord(text);
    // A record being written by another deployer at this instant, or not ours: skipped.
    if (parsed !== null && parsed.id === entry) records.push(parsed);
  }
  return records;
}

function parseRecord(text: string): ReplicaRecord | null {
  try {
    const r = JSON.parse(text) as Partial<ReplicaRecord>;
    if (typeof r.id !== 'string' || typeof r.created_at !== 'number') return null;
    return {
      id: r.id,
      pid: typeof r.pid === 'number' ? r.pid : null,
      proc_start: typeof r.proc_start === 'string' ? r.proc_start : null,
      created_at: r.created_at,
      started_at: typeof r.started_at === 'number' ? r.started_at : null,
      draining_since: typeof r.draining_since === 'number' ? r.draining_since : null,
      drain_deadline: typeof r.drain_deadline === 'number' ? r.drain_deadline : null,
    };
  } catch {
    return null;
  }
}

/** What /proc says of a pid: its start time, or that it is gone (or a zombie, as good as gone). */
export async function procStart(pid: number): Promise<string | null | 'no-proc'> {
  let stat: string;
  try {
    stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch (error) {
    // ESRCH: the process went away between opening its stat file and reading it.
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH') {
      return PROC ? null : 'no-proc';
    }
    throw error;
  }
  // The command name (field 2) is in parentheses and may hold spaces or parentheses itself.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  if (state === 'Z' || state === 'X') return null;
  return fields[19] ?? null;
}

/** Whether the record's process still runs: the same pid with the same start time. */
export async function isAlive(record: ReplicaRecord): Promise<boolean> {
  if (record.pid === null) return false;
  const start = await procStart(record.pid);
  if (start === 'no-proc') {
    // Without /proc (macOS) a reused pid cannot be told apart; signal 0 is the best there is.
    try {
      process.kill(record.pid, 0);
      return true;
    } catch {
      return false;
    }
  }
  // A record with no start time where /proc exists is a process that died before it was read.
  return start !== null && start === record.proc_start;
}

/**
 * The process leading its own group whose working directory is `dir`: a replica spawned by a
 * deployer that died before it could record the pid (replicas are spawned detached, in their
 * replica directory). Null when there is none, or no /proc to look in.
 */
export async function processIn(dir: string): Promise<{ pid: number; proc_start: string } | null> {
  if (!PROC) return null;
  const wanted = await realpath(dir).catch(() => null);
  if (wanted === null) return null;
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    try {
      if ((await readlink(`/proc/${pid}/cwd`)) !== wanted) continue;
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // A command adapter the replica runs shares its directory but not its group.
      if (fields[0] === 'Z' || fields[0] === 'X' || Number(fields[2]) !== pid) continue;
      if (fields[19] !== undefined) return { pid, proc_start: fields[19] };
    } catch {
      // Gone meanwhile, or another user's: not a replica of ours.
    }
  }
  return null;
}
