// CPU time of everything this bench started (Chromium's processes and threads, the Lading proxy,
// the registry), from /proc, so a run can say which component used the two cores.

import { readFileSync, readdirSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

interface Sample {
  label: string;
  ticks: number;
}

export interface CpuSnapshot {
  /** Per process (or renderer thread): label and CPU ticks. */
  entries: Map<string, Sample>;
  /** Busy ticks of the whole machine (all cores), from /proc/stat. */
  systemBusy: number;
  /** This process and all its descendants, children they reaped included. */
  mine: number;
}

export const OTHER_PROCESSES = 'other processes on the machine (not this bench)';

function systemBusyTicks(): number {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]?.trim().split(/\s+/).slice(1).map(Number) ?? [];
  // user nice system idle iowait irq softirq steal …: everything but idle and iowait.
  return cpu.slice(0, 8).reduce((sum, v, i) => (i === 3 || i === 4 ? sum : sum + (v || 0)), 0);
}

function readStat(path: string): { comm: string; ppid: number; ticks: number; withChildren: number } | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  const comm = text.slice(open + 1, close);
  const fields = text.slice(close + 2).split(' ');
  // fields[0] is state (field 3); ppid is field 4, utime 14, stime 15, cutime 16, cstime 17.
  const ticks = Number(fields[11]) + Number(fields[12]);
  return { comm, ppid: Number(fields[1]), ticks, withChildren: ticks + Number(fields[13]) + Number(fields[14]) };
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

function processLabel(comm: string, cmd: string): string {
  if (cmd.includes('proxy/src/start.ts')) return 'Lading proxy (node)';
  if (comm.includes('docker-registry') || cmd.includes('docker-registry')) return 'docker-registry';
  if (cmd.includes('chromium') || comm.startsWith('chrom')) {
    if (cmd.includes('--type=renderer')) return 'chromium renderer';
    if (cmd.includes('NetworkService')) return 'chromium network service';
    if (cmd.includes('--type=gpu-process')) return 'chromium gpu';
    if (cmd.includes('--type=')) return 'chromium other';
    return 'chromium browser';
  }
  return `other (${comm})`;
}

/** Renderer threads by role (Linux keeps 15 characters of a thread's name). */
function threadLabel(comm: string, isMain: boolean): string {
  if (isMain) return 'main thread (page)';
  if (comm.startsWith('DedicatedWorker')) return 'dedicated workers';
  if (comm.startsWith('ThreadPool')) return 'thread pool (V8 GC, compilers, …)';
  if (comm.startsWith('Chrome_ChildIOT')) return 'IO thread (IPC, data pipes)';
  if (comm.startsWith('Compositor')) return 'compositor';
  return 'other threads';
}

/** CPU ticks of every descendant of `root` (renderer processes split by thread), and of the machine. */
export function snapshotCpu(root = process.pid): CpuSnapshot {
  const systemBusy = systemBusyTicks();
  const parents = new Map<number, number>();
  const stats = new Map<number, { comm: string; ticks: number; withChildren: number }>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = readStat(`/proc/${name}/stat`);
    if (!s) continue;
    parents.set(Number(name), s.ppid);
    stats.set(Number(name), s);
  }
  const isDescendant = (pid: number): boolean => {
    for (let p = parents.get(pid), hops = 0; p !== undefined && hops < 64; p = parents.get(p), hops++) if (p === root) return true;
    return false;
  };
  const out = new Map<string, Sample>();
  let mine = stats.get(root)?.withChildren ?? 0;
  for (const [pid, s] of stats) {
    if (!isDescendant(pid)) continue;
    mine += s.withChildren;
    const label = processLabel(s.comm, cmdline(pid));
    if (label === 'chromium renderer') {
      let tids: string[] = [];
      try {
        tids = readdirSync(`/proc/${pid}/task`);
      } catch {
        // exited
      }
      for (const tid of tids) {
        const t = readStat(`/proc/${pid}/task/${tid}/stat`);
        if (t) out.set(`${pid}/${tid}`, { label: `chromium renderer: ${threadLabel(t.comm, tid === String(pid))}`, ticks: t.ticks });
      }
    } else {
      out.set(String(pid), { label, ticks: s.ticks });
    }
  }
  return { entries: out, systemBusy, mine };
}

/**
 * CPU seconds per label between two snapshots (things born in between count from zero), plus what
 * the rest of the machine used meanwhile (other people's builds and tests: the bench is not alone).
 */
export function cpuSeconds(before: CpuSnapshot, after: CpuSnapshot): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, s] of after.entries) {
    const delta = s.ticks - (before.entries.get(key)?.ticks ?? 0);
    if (delta > 0) out[s.label] = (out[s.label] ?? 0) + delta / TICKS_PER_SECOND;
  }
  const others = (after.systemBusy - before.systemBusy - (after.mine - before.mine)) / TICKS_PER_SECOND;
  out[OTHER_PROCESSES] = Math.max(0, others);
  return Object.fromEntries(Object.entries(out).sort((a, b) => b[1] - a[1]));
}
