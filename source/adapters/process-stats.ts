/**
 * Memory figures for the watchdog (PRODUCT.md §6): the resident memory of everything each agent
 * started, the machine's available memory, and our own. An agent's processes are found as
 * agent-processes.ts finds them to stop them (its token, its session, its descendants), so a
 * child that detached or daemonised is measured as well as it is stopped. On Linux from /proc,
 * reading files only (no process spawned per sample); elsewhere from one `ps` call per sample.
 */
import {readFile} from 'node:fs/promises';
import os from 'node:os';
import type {ProcessStats, TreeSample} from '../core/watchdog.js';
import {
	agentMembers,
	launchedLeader,
	processScanner,
	remember,
	type ProcessScanner,
	type ProcessTable,
} from './agent-processes.js';

/** Sums the resident memory of each root's processes, given the process table. */
export function treeSizes(
	table: ProcessTable,
	roots: ReadonlyMap<string, number>,
	self = process.pid,
): Map<string, number> {
	const sizes = new Map<string, number>();
	for (const [key, root] of roots) {
		// Launched here: known by identity and token even once the leader has gone and what it
		// left is being stopped. Otherwise whatever process has the pid now.
		const launched = launchedLeader(root);
		const leader = launched ?? table.get(root);
		if (leader === undefined) {
			sizes.set(key, 0);
			continue;
		}

		const token = leader.token;
		const members = agentMembers(table, (candidate) => candidate === token, {
			leader,
			self,
			known: launched?.known,
		});
		if (launched !== undefined) remember(launched.known, members);
		sizes.set(
			key,
			members.reduce((sum, entry) => sum + entry.rssBytes, 0),
		);
	}

	return sizes;
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
	readonly #scanner: ProcessScanner;

	constructor(scanner: ProcessScanner = processScanner) {
		this.#scanner = scanner;
	}

	async sample(roots: ReadonlyMap<string, number>): Promise<TreeSample> {
		const table = await this.#scanner.scan();
		const machine =
			process.platform === 'linux'
				? await meminfo()
				: {totalBytes: os.totalmem(), availableBytes: os.freemem()};
		const {rss, heapUsed} = process.memoryUsage();
		return {
			trees: treeSizes(table, roots),
			...machine,
			selfRssBytes: rss,
			selfHeapBytes: heapUsed,
		};
	}
}
