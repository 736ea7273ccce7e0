/**
 * Memory figures for the watchdog (PRODUCT.md §6): the resident memory of each agent's whole
 * process tree, the machine's available memory, and our own. On Linux from /proc, reading files
 * only (no process spawned per sample); elsewhere from one `ps` call per sample.
 */
import {execFile} from 'node:child_process';
import {readdir, readFile} from 'node:fs/promises';
import os from 'node:os';
import {promisify} from 'node:util';
import type {ProcessStats, TreeSample} from '../core/watchdog.js';

const execFileAsync = promisify(execFile);

interface ProcessEntry {
	readonly ppid: number;
	readonly rssBytes: number;
}

/** Sums each root's descendants, given every process's parent and size. */
export function treeSizes(
	processes: ReadonlyMap<number, ProcessEntry>,
	roots: ReadonlyMap<string, number>,
): Map<string, number> {
	const children = new Map<number, number[]>();
	for (const [pid, {ppid}] of processes) {
		const list = children.get(ppid);
		if (list === undefined) children.set(ppid, [pid]);
		else list.push(pid);
	}

	const sizes = new Map<string, number>();
	for (const [key, root] of roots) {
		let total = 0;
		const stack = [root];
		const seen = new Set<number>();
		while (stack.length > 0) {
			const pid = stack.pop() as number;
			if (seen.has(pid)) continue;
			seen.add(pid);
			total += processes.get(pid)?.rssBytes ?? 0;
			stack.push(...(children.get(pid) ?? []));
		}

		sizes.set(key, total);
	}

	return sizes;
}

/** The fields of /proc/<pid>/stat after the command name, which may hold spaces and parentheses. */
function parseStat(text: string, pageSize: number): ProcessEntry | undefined {
	const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
	const ppid = Number(fields[1]);
	const rssPages = Number(fields[21]);
	if (!Number.isFinite(ppid) || !Number.isFinite(rssPages)) return undefined;
	return {ppid, rssBytes: rssPages * pageSize};
}

async function meminfo(): Promise<{availableBytes: number; totalBytes: number}> {
	const text = await readFile('/proc/meminfo', 'utf8');
	const kb = (name: string) =>
		Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? Number.NaN) * 1024;
	const total = kb('MemTotal');
	const available = kb('MemAvailable');
	return {
		totalBytes: Number.isNaN(total) ? os.totalmem() : total,
		availableBytes: Number.isNaN(available) ? os.freemem() : available,
	};
}

export class ProcProcessStats implements ProcessStats {
	#pageSize: number | undefined;

	async sample(roots: ReadonlyMap<string, number>): Promise<TreeSample> {
		const processes = process.platform === 'linux' ? await this.#fromProc() : await fromPs();
		const machine =
			process.platform === 'linux'
				? await meminfo()
				: {totalBytes: os.totalmem(), availableBytes: os.freemem()};
		const {rss, heapUsed} = process.memoryUsage();
		return {
			trees: treeSizes(processes, roots),
			...machine,
			selfRssBytes: rss,
			selfHeapBytes: heapUsed,
		};
	}

	async #fromProc(): Promise<Map<number, ProcessEntry>> {
		const pageSize = (this.#pageSize ??= await measurePageSize());
		const processes = new Map<number, ProcessEntry>();
		const pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name));
		await Promise.all(
			pids.map(async (pid) => {
				// A process may end between readdir and reading its stat: it is simply not counted.
				const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
				const entry = text === undefined ? undefined : parseStat(text, pageSize);
				if (entry !== undefined) processes.set(Number(pid), entry);
			}),
		);
		return processes;
	}
}

/** Pages are 4 KiB on most machines, not all: our own resident size in pages and in bytes tells. */
async function measurePageSize(): Promise<number> {
	const pages = Number((await readFile('/proc/self/statm', 'utf8')).split(' ')[1]);
	const bytes = process.memoryUsage().rss;
	if (!(pages > 0)) return 4096;
	return 2 ** Math.round(Math.log2(bytes / pages));
}

async function fromPs(): Promise<Map<number, ProcessEntry>> {
	const {stdout} = await execFileAsync('ps', ['-A', '-o', 'pid=,ppid=,rss='], {
		maxBuffer: 16 * 1024 * 1024,
	});
	const processes = new Map<number, ProcessEntry>();
	for (const line of stdout.split('\n')) {
		const [pid, ppid, rssKb] = line.trim().split(/\s+/).map(Number);
		if (pid !== undefined && ppid !== undefined && rssKb !== undefined && Number.isFinite(rssKb))
			processes.set(pid, {ppid, rssBytes: rssKb * 1024});
	}

	return processes;
}
