/**
 * When a process started, to tell a live process from a later one that got its id: ids wrap, so a
 * pid that is alive proves nothing unless its process is at least as old as what it is said to
 * have done.
 */
import {readFileSync} from 'node:fs';
import {isAlive} from './pid.js';

let bootMs: number | undefined;
/** Clock ticks per second of /proc's start times: USER_HZ, 100 on every Linux we know of. */
const ticksPerSecond = 100;

/** Epoch ms at which `pid` started, or undefined where /proc cannot say (not Linux, gone). */
export function processStartedAt(pid: number): number | undefined {
	if (process.platform !== 'linux') return undefined;
	try {
		bootMs ??=
			Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1] ?? Number.NaN) * 1000;
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		// Field 22, counted after the command name, which may hold spaces and parentheses.
		const ticks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
		const at = bootMs + (ticks * 1000) / ticksPerSecond;
		return Number.isFinite(at) ? at : undefined;
	} catch {
		// Gone meanwhile, or no /proc: the caller judges by the pid alone.
		return undefined;
	}
}

/** btime is to the second and the tick to 10 ms. */
const slackMs = 2000;

/**
 * Whether the process `pid` on this machine is alive and already was at `since` (epoch ms): the
 * same process that wrote a run file or made a claim then, not a newcomer with a reused id.
 */
export function aliveSince(pid: number, since: number): boolean {
	if (!isAlive(pid)) return false;
	const started = processStartedAt(pid);
	return started === undefined || !Number.isFinite(since) || started <= since + slackMs;
}
