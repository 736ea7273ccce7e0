/**
 * Memory figures for the watchdog (PRODUCT.md §6): the resident memory of everything each agent
 * started, the machine's available memory, and our own. An agent's processes are those
 * agent-processes.ts finds to stop them (its token, its session, its descendants), so a child that
 * detached or daemonised is measured as well as it is stopped.
 *
 * On Linux a sample reads only the agents' own processes, not the whole of /proc: each process
 * known to be an agent's (by pid and start time) has its stat read, and the children lists of its
 * threads (/proc/PID/task/TID/children) name its new children. A process whose parent exits is
 * reparented to init (or a subreaper) and leaves those lists, so a sweep — one listing of /proc,
 * reading only the processes new since the last (ProcessScanner.membersOfEach), looking for the
 * agent's token, session and group — runs for an agent when it is first seen, when one of its
 * processes has gone (or its pid now names another process), and otherwise every `sweepEveryMs`.
 * The trade-off: a double fork whose middle process starts and exits between two samples leaves a
 * daemon the children lists never show; it is counted at the next sweep, at most `sweepEveryMs`
 * (10 s) late, or sooner if any process of the agent ends. Stopping the agent is not affected: at
 * the end of an attempt the launcher always sweeps.
 *
 * Without children lists (a kernel without CONFIG_PROC_CHILDREN) every sample sweeps. Elsewhere
 * than Linux, one `ps` call per sample.
 */
import {existsSync, readdirSync} from 'node:fs';
import {readFile} from 'node:fs/promises';
import os from 'node:os';
import type {ProcessStats, TreeSample} from '../core/watchdog.js';
import {
	agentMembers,
	launchedLeader,
	measurePageSize,
	parseStat,
	processKey,
	processScanner,
	readProcFile,
	readSmall,
	remember,
	tokenIn,
	type ProcessEntry,
	type ProcessIdentity,
	type ProcessScanner,
	type ProcessTable,
} from './agent-processes.js';

/** Sums the resident memory of each root's processes, given the whole process table. */
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

/** A process of an agent, as last read, with the threads whose children lists name its children. */
interface Tracked {
	entry: ProcessEntry;
	threads: readonly string[] | undefined;
	threadCount: number;
}

/** What is known of one agent's processes between samples. */
interface Tree {
	readonly root: number;
	readonly leader: ProcessIdentity | undefined;
	readonly token: string | undefined;
	readonly members: Map<number, Tracked>;
	/** When it was last swept (ms since the epoch); undefined: never. */
	sweptAt: number | undefined;
}

/** Walks each agent's processes through their children lists: see the comment at the top. */
export class ProcessTrees {
	readonly #scanner: ProcessScanner;
	readonly #sweepEveryMs: number;
	readonly #children: boolean;
	readonly #trees = new Map<string, Tree>();
	#pageSize: number | undefined;
	/** How many sweeps were made: for the tests and the bench, which check when they happen. */
	sweeps = 0;

	constructor(
		options: {
			readonly scanner?: ProcessScanner;
			readonly sweepEveryMs?: number;
			/** False behaves as a kernel without children lists would: a sweep every sample. */
			readonly childrenLists?: boolean;
		} = {},
	) {
		this.#scanner = options.scanner ?? processScanner;
		this.#sweepEveryMs = options.sweepEveryMs ?? 10_000;
		this.#children = options.childrenLists ?? hasChildrenLists();
	}

	/** Each root's agent's processes now (keys not asked for are forgotten). */
	async members(roots: ReadonlyMap<string, number>): Promise<Map<string, ProcessEntry[]>> {
		const pageSize = (this.#pageSize ??= await measurePageSize());
		const now = Date.now();
		for (const key of this.#trees.keys()) if (!roots.has(key)) this.#trees.delete(key);
		const result = new Map<string, ProcessEntry[]>();
		const toSweep: Array<[string, Tree]> = [];
		for (const [key, root] of roots) {
			let tree = this.#trees.get(key);
			if (tree?.root !== root) {
				tree = this.#firstLook(root, pageSize);
				if (tree === undefined) {
					this.#trees.delete(key);
					result.set(key, []);
					continue;
				}

				this.#trees.set(key, tree);
			}

			const lost = this.#walk(tree, pageSize);
			if (
				!this.#children ||
				lost ||
				tree.sweptAt === undefined ||
				now - tree.sweptAt >= this.#sweepEveryMs
			)
				toSweep.push([key, tree]);
			else
				result.set(
					key,
					[...tree.members.values()].map((tracked) => tracked.entry),
				);
		}

		if (toSweep.length > 0) {
			this.sweeps++;
			const found = await this.#scanner.membersOfEach(
				toSweep.map(([, tree]) => ({
					matches: (token: string) => token === tree.token,
					options: {
						leader: tree.leader,
						self: process.pid,
						known: new Set([...tree.members.values()].map((tracked) => processKey(tracked.entry))),
					},
				})),
			);
			for (const [index, [key, tree]] of toSweep.entries()) {
				const members = found[index] ?? [];
				const before = tree.members;
				const after = new Map<number, Tracked>();
				for (const entry of members) {
					const old = before.get(entry.pid);
					after.set(
						entry.pid,
						old?.entry.startTime === entry.startTime
							? {...old, entry}
							: {entry, threads: undefined, threadCount: 0},
					);
				}

				before.clear();
				for (const [pid, tracked] of after) before.set(pid, tracked);
				tree.sweptAt = now;
				result.set(key, members);
			}
		}

		for (const [key, root] of roots) {
			const launched = launchedLeader(root);
			const members = result.get(key);
			if (launched !== undefined && members !== undefined) remember(launched.known, members);
		}

		return result;
	}

	/**
	 * An agent seen for the first time: its leader (the identity and token it was launched with,
	 * when launched here; else whatever process has the pid now) and what the launcher has found.
	 */
	#firstLook(root: number, pageSize: number): Tree | undefined {
		const launched = launchedLeader(root);
		const now = readEntry(root, pageSize);
		const leader =
			launched ?? (now === undefined ? undefined : {pid: root, startTime: now.startTime});
		if (leader === undefined) return undefined;
		const token =
			launched?.token ??
			(now === undefined ? undefined : tokenIn(readProcFile(`/proc/${root}/environ`) ?? ''));
		const members = new Map<number, Tracked>();
		const seed = (entry: ProcessEntry) =>
			members.set(entry.pid, {entry, threads: undefined, threadCount: 0});
		if (now !== undefined && now.startTime === leader.startTime) seed({...now, token});
		for (const key of launched?.known ?? []) {
			const [pid, startTime] = key.split(':');
			const entry = readEntry(Number(pid), pageSize);
			if (entry !== undefined && entry.startTime === startTime) seed(entry);
		}

		return {root, leader, token, members, sweptAt: undefined};
	}

	/**
	 * Reads every known process again and takes in the new children their threads list. Returns
	 * whether a known process has gone (or its pid is another process's now): what it started
	 * may have been reparented out of reach of the children lists.
	 */
	#walk(tree: Tree, pageSize: number): boolean {
		let lost = false;
		const queue = [...tree.members.keys()];
		const seen = new Set<number>();
		while (queue.length > 0) {
			const pid = queue.pop() as number;
			if (seen.has(pid) || pid === process.pid) continue;
			seen.add(pid);
			const tracked = tree.members.get(pid);
			const read = readStat(pid, pageSize);
			if (
				read === undefined ||
				(tracked !== undefined && read.entry.startTime !== tracked.entry.startTime)
			) {
				if (tracked !== undefined) {
					tree.members.delete(pid);
					lost = true;
				}

				continue;
			}

			const entry = {...read.entry, token: tracked?.entry.token};
			const current: Tracked = tracked ?? {entry, threads: undefined, threadCount: 0};
			current.entry = entry;
			tree.members.set(pid, current);
			if (!this.#children) continue;
			for (const child of childrenOf(current, read.threadCount)) {
				if (!tree.members.has(child)) queue.push(child);
			}
		}

		return lost;
	}
}

/** A process's stat, with how many threads it has. */
function readStat(
	pid: number,
	pageSize: number,
): {entry: ProcessEntry; threadCount: number} | undefined {
	const text = readSmall(`/proc/${pid}/stat`);
	const stat = text === undefined ? undefined : parseStat(pid, text, pageSize);
	if (text === undefined || stat === undefined) return undefined;
	const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
	return {entry: {...stat, token: undefined}, threadCount: Number(fields[17])};
}

function readEntry(pid: number, pageSize: number): ProcessEntry | undefined {
	return readStat(pid, pageSize)?.entry;
}

/**
 * The pids in the children lists of every thread of a process (a child belongs to the thread
 * that forked it). The thread ids are listed again only when their number changed or one of them
 * has gone: a thread that ended and another that started in its place leaves an unreadable list.
 */
function childrenOf(tracked: Tracked, threadCount: number): number[] {
	const {pid} = tracked.entry;
	for (let attempt = 0; attempt < 2; attempt++) {
		if (tracked.threads === undefined || tracked.threadCount !== threadCount || attempt > 0) {
			try {
				tracked.threads = readdirSync(`/proc/${pid}/task`);
			} catch {
				// The process has gone since its stat was read: the next sample sees it gone.
				return [];
			}

			tracked.threadCount = threadCount;
		}

		const children: number[] = [];
		let complete = true;
		for (const tid of tracked.threads) {
			const text = readProcFile(`/proc/${pid}/task/${tid}/children`);
			if (text === undefined) {
				complete = false;
				break;
			}

			for (const word of text.split(' ')) if (word !== '') children.push(Number(word));
		}

		if (complete) return children;
	}

	return [];
}

let childrenLists: boolean | undefined;

/** Whether this kernel lists a thread's children (CONFIG_PROC_CHILDREN). */
function hasChildrenLists(): boolean {
	childrenLists ??= existsSync(`/proc/self/task/${process.pid}/children`);
	return childrenLists;
}

export class ProcProcessStats implements ProcessStats {
	readonly #scanner: ProcessScanner;
	readonly #trees: ProcessTrees | undefined;

	constructor(
		scanner: ProcessScanner = processScanner,
		options: {readonly sweepEveryMs?: number; readonly childrenLists?: boolean} = {},
	) {
		this.#scanner = scanner;
		this.#trees =
			process.platform === 'linux' ? new ProcessTrees({scanner, ...options}) : undefined;
	}

	/** How many sweeps of /proc the samples so far needed. */
	get sweeps(): number {
		return this.#trees?.sweeps ?? 0;
	}

	async sample(roots: ReadonlyMap<string, number>): Promise<TreeSample> {
		const trees =
			this.#trees === undefined
				? treeSizes(await this.#scanner.scan(), roots)
				: sizesOf(await this.#trees.members(roots));
		const machine =
			process.platform === 'linux'
				? await meminfo()
				: {totalBytes: os.totalmem(), availableBytes: os.freemem()};
		const {rss, heapUsed} = process.memoryUsage();
		return {trees, ...machine, selfRssBytes: rss, selfHeapBytes: heapUsed};
	}
}

function sizesOf(members: ReadonlyMap<string, readonly ProcessEntry[]>): Map<string, number> {
	const sizes = new Map<string, number>();
	for (const [key, entries] of members)
		sizes.set(
			key,
			entries.reduce((sum, entry) => sum + entry.rssBytes, 0),
		);
	return sizes;
}
