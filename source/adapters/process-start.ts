/**
 * When a process started, to tell a live process from a later one that got its id: ids wrap, so a
 * pid that is alive proves nothing unless its process is at least as old as what it is said to
 * have done. A zombie is not alive: where the first process does not reap orphans (some
 * containers), a dead run's process can stay one for good.
 */
import {readFileSync} from 'node:fs';
import {identify} from './agent-processes.js';

let bootMs: number | undefined;
/** Clock ticks per second of /proc's start times: USER_HZ, 100 on every Linux we know of. */
const ticksPerSecond = 100;
/** btime is to the second and the tick to 10 ms. */
const slackMs = 2000;

/** Epoch ms of a start time as `identify` reads it (clock ticks since boot; `ps`'s lstart elsewhere). */
function startedAt(startTime: string): number {
	if (process.platform !== 'linux') return Date.parse(startTime);
	bootMs ??=
		Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1] ?? Number.NaN) * 1000;
	return bootMs + (Number(startTime) * 1000) / ticksPerSecond;
}

/**
 * Whether the process `pid` on this machine is alive and already was at `since` (epoch ms): the
 * same process that wrote a run file or made a claim then, not a newcomer with a reused id.
 */
export function aliveSince(pid: number, since: number): boolean {
	const identity = identify(pid);
	if (identity === undefined) return false;
	const started = startedAt(identity.startTime);
	return !Number.isFinite(started) || !Number.isFinite(since) || started <= since + slackMs;
}
