/**
 * Which processes are an agent's, and signals that reach only those (PRODUCT.md §4). Every agent
 * is launched with a token in its environment (`JETPACK_AGENT_TOKEN`), which every process it
 * starts inherits whatever it does next: fork, leave the group, `setsid`, daemonise. /proc shows
 * a process's environment as it was when it started, so the token finds an agent's processes
 * after its leader has gone and its children were reparented to init. A process that drops its
 * environment still counts while it descends from one that carries the token, or shares its
 * session or group.
 *
 * A process id, and a group id, is reused once its process is gone, so nothing here ever signals
 * a group, and a pid only after reading, immediately before the signal, that it still has the
 * start time (and token) it was found with.
 *
 * On Linux all of this reads /proc. Elsewhere (macOS) the environment of other processes cannot
 * be read: an agent's processes are its leader's descendants, session and group from `ps`, and the
 * check before a signal compares the start time `ps` reports.
 */
import {execFile, execFileSync} from 'node:child_process';
import {readFile} from 'node:fs/promises';
import {closeSync, openSync, readdirSync, readFileSync, readSync} from 'node:fs';
import {promisify} from 'node:util';
import type {Disposable} from '../core/agent-ports.js';

const execFileAsync = promisify(execFile);

/** The environment variable that marks every process an agent started. */
export const agentTokenVariable = 'JETPACK_AGENT_TOKEN';

/** One process as seen in one scan. */
export interface ProcessEntry {
	readonly pid: number;
	readonly ppid: number;
	readonly pgid: number;
	readonly sid: number;
	/** When it started (clock ticks since boot; `ps`'s lstart off Linux): with the pid, who it is. */
	readonly startTime: string;
	readonly rssBytes: number;
	/** Its JETPACK_AGENT_TOKEN, if it has one we could read. */
	readonly token: string | undefined;
}

export type ProcessTable = ReadonlyMap<number, ProcessEntry>;

/** A process known by pid and start time: the pid alone may be someone else's tomorrow. */
export interface ProcessIdentity {
	readonly pid: number;
	readonly startTime: string;
}

export interface MemberOptions {
	/** The agent's first process, while it is the same process. */
	readonly leader?: ProcessIdentity;
	/** The orchestrator, which may carry a token of its own when an agent runs it. */
	readonly self?: number;
	/**
	 * Processes found to be the agent's at an earlier look (`pid:startTime`): they still are,
	 * whatever they did since (a process that dropped its environment, then lost its parent).
	 */
	readonly known?: ReadonlySet<string>;
}

/** How a process is remembered: its pid and start time. */
export const processKey = (entry: ProcessIdentity) => `${entry.pid}:${entry.startTime}`;

/**
 * The processes in `table` that belong to an agent: those whose token `matches`, the `leader`
 * while it is the same process, those `known` already, every process in a session or group that
 * one of those (or the leader) created, and every descendant of any of them. Never `self`.
 */
export function agentMembers(
	table: ProcessTable,
	matches: (token: string) => boolean,
	options: MemberOptions = {},
): ProcessEntry[] {
	return membersIn(indexTable(table), matches, options);
}

/** A process table with each process's children at hand, for several `membersIn` over it. */
export interface IndexedTable {
	readonly table: ProcessTable;
	readonly children: ReadonlyMap<number, readonly number[]>;
}

export function indexTable(table: ProcessTable): IndexedTable {
	const children = new Map<number, number[]>();
	for (const entry of table.values()) {
		const list = children.get(entry.ppid);
		if (list === undefined) children.set(entry.ppid, [entry.pid]);
		else list.push(entry.pid);
	}

	return {table, children};
}

/** `agentMembers` over a table indexed once. */
export function membersIn(
	{table, children}: IndexedTable,
	matches: (token: string) => boolean,
	options: MemberOptions = {},
): ProcessEntry[] {
	const anchors: ProcessEntry[] = [];
	// By pid first: a key is built only for the few processes that may be known.
	const knownPids = new Set([...(options.known ?? [])].map((key) => Number(key.split(':')[0])));
	for (const entry of table.values()) {
		if (
			(entry.token !== undefined && matches(entry.token)) ||
			(knownPids.has(entry.pid) && options.known?.has(processKey(entry)) === true)
		) {
			anchors.push(entry);
		}
	}

	const leader = options.leader === undefined ? undefined : table.get(options.leader.pid);
	if (leader !== undefined && leader.startTime === options.leader?.startTime) anchors.push(leader);
	// A session or group id stays taken while any process is in it, so while an anchor is in a
	// session that an anchor (or the leader) created, only processes started inside it — ours —
	// can be in it. Not any anchor's session: a leader just forked, before its setsid, is still in
	// the orchestrator's session, which may hold the user's shell.
	const founders = new Set(anchors.map((entry) => entry.pid));
	if (options.leader !== undefined) founders.add(options.leader.pid);
	const sessions = new Set(anchors.map((entry) => entry.sid).filter((id) => founders.has(id)));
	const groups = new Set(anchors.map((entry) => entry.pgid).filter((id) => founders.has(id)));
	const members = new Set<number>(anchors.map((entry) => entry.pid));
	if (sessions.size > 0 || groups.size > 0) {
		for (const entry of table.values()) {
			if (sessions.has(entry.sid) || groups.has(entry.pgid)) members.add(entry.pid);
		}
	}

	const stack = [...members];
	while (stack.length > 0) {
		for (const child of children.get(stack.pop() as number) ?? []) {
			if (members.has(child)) continue;
			members.add(child);
			stack.push(child);
		}
	}

	members.delete(options.self ?? -1);
	return [...members].map((pid) => table.get(pid) as ProcessEntry);
}

/** The fields of /proc/<pid>/stat after the command name, which may hold spaces and parentheses. */
export function parseStat(
	pid: number,
	text: string,
	pageSize: number,
): Omit<ProcessEntry, 'token'> | undefined {
	const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
	// Zombies and dying processes are gone for every purpose here; only their parent can reap them.
	if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
	const [ppid, pgid, sid] = [fields[1], fields[2], fields[3]].map(Number);
	const rssPages = Number(fields[21]);
	const startTime = fields[19];
	if (
		ppid === undefined ||
		pgid === undefined ||
		sid === undefined ||
		startTime === undefined ||
		![ppid, pgid, sid, rssPages].every(Number.isFinite)
	) {
		return undefined;
	}

	return {pid, ppid, pgid, sid, startTime, rssBytes: rssPages * pageSize};
}

/** The token in a NUL-separated environment block, if any. */
export function tokenIn(environ: string): string | undefined {
	const key = `${agentTokenVariable}=`;
	const at = environ.startsWith(key) ? 0 : environ.indexOf(`\u0000${key}`);
	if (at === -1) return undefined;
	const start = at === 0 ? key.length : at + 1 + key.length;
	const end = environ.indexOf('\u0000', start);
	return environ.slice(start, end === -1 ? undefined : end);
}

function readStartTimeSync(pid: number): string | undefined {
	if (process.platform !== 'linux') {
		try {
			return execFileSync('ps', ['-o', 'lstart=', '-p', String(pid)], {encoding: 'utf8'}).trim();
		} catch {
			// ps exits 1 when there is no such process.
			return undefined;
		}
	}

	try {
		const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
		const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
		return fields[0] === 'Z' || fields[0] === 'X' ? undefined : fields[19];
	} catch {
		// Gone.
		return undefined;
	}
}

/** Processes whose token was read too early (see signalIfOurs): read again at the next scan. */
const staleTokens = new Set<string>();

function readTokenSync(pid: number): string | undefined {
	try {
		return tokenIn(readFileSync(`/proc/${pid}/environ`, 'latin1'));
	} catch {
		// Gone, or not ours to read (another user's process): not ours to signal either.
		return undefined;
	}
}

/**
 * Sends `signal` to `entry.pid` if it is still the process that was found: same start time, and
 * the same token when it was found by one. Both are read synchronously right before the signal,
 * so no other code runs in between; the pid would have to be freed and the whole id space wrap
 * round within those few system calls for the signal to miss. Returns whether it was sent.
 */
export function signalIfOurs(entry: ProcessEntry, signal: NodeJS.Signals): boolean {
	if (entry.pid === process.pid || entry.pid <= 1) return false;
	if (readStartTimeSync(entry.pid) !== entry.startTime) return false;
	if (entry.token !== undefined && readTokenSync(entry.pid) !== entry.token) {
		// Found by a token it no longer shows: read before its exec, when a new process shows its
		// parent's environment. The next scan reads it again.
		staleTokens.add(`${entry.pid}:${entry.startTime}`);
		return false;
	}

	try {
		process.kill(entry.pid, signal);
		return true;
	} catch (error) {
		// ESRCH: it ended after the check. EPERM: not ours after all; either way nothing to do.
		const code = (error as NodeJS.ErrnoException).code;
		if (code === 'ESRCH' || code === 'EPERM') return false;
		throw error;
	}
}

/** Our own start time: no process started before us can carry a token we gave. */
function ownStartTime(): number {
	if (process.platform !== 'linux') return 0;
	try {
		return Number(readStartTimeSync(process.pid) ?? 0);
	} catch {
		// Without it every environment is read: slower, not wrong.
		return 0;
	}
}

/** Pages are 4 KiB on most machines, not all: our own resident size in pages and in bytes tells. */
export async function measurePageSize(): Promise<number> {
	const pages = Number((await readFile('/proc/self/statm', 'utf8')).split(' ')[1]);
	const bytes = process.memoryUsage().rss;
	if (!(pages > 0)) return 4096;
	return 2 ** Math.round(Math.log2(bytes / pages));
}

/**
 * Reads the process table. An environment is read once per process (by pid and start time), and
 * only for processes started at or after `since` (clock ticks since boot; by default when this
 * process started), so a scan every 2 s costs one stat read per process.
 */
export class ProcessScanner {
	readonly #since: number;
	/** Every process as last read: its token is read once per pid and start time. */
	readonly #known = new Map<number, ProcessEntry>();
	#pageSize: number | undefined;
	/** The kernel's fork counter at the last incremental look. */
	#forks: number | undefined;

	constructor(options: {readonly since?: number} = {}) {
		this.#since = options.since ?? ownStartTime();
	}

	/** The whole process table, every entry read now. */
	async scan(): Promise<Map<number, ProcessEntry>> {
		if (process.platform !== 'linux') return fromPs();
		const pageSize = (this.#pageSize ??= await measurePageSize());
		this.#forks = forksSinceBoot();
		const table = new Map<number, ProcessEntry>();
		for (const pid of this.#pids()) {
			const entry = this.#read(pid, pageSize);
			if (entry !== undefined) table.set(pid, entry);
		}

		return table;
	}

	/**
	 * The processes of one agent (`agentMembers`), reading only what can have changed since the
	 * last look: processes new since then, and those that were the agent's then. A process that
	 * was someone else's stays someone else's (its token, session and parent cannot become ours),
	 * unless its pid was reused in between: which takes the pid allocator going round the whole
	 * pid space, so when the kernel's fork counter says as many processes may have started since
	 * the last look, every process is read again. At an agent's exit this is a handful of reads
	 * instead of one per process on the machine.
	 */
	async membersOf(
		matches: (token: string) => boolean,
		options: MemberOptions = {},
	): Promise<ProcessEntry[]> {
		const [members] = await this.membersOfEach([{matches, options}]);
		return members ?? [];
	}

	/** `membersOf` for several agents, listing /proc once. */
	async membersOfEach(
		queries: ReadonlyArray<{
			readonly matches: (token: string) => boolean;
			readonly options?: MemberOptions;
		}>,
	): Promise<ProcessEntry[][]> {
		if (process.platform !== 'linux') {
			const table = await fromPs();
			return queries.map(({matches, options}) => agentMembers(table, matches, options));
		}

		const pageSize = (this.#pageSize ??= await measurePageSize());
		this.#forgetIfWrapped();
		const pids = this.#pids();
		const before = new Set<number>();
		const known = indexTable(this.#known);
		for (const {matches, options} of queries) {
			for (const entry of membersIn(known, matches, options)) before.add(entry.pid);
		}

		const table = new Map<number, ProcessEntry>();
		for (const pid of pids) {
			if (this.#known.has(pid) && !before.has(pid)) continue;
			const entry = this.#read(pid, pageSize);
			if (entry !== undefined) table.set(pid, entry);
		}

		return queries.map(({matches, options}) => agentMembers(table, matches, options));
	}

	/**
	 * Forgets every process known when the pid space may have gone round since the last look
	 * (pids are handed out in turn; a pid is reused only once the counter has passed every other).
	 */
	#forgetIfWrapped(): void {
		const forks = forksSinceBoot();
		const last = this.#forks;
		this.#forks = forks;
		if (last === undefined || forks === undefined || forks - last >= pidSpace() / 2)
			this.#known.clear();
	}

	/** The pids in /proc now; what is known of the others is forgotten. */
	#pids(): Set<number> {
		const pids = new Set<number>();
		for (const name of readdirSync('/proc')) {
			const pid = Number(name);
			if (Number.isInteger(pid)) pids.add(pid);
		}

		for (const pid of this.#known.keys()) if (!pids.has(pid)) this.#known.delete(pid);
		for (const key of staleTokens) {
			if (!pids.has(Number(key.split(':')[0]))) staleTokens.delete(key);
		}

		return pids;
	}

	/**
	 * Synchronous on purpose: one open/read/close per process with a shared buffer costs ~10 µs,
	 * seven times less CPU than the same reads through the thread pool, and blocks for about a
	 * millisecond per hundred processes.
	 */
	#read(pid: number, pageSize: number): ProcessEntry | undefined {
		// A process may end between readdir and reading its stat: it is simply not there.
		const text = readSmall(`/proc/${pid}/stat`);
		const stat = text === undefined ? undefined : parseStat(pid, text, pageSize);
		if (stat === undefined) {
			this.#known.delete(pid);
			return undefined;
		}

		const known = this.#known.get(pid);
		const key = `${pid}:${stat.startTime}`;
		let token: string | undefined;
		if (known?.startTime === stat.startTime && !staleTokens.delete(key)) token = known.token;
		else token = Number(stat.startTime) >= this.#since ? readTokenSync(pid) : undefined;
		const entry = {...stat, token};
		this.#known.set(pid, entry);
		return entry;
	}
}

const statBuffer = Buffer.alloc(4096);

/** Processes (and threads) started since boot, from /proc/stat; undefined if unreadable. */
function forksSinceBoot(): number | undefined {
	const text = readProcFile('/proc/stat');
	const forks = Number(/^processes (\d+)$/m.exec(text ?? '')?.[1]);
	return Number.isFinite(forks) ? forks : undefined;
}

let pidMax: number | undefined;

/** How many pids there are before the kernel hands out the first again. */
function pidSpace(): number {
	pidMax ??= Number(readSmall('/proc/sys/kernel/pid_max')?.trim()) || 32_768;
	return pidMax;
}

/** A /proc file of any length (/proc/stat, a children list), or undefined if it cannot be read. */
export function readProcFile(file: string): string | undefined {
	let fd: number | undefined;
	try {
		fd = openSync(file, 'r');
		let text = '';
		for (;;) {
			const length = readSync(fd, statBuffer, 0, statBuffer.length, null);
			if (length === 0) return text;
			text += statBuffer.toString('latin1', 0, length);
		}
	} catch {
		// Gone, or not readable.
		return undefined;
	} finally {
		if (fd !== undefined) closeSync(fd);
	}
}

/** A /proc file that fits in a page, or undefined if it cannot be read. */
export function readSmall(file: string): string | undefined {
	let fd: number | undefined;
	try {
		fd = openSync(file, 'r');
		const length = readSync(fd, statBuffer, 0, statBuffer.length, 0);
		return statBuffer.toString('latin1', 0, length);
	} catch {
		// Gone, or not readable.
		return undefined;
	} finally {
		if (fd !== undefined) closeSync(fd);
	}
}

async function fromPs(): Promise<Map<number, ProcessEntry>> {
	// No session id: BSD ps's `sess` is a kernel address. lstart last: it holds spaces.
	const {stdout} = await execFileAsync('ps', ['-A', '-o', 'pid=,ppid=,pgid=,rss=,lstart='], {
		maxBuffer: 16 * 1024 * 1024,
	});
	const table = new Map<number, ProcessEntry>();
	for (const line of stdout.split('\n')) {
		const match = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(.+?)\s*$/.exec(line);
		if (match === null) continue;
		const [pid, ppid, pgid, rssKb] = match.slice(1, 5).map(Number) as [
			number,
			number,
			number,
			number,
		];
		table.set(pid, {
			pid,
			ppid,
			pgid,
			sid: 0,
			rssBytes: rssKb * 1024,
			startTime: match[5] ?? '',
			token: undefined,
		});
	}

	return table;
}

/** One scanner for the whole program: the launcher and the memory sampler share its cache. */
export const processScanner = new ProcessScanner();

/** A leader's identity, read as soon as it is spawned: it is our child, so not yet anyone else's. */
export function identify(pid: number): ProcessIdentity | undefined {
	const startTime = readStartTimeSync(pid);
	return startTime === undefined ? undefined : {pid, startTime};
}

/** A leader launched here, its token, and its agent's processes as last found. */
export interface LaunchedLeader extends ProcessIdentity {
	readonly token: string;
	/** `processKey`s; whoever looks (the launcher, the memory sampler) replaces them. */
	readonly known: Set<string>;
}

const leaders = new Map<number, LaunchedLeader>();

/**
 * Remembers which token a leader was launched with (until its exec, /proc shows a new process
 * with its parent's environment; the launcher knows better), and shares what is found of its
 * processes between the launcher and the memory sampler.
 */
export function registerLeader(leader: LaunchedLeader): Disposable {
	leaders.set(leader.pid, leader);
	return {
		dispose() {
			if (leaders.get(leader.pid) === leader) leaders.delete(leader.pid);
		},
	};
}

/**
 * The leader launched here with pid `pid`, until its attempt is reported ended: after the leader
 * itself has exited, while what it left is being stopped, too.
 */
export function launchedLeader(pid: number): LaunchedLeader | undefined {
	return leaders.get(pid);
}

/** Keeps `members` as what is known of an agent: bounded by what is alive now. */
export function remember(known: Set<string>, members: readonly ProcessEntry[]): void {
	known.clear();
	for (const entry of members) known.add(processKey(entry));
}

const sleep = async (ms: number) =>
	new Promise((resolve) => {
		setTimeout(resolve, ms);
	});

/** How long SIGKILL rounds go on for processes that keep appearing (a fork loop). */
const killRoundsMs = 10_000;
/** How long a killed process may take to disappear before it is left to the kernel. */
const lingerMs = 1000;
const maxTries = 3;
const pollMs = 50;

/**
 * Stops every process `find` returns: SIGTERM (unless `immediate`), up to `graceMs` for them to go,
 * then SIGKILL, repeated while any are left (a process forking as fast as it can is outrun: each
 * round kills the parents whose children the next round finds). Every signal goes through
 * `signalIfOurs`. Resolves with how many distinct processes were found.
 */
export async function stopProcesses(
	find: () => Promise<ProcessEntry[]>,
	options: {
		readonly graceMs: number;
		readonly immediate?: boolean;
		/** Asked during the grace: true cuts it short (a stop that became immediate). */
		readonly hurry?: () => boolean;
	},
): Promise<number> {
	const seen = new Set<string>();
	const note = (entries: ProcessEntry[]) => {
		for (const entry of entries) seen.add(`${entry.pid}:${entry.startTime}`);
		return entries;
	};

	let left = note(await find());
	if (left.length === 0) return 0;
	if (options.immediate !== true) {
		const deadline = Date.now() + options.graceMs;
		const termed = new Set<string>();
		while (left.length > 0 && Date.now() < deadline && options.hurry?.() !== true) {
			for (const entry of left) {
				const key = `${entry.pid}:${entry.startTime}`;
				if (!termed.has(key) && signalIfOurs(entry, 'SIGTERM')) termed.add(key);
			}

			await sleep(Math.min(pollMs, Math.max(0, deadline - Date.now())));
			left = note(await find());
		}
	}

	// One SIGKILL each is final (it cannot be caught); the rounds are for processes forked since
	// the last look. One that was killed and still shows (uninterruptible sleep) is waited for a
	// little; one that cannot be signalled (EPERM: a setuid program) is tried a few times.
	const tries = new Map<string, number>();
	const killed = new Set<string>();
	const deadline = Date.now() + killRoundsMs;
	let lastKill = Date.now();
	while (left.length > 0 && Date.now() < deadline) {
		const fresh = left.filter((entry) => {
			const key = `${entry.pid}:${entry.startTime}`;
			return !killed.has(key) && (tries.get(key) ?? 0) < maxTries;
		});
		if (fresh.length === 0 && Date.now() - lastKill > lingerMs) break;
		for (const entry of fresh) {
			const key = `${entry.pid}:${entry.startTime}`;
			tries.set(key, (tries.get(key) ?? 0) + 1);
			if (signalIfOurs(entry, 'SIGKILL')) killed.add(key);
			lastKill = Date.now();
		}

		await sleep(fresh.length > 0 ? pollMs / 5 : pollMs);
		left = note(await find());
	}

	return seen.size;
}

/** Tokens the orchestrator gives: `<runId>.<agent>.<taskId>.<attempt>`. */
export function runTokenPrefix(runId: string): string {
	return `${runId}.`;
}

/**
 * Stops every live process carrying a token of run `runId` (a run that died without stopping its
 * agents): SIGTERM, `graceMs`, SIGKILL. Resolves with how many processes there were. Linux only:
 * elsewhere the environment of other processes cannot be read, and it resolves with 0.
 */
export async function stopAgentsOfRun(
	runId: string,
	options: {readonly graceMs?: number} = {},
): Promise<number> {
	if (process.platform !== 'linux') return 0;
	// The dead run's agents started before us: every environment must be read, once.
	const scanner = new ProcessScanner({since: 0});
	const prefix = runTokenPrefix(runId);
	return stopProcesses(
		async () =>
			agentMembers(await scanner.scan(), (token) => token.startsWith(prefix), {
				self: process.pid,
			}),
		{graceMs: options.graceMs ?? 2000},
	);
}
