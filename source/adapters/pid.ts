import {readFileSync} from 'node:fs';

/**
 * Whether a process with this pid exists on this machine (signal 0 checks without sending) and
 * is not a zombie: a dead process that only its parent can reap, which where the first process
 * reaps no orphans (some containers) stays one for good.
 */
export function isAlive(pid: number): boolean {
	// 0 and negative ids name process groups to kill(2): never a process.
	if (!Number.isInteger(pid) || pid <= 0) return false;
	try {
		process.kill(pid, 0);
	} catch (error) {
		// EPERM: the process exists but belongs to someone else.
		return (error as NodeJS.ErrnoException).code === 'EPERM';
	}

	if (process.platform !== 'linux') return true;
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
		return state !== 'Z' && state !== 'X';
	} catch {
		// Gone between the signal and the read.
		return false;
	}
}
