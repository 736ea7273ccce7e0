import {readdirSync, readFileSync} from 'node:fs';

/**
 * Pids of live processes whose environment names `dir` as JETPACK_WORK_DIR: the agents a run
 * started there. Read from /proc, so it sees processes whatever their parent became.
 */
export function processesOf(dir: string): number[] {
	const needle = `JETPACK_WORK_DIR=${dir}\u0000`;
	const found: number[] = [];
	for (const entry of readdirSync('/proc')) {
		if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
		try {
			const environ = readFileSync(`/proc/${entry}/environ`, 'latin1');
			const state = /^State:\s+(\S)/m.exec(readFileSync(`/proc/${entry}/status`, 'utf8'))?.[1];
			if (environ.includes(needle) && state !== 'Z') found.push(Number(entry));
		} catch {
			// Gone meanwhile, or not ours to read.
		}
	}

	return found;
}
