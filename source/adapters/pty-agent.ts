/**
 * Agents in pseudo-terminals: node-pty runs the process, @xterm/headless keeps its screen, and the
 * output goes, ANSI stripped, to the task's log file. Everything held per agent is bounded — the
 * terminal's scrollback, the bytes waiting for the emulator, a ring of recent lines — so a
 * process printing as fast as it can slows down (the pty is paused) instead of growing memory.
 */
import {accessSync, constants, mkdirSync, statSync} from 'node:fs';
import {randomUUID} from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import xterm from '@xterm/headless';
import {spawn, type IPty} from 'node-pty';
import stripAnsi from 'strip-ansi';
import {
	blankScreen,
	CommandNotFound,
	type AgentExit,
	type AgentLaunch,
	type AgentLauncher,
	type AgentProcess,
	type Disposable,
	type Screen,
} from '../core/agent-ports.js';
import {
	agentTokenVariable,
	identify,
	processScanner,
	registerLeader,
	remember,
	signalIfOurs,
	stopProcesses,
	type ProcessEntry,
	type ProcessIdentity,
} from './agent-processes.js';
import {PlainText} from './plain-text.js';
import {onPtyText} from './pty-reads.js';
import {BoundedLog} from './bounded-log.js';
import {screenFromBuffer} from './screen.js';
import type {TranscriptItem} from '../core/clis/detector.js';
import {Transcript} from '../text/transcript.js';
import {parseUsageLine, usageLinePrefix} from '../core/clis/usage-line.js';

export interface PtyAgentLauncherOptions {
	/** Lines of scrollback kept by each agent's terminal emulator. */
	readonly scrollback?: number;
	/**
	 * Output waiting for the emulator of a screen someone watches above which the pty is paused
	 * (characters).
	 */
	readonly maxPendingBytes?: number;
	/**
	 * Output kept unparsed for a screen nobody watches (characters): past it the oldest goes, and
	 * the emulator starts over from what is kept when the screen is next wanted.
	 */
	readonly unwatchedChars?: number;
}

/** Enough to fill a pane zoomed from a small tile; nothing shows more of a pane's history (the log has it). */
const defaultScrollback = 100;
const defaultMaxPendingBytes = 256 * 1024;
const defaultUnwatchedChars = 64 * 1024;
/**
 * The emulator parses at most this much per turn of the event loop for each agent: with many
 * agents printing, keys and frames get their turn between pieces instead of after megabytes.
 */
const feedChars = 8 * 1024;
/** A screen nobody watches is brought up to date once its agent has been quiet this long. */
const quietMs = 250;
/** An attempt's log (and events) past this keeps its beginning and its end (config `logMaxMb`). */
const defaultLogMaxBytes = 50 * 1024 * 1024;
const terminalName = 'xterm-256color';
/** Enough lines for `lastError` and infra detection; the log file has the rest. */
const tailLines = 200;
const tailLineChars = 1000;
/**
 * What a program asks its terminal and waits for: device attributes (`CSI c`, `CSI > c`), status
 * and cursor position (`CSI n`), mode reports (`CSI ? … $ p`), colours (`OSC 10/11 ; ?`).
 */
// eslint-disable-next-line no-control-regex
const terminalQuery = /\u001B\[[?>=]?[\d;]*[cn]|\u001B\[\??[\d;]*\$p|\u001B\]\d+;\?/;
/** Screens go to panes at most this often, however fast the agent prints (STYLE.md). */
const screenEveryMs = 60;
/**
 * A structured CLI's event line is held until its newline up to this size; a longer one is not
 * an event (or not one worth holding) and is shown as it comes.
 */
const maxEventChars = 8 * 1024 * 1024;
/** The terminal multiplexer we may run inside is not the agent's: it must not talk to it. */
const withheldVariables = ['TMUX', 'TMUX_PANE'];

/** `path` if it is an executable file. */
function executable(candidate: string): boolean {
	try {
		accessSync(candidate, constants.X_OK);
		return statSync(candidate).isFile();
	} catch {
		// Missing or not executable: the caller tries the next candidate or reports not found.
		return false;
	}
}

/**
 * Where `command` would be run from, as execvp would find it: a name with a slash is a path
 * (relative to `cwd`); anything else is looked up on the PATH the agent will get. Synchronous
 * twin of `onPath` in which.ts, because `launch` is.
 */
export function resolveCommand(
	command: string,
	cwd: string,
	env: NodeJS.ProcessEnv,
): string | undefined {
	if (command.includes('/')) {
		const candidate = path.resolve(cwd, command);
		return executable(candidate) ? candidate : undefined;
	}

	for (const dir of (env['PATH'] ?? '').split(path.delimiter)) {
		if (dir === '') continue;
		const candidate = path.resolve(cwd, dir, command);
		if (executable(candidate)) return candidate;
	}

	return undefined;
}

const signalNames = new Map<number, string>(
	Object.entries(os.constants.signals).map(([name, number]) => [number, name]),
);

function toExit(exitCode: number, signal: number | undefined): AgentExit {
	if (signal !== undefined && signal > 0) {
		return {exitCode: null, signal: signalNames.get(signal) ?? `signal ${signal}`};
	}

	return {exitCode, signal: null};
}

/**
 * How long what an agent left behind when its leader exited gets between SIGTERM and SIGKILL: the
 * attempt is not over until they are gone.
 */
const leftoversGraceMs = 1000;

/** The last non-blank lines of output, bounded in count and width. */
class LineRing {
	readonly #lines: string[] = [];
	#partial = '';

	push(plain: string): void {
		const pieces = plain.split('\n');
		for (const [index, piece] of pieces.entries()) {
			if (this.#partial.length < tailLineChars) {
				this.#partial = (this.#partial + piece).slice(0, tailLineChars);
			}

			if (index < pieces.length - 1) this.#endLine();
		}
	}

	last(count: number): string[] {
		if (count <= 0) return [];
		const partial = this.#partial.trim() === '' ? [] : [this.#partial.trimEnd()];
		return [...this.#lines, ...partial].slice(-count);
	}

	#endLine(): void {
		const line = this.#partial.trimEnd();
		this.#partial = '';
		if (line.trim() === '') return;
		this.#lines.push(line);
		if (this.#lines.length > tailLines) this.#lines.shift();
	}
}

type PauseReason = 'emulator' | 'log';
const breathMs = 100;

class PtyAgent implements AgentProcess {
	readonly pid: number;
	readonly #pty: IPty;
	readonly #terminal: xterm.Terminal;
	readonly #log: BoundedLog;
	readonly #maxPendingBytes: number;
	readonly #plain = new PlainText();
	readonly #ring = new LineRing();
	readonly #outputListeners = new Set<() => void>();
	readonly #itemListeners = new Set<(items: readonly TranscriptItem[]) => void>();
	/** Structured mode: how lines are read, where raw events go, the unfinished line. */
	readonly #transcript: AgentLaunch['transcript'];
	readonly #events: BoundedLog | undefined;
	/** An event line not ended yet, in the pieces it came in (joined once, at its newline). */
	#pendingLine: string[] = [];
	#pendingChars = 0;
	readonly #shown = new Transcript();
	/** Part of the current line was shown as it came (it is not an event): the rest goes the same way. */
	#rawLine = false;
	readonly #exitListeners = new Set<(exit: AgentExit) => void>();
	readonly #subscriptions: Disposable[] = [];
	readonly #paused = new Set<PauseReason>();
	#breath: NodeJS.Timeout | undefined;
	/** Output not yet handed to the emulator, in the pieces it came in. */
	#unparsed: string[] = [];
	#unparsedChars = 0;
	/** A piece is with the emulator: the next waits for it. */
	#feeding = false;
	/** Until the emulator has everything: for a screen wanted now, or the agent's final one. */
	#catchingUp = false;
	readonly #caughtUp = new Set<() => void>();
	/** Output went unparsed and was dropped: the emulator restarts from what was kept. */
	#dropped = false;
	#quietTimer: NodeJS.Timeout | undefined;
	#lastOutputAt = 0;
	/** The end of the last chunk when it may hold the start of a terminal query. */
	#queryTail = '';
	readonly #unwatchedChars: number;
	readonly #exited: Promise<AgentExit>;
	#resolveExited!: (exit: AgentExit) => void;
	/** Set once the process has exited: from then on nothing touches the pty. */
	#closing = false;
	#exit: AgentExit | undefined;
	#finalScreen: Screen | undefined;
	#logError: Error | undefined;
	#stopping: Promise<AgentExit> | undefined;
	/** Everything the agent starts carries it (agent-processes.ts). */
	readonly #token: string;
	/** The leader as spawned, so a signal never reaches a later process that got its pid. */
	readonly #leader: ProcessIdentity | undefined;
	/** Its processes as last found, here or by the memory sampler (`remember`). */
	readonly #known = new Set<string>();
	readonly #leaderExited: Promise<void>;
	#resolveLeaderExited!: () => void;
	/** Set once a stop wants everything killed now: what is left gets no grace. */
	#killNow = false;
	/** The grace of the stop under way, if any: what the leader leaves gets the same. */
	#stopGraceMs: number | undefined;
	readonly #screenListeners = new Set<() => void>();
	/** The screen as last built, until output or a resize changes it. */
	#screen: Screen | undefined;
	#screenTimer: NodeJS.Timeout | undefined;
	#screenSentAt = 0;

	constructor(launch: AgentLaunch, file: string, options: Required<PtyAgentLauncherOptions>) {
		this.#maxPendingBytes = options.maxPendingBytes;
		this.#unwatchedChars = options.unwatchedChars;
		this.#exited = new Promise((resolve) => {
			this.#resolveExited = resolve;
		});
		this.#leaderExited = new Promise((resolve) => {
			this.#resolveLeaderExited = resolve;
		});
		this.#token = launch.token ?? `local.${process.pid}.${randomUUID()}`;
		// Everything that can throw comes before the spawn, so a failed launch leaves no process.
		mkdirSync(path.dirname(launch.logFile), {recursive: true});
		if (launch.transcript !== undefined)
			mkdirSync(path.dirname(launch.transcript.eventsFile), {recursive: true});
		this.#terminal = new xterm.Terminal({
			cols: launch.cols,
			rows: launch.rows,
			scrollback: options.scrollback,
			// Its warnings would reach our screen through console.
			logLevel: 'off',
			// The buffer API (screen(), cell colours) is "proposed" in xterm's terms.
			allowProposedApi: true,
		});
		try {
			this.#pty = spawn(file, [...launch.args], {
				name: terminalName,
				cwd: launch.cwd,
				env: agentEnvironment(launch, this.#token),
				cols: launch.cols,
				rows: launch.rows,
			});
		} catch (error) {
			this.#terminal.dispose();
			throw new Error(`${launch.command}: cannot start in ${launch.cwd}`, {cause: error});
		}

		// Open errors arrive as 'error' events, never as a throw.
		const maxBytes = launch.logMaxBytes ?? defaultLogMaxBytes;
		this.#log = new BoundedLog(launch.logFile, maxBytes, (error) => {
			this.#onLogError(error);
		});
		this.#transcript = launch.transcript;
		if (launch.transcript !== undefined) {
			this.#events = new BoundedLog(launch.transcript.eventsFile, maxBytes, (error) => {
				this.#onLogError(error);
			});
		}
		this.pid = this.#pty.pid;
		// Our child, just forked: nobody else's yet. Undefined if it is already gone.
		this.#leader = identify(this.pid);
		if (this.#leader !== undefined) {
			this.#subscriptions.push(
				registerLeader({...this.#leader, token: this.#token, known: this.#known}),
			);
		}

		this.#subscriptions.push(
			// Replies to queries (cursor position, device attributes): agents block waiting for them.
			this.#terminal.onData((reply) => {
				if (!this.#closing) this.#pty.write(reply);
			}),
			onPtyText(this.#pty, (data) => {
				this.#onData(data);
			}),
			this.#pty.onExit(({exitCode, signal}) => {
				this.#resolveLeaderExited();
				// A rejection here is a bug in this file; it surfaces as an unhandled rejection.
				void this.#onExit(toExit(exitCode, signal));
			}),
		);
	}

	onOutput(listener: () => void): Disposable {
		if (this.#exit !== undefined) return {dispose() {}};
		this.#outputListeners.add(listener);
		return {dispose: () => this.#outputListeners.delete(listener)};
	}

	onExit(listener: (exit: AgentExit) => void): Disposable {
		const exit = this.#exit;
		if (exit !== undefined) {
			// Late subscribers still hear about the exit, as they would have a moment earlier.
			let live = true;
			queueMicrotask(() => {
				if (live) listener(exit);
			});
			return {
				dispose() {
					live = false;
				},
			};
		}

		this.#exitListeners.add(listener);
		return {dispose: () => this.#exitListeners.delete(listener)};
	}

	onItems(listener: (items: readonly TranscriptItem[]) => void): Disposable {
		if (this.#exit !== undefined) return {dispose() {}};
		this.#itemListeners.add(listener);
		return {dispose: () => this.#itemListeners.delete(listener)};
	}

	tail(count: number): string[] {
		return this.#ring.last(count);
	}

	screen(): Screen {
		if (this.#finalScreen !== undefined) return this.#finalScreen;
		// Only if the snapshot at exit failed: a disposed terminal has no screen left to show.
		if (this.#exit !== undefined) return blankScreen;
		this.#screen ??= screenFromBuffer(
			this.#terminal.buffer.active,
			this.#terminal.cols,
			this.#terminal.rows,
		);
		return this.#screen;
	}

	/**
	 * While someone listens the emulator keeps up with the output; the first listener brings a
	 * screen nobody watched up to date.
	 */
	onScreen(listener: () => void): Disposable {
		if (this.#exit !== undefined) return {dispose() {}};
		this.#screenListeners.add(listener);
		if (this.#screenListeners.size === 1) this.#catchUp();
		return {dispose: () => this.#screenListeners.delete(listener)};
	}

	resize(cols: number, rows: number): void {
		if (this.#closing) return;
		this.#pty.resize(cols, rows);
		this.#terminal.resize(cols, rows);
		this.#screenChanged();
	}

	/** Leading edge at once, then at most one publication per `screenEveryMs`. */
	#screenChanged(): void {
		this.#screen = undefined;
		if (this.#screenListeners.size === 0 || this.#screenTimer !== undefined) return;
		const wait = Math.max(0, this.#screenSentAt + screenEveryMs - Date.now());
		this.#screenTimer = setTimeout(() => {
			this.#screenTimer = undefined;
			this.#screenSentAt = Date.now();
			this.#publishScreen();
		}, wait);
	}

	#publishScreen(): void {
		for (const listener of this.#screenListeners) listener();
	}

	write(data: string): void {
		if (!this.#closing) this.#pty.write(data);
	}

	async stop(graceMs: number, options: {readonly immediate?: boolean} = {}): Promise<AgentExit> {
		const immediate = options.immediate === true;
		if (immediate) this.#killNow = true;
		if (this.#closing) return this.#exited;
		if (this.#stopping !== undefined) {
			// A stop is under way: `immediate` escalates it, and the running sequence sees the exit.
			if (immediate) void this.#signalAll('SIGKILL');
			return this.#stopping;
		}

		this.#stopGraceMs = graceMs;
		this.#stopping = this.#stopSequence(graceMs, immediate);
		return this.#stopping;
	}

	/**
	 * Signals go to every process of the agent, not to its group: the group id is the leader's
	 * pid, which is anyone's once the leader is gone, and a child that left the group would be
	 * missed. Once the leader has exited, `#onExit` stops whatever is left.
	 */
	async #stopSequence(graceMs: number, immediate: boolean): Promise<AgentExit> {
		for (const signal of immediate ? [] : (['SIGINT', 'SIGTERM'] as const)) {
			if (this.#closing || this.#killNow) break;
			await this.#signalAll(signal);
			if (await this.#leaderExitedWithin(graceMs)) break;
		}

		if (!this.#closing) {
			this.#killNow = true;
			await this.#signalAll('SIGKILL');
		}

		return this.#exited;
	}

	/** Every live process of this agent: its token, its session and group, their descendants. */
	async #members(): Promise<ProcessEntry[]> {
		const members = await processScanner.membersOf((token) => token === this.#token, {
			leader: this.#leader,
			self: process.pid,
			known: this.#known,
		});
		remember(this.#known, members);
		return members;
	}

	async #signalAll(signal: NodeJS.Signals): Promise<void> {
		let members: ProcessEntry[];
		try {
			members = await this.#members();
		} catch (error) {
			// The table could not be read (out of file descriptors?): the leader at least, which
			// is known without it; what it started is looked for again once it has exited.
			this.#ring.push(
				`\njetpack-tui: cannot list the agent's processes: ${(error as Error).message}\n`,
			);
			const leader = this.#leader;
			if (leader === undefined) return;
			members = [{...leader, ppid: 0, pgid: 0, sid: 0, rssBytes: 0, token: undefined}];
		}

		for (const entry of members) signalIfOurs(entry, signal);
	}

	async #leaderExitedWithin(ms: number): Promise<boolean> {
		let timer: NodeJS.Timeout | undefined;
		const timedOut = new Promise<false>((resolve) => {
			timer = setTimeout(() => {
				resolve(false);
			}, ms);
		});
		try {
			return await Promise.race([this.#leaderExited.then(() => true), timedOut]);
		} finally {
			clearTimeout(timer);
		}
	}

	/**
	 * The leader has exited (or been stopped): what it started must not outlive the attempt —
	 * children that ignore SIGHUP, left the session, or daemonised. SIGTERM, a grace (the stop's,
	 * or a short one after a normal exit), SIGKILL.
	 */
	async #stopLeftovers(): Promise<void> {
		try {
			await stopProcesses(async () => this.#members(), {
				graceMs: this.#stopGraceMs ?? leftoversGraceMs,
				immediate: this.#killNow,
				hurry: () => this.#killNow,
			});
		} catch (error) {
			// Reported where lastError is taken from; the exit itself must still be heard.
			this.#ring.push(
				`\njetpack-tui: could not stop what the agent left running: ${(error as Error).message}\n`,
			);
		}
	}

	#onData(data: string): void {
		if (this.#closing) return;
		for (const listener of this.#outputListeners) listener();
		if (this.#transcript === undefined) this.#showRaw(data);
		else this.#readLines(data);
	}

	/** Output as the agent printed it: to the screen, and as plain text to the log. */
	#showRaw(data: string): void {
		this.#toTerminal(data);
		this.#record(this.#plain.push(data));
	}

	/**
	 * Output for the emulator. A screen someone watches is kept up to date, in pieces of at most
	 * `feedChars` (the pty waits while the emulator is behind, as a terminal makes a program wait).
	 * A screen nobody watches — headless, a hidden pane — costs nothing while the agent prints: its
	 * output is kept, bounded, and parsed when the agent falls quiet (the detectors look at quiet
	 * screens), when the screen is watched again, at the exit, or at once when it asks the terminal
	 * something (a program waiting for the answer would hang).
	 */
	#toTerminal(data: string): void {
		this.#unparsed.push(data);
		this.#unparsedChars += data.length;
		this.#lastOutputAt = Date.now();
		if (this.#screenListeners.size > 0 || this.#catchingUp) {
			if (this.#unparsedChars > this.#maxPendingBytes) this.#pause('emulator');
			this.#feed();
			return;
		}

		if (this.#asksTerminal(data)) {
			this.#catchUp();
			return;
		}

		if (this.#unparsedChars > this.#unwatchedChars) this.#dropOldest();
		this.#quietTimer ??= setTimeout(() => {
			this.#onQuietCheck();
		}, quietMs);
	}

	#asksTerminal(data: string): boolean {
		const text = this.#queryTail === '' ? data : this.#queryTail + data;
		const lastEscape = text.lastIndexOf('\u001B');
		this.#queryTail =
			lastEscape !== -1 && text.length - lastEscape < 32 ? text.slice(lastEscape) : '';
		return terminalQuery.test(text);
	}

	#onQuietCheck(): void {
		this.#quietTimer = undefined;
		if (this.#closing || this.#unparsedChars === 0) return;
		const quietFor = Date.now() - this.#lastOutputAt;
		if (quietFor >= quietMs) this.#catchUp();
		else
			this.#quietTimer = setTimeout(() => {
				this.#onQuietCheck();
			}, quietMs - quietFor);
	}

	/** Keeps the newest output, from a line start: the screen it draws is what the agent shows. */
	#dropOldest(): void {
		while (this.#unparsed.length > 1 && this.#unparsedChars > this.#unwatchedChars / 2) {
			this.#unparsedChars -= this.#unparsed.shift()?.length ?? 0;
			this.#dropped = true;
		}

		const first = this.#unparsed[0];
		if (first !== undefined && this.#unparsedChars > this.#unwatchedChars) {
			const newline = first.indexOf('\n', first.length - this.#unwatchedChars / 2);
			const kept = newline === -1 ? '' : first.slice(newline + 1);
			this.#unparsedChars -= first.length - kept.length;
			this.#unparsed[0] = kept;
			this.#dropped = true;
		}
	}

	/** Hands the emulator everything it has not parsed; `done` once it has. */
	#catchUp(done?: () => void): void {
		if (done !== undefined) this.#caughtUp.add(done);
		if (this.#unparsedChars === 0 && !this.#feeding) {
			this.#settleCatchUp();
			return;
		}

		this.#catchingUp = true;
		this.#feed();
	}

	#settleCatchUp(): void {
		this.#catchingUp = false;
		const waiting = [...this.#caughtUp];
		this.#caughtUp.clear();
		for (const done of waiting) done();
	}

	/** The next piece to the emulator, unless one is with it already. */
	#feed(): void {
		if (this.#feeding) return;
		if (this.#unparsedChars === 0) {
			this.#settleCatchUp();
			return;
		}

		if (this.#dropped) {
			// What came before the kept output is gone: start from a blank terminal, not a stale one.
			this.#dropped = false;
			this.#terminal.reset();
		}

		let piece = '';
		while (piece.length < feedChars && this.#unparsed.length > 0) {
			const next = this.#unparsed[0] ?? '';
			const room = feedChars - piece.length;
			if (next.length <= room) {
				piece += next;
				this.#unparsed.shift();
			} else {
				piece += next.slice(0, room);
				this.#unparsed[0] = next.slice(room);
			}
		}

		this.#unparsedChars -= piece.length;
		this.#feeding = true;
		this.#terminal.write(piece, () => {
			this.#feeding = false;
			this.#screenChanged();
			if (this.#unparsedChars <= this.#maxPendingBytes / 2) this.#resume('emulator');
			// Not from inside the emulator's own loop, which would parse on for a whole time slice.
			if (this.#screenListeners.size > 0 || this.#catchingUp)
				setImmediate(() => {
					this.#feed();
				});
		});
	}

	/**
	 * Structured mode: whole lines are read as events. What is not an event (a warning on stderr,
	 * a question waiting for its answer with no newline) is shown at once, as printed.
	 */
	#readLines(data: string): void {
		let from = 0;
		for (let newline = data.indexOf('\n'); newline !== -1; newline = data.indexOf('\n', from)) {
			const line = this.#takePending() + data.slice(from, newline + 1);
			from = newline + 1;
			if (this.#rawLine) {
				this.#rawLine = false;
				this.#showRaw(line);
			} else this.#readLine(line);
		}

		const rest = from === 0 ? data : data.slice(from);
		if (rest === '') return;
		// What the held line begins with, once it shows anything: an event begins with `{`.
		let shown = '';
		for (const piece of [...this.#pendingLine, rest]) {
			shown = stripAnsi(piece).trimStart();
			if (shown !== '') break;
		}

		if (
			this.#rawLine ||
			(shown !== '' && !shown.startsWith('{')) ||
			this.#pendingChars + rest.length > maxEventChars
		) {
			this.#rawLine = true;
			this.#showRaw(this.#takePending() + rest);
		} else {
			this.#pendingLine.push(rest);
			this.#pendingChars += rest.length;
		}
	}

	/** The unfinished line held so far, and none held after. */
	#takePending(): string {
		if (this.#pendingChars === 0) return '';
		const text = this.#pendingLine.join('');
		this.#pendingLine = [];
		this.#pendingChars = 0;
		return text;
	}

	/** One whole line of a structured CLI's output (with its line end). */
	#readLine(line: string): void {
		const text = stripAnsi(line).trim();
		const items = text.startsWith('{') ? this.#transcript?.parse(text, new Date()) : undefined;
		if (items === undefined) {
			this.#showRaw(line);
			return;
		}

		if (this.#events !== undefined) this.#write(this.#events, `${text}\n`);
		const shown = this.#shown.render(items);
		if (shown !== '') {
			this.#toTerminal(shown);
			this.#record(stripAnsi(shown).replaceAll('\r\n', '\n'));
		}

		if (items.length > 0) for (const listener of this.#itemListeners) listener(items);
	}

	#record(plain: string): void {
		if (plain === '') return;
		this.#ring.push(plain);
		this.#write(this.#log, plain);
		// Any agent may say what it spent in one documented line (the CLIs' own events aside).
		if (this.#transcript === undefined && plain.includes(usageLinePrefix)) this.#readUsage(plain);
	}

	/** `JETPACK_USAGE {"costUsd": 0.42, …}` lines: what a custom agent reports it spent. */
	#readUsage(plain: string): void {
		for (const line of plain.split('\n')) {
			const usage = parseUsageLine(line);
			if (usage !== undefined)
				for (const listener of this.#itemListeners) listener([{kind: 'usage', usage}]);
		}
	}

	/** To a log file, pausing the agent (never dropping its output) while the disk catches up. */
	#write(log: BoundedLog, text: string): void {
		if (this.#logError !== undefined) return;
		if (!log.write(text) && !this.#paused.has('log')) {
			this.#pause('log');
			log.onDrain(() => {
				this.#resume('log');
			});
		}
	}

	#pause(reason: PauseReason): void {
		if (this.#paused.size === 0 && !this.#closing) this.#pty.pause();
		this.#paused.add(reason);
		this.#armBreath();
	}

	/**
	 * node-pty drops what is still unread 200 ms after the child exits, so a pty must never stay
	 * paused that long, for the emulator's sake or the disk's: after a short pause it reads again,
	 * and the next chunk pauses it again if they are still behind. Growth stays bounded by the
	 * chunks read per breath (and a log by its own limit).
	 */
	#armBreath(): void {
		clearTimeout(this.#breath);
		this.#breath = setTimeout(() => {
			if (this.#closing || this.#paused.size === 0) return;
			this.#paused.clear();
			this.#pty.resume();
		}, breathMs);
	}

	#resume(reason: PauseReason): void {
		if (!this.#paused.delete(reason)) return;
		if (this.#paused.size === 0 && !this.#closing) this.#pty.resume();
	}

	#onLogError(error: Error): void {
		if (this.#logError !== undefined) return;
		this.#logError = error;
		// No 'drain' will come from a failed stream; the agent must not stall on it.
		this.#resume('log');
		// Surfaces as the agent's last line, where `lastError` is taken from.
		this.#ring.push(`\njetpack-tui: cannot write the log: ${error.message}\n`);
	}

	async #onExit(exit: AgentExit): Promise<void> {
		this.#closing = true;
		clearTimeout(this.#breath);
		clearTimeout(this.#screenTimer);
		try {
			// An event line the CLI never ended is still read (or shown) now.
			const unfinished = this.#takePending();
			if (unfinished !== '') this.#readLine(unfinished);
			this.#record(this.#plain.flush());
			await this.#stopLeftovers();
			clearTimeout(this.#quietTimer);
			// Resolves once the emulator has parsed everything the agent printed.
			await new Promise<void>((resolve) => {
				this.#catchUp(resolve);
			});
			for (const log of [this.#log, this.#events]) {
				if (log === undefined) continue;
				try {
					// Every write has reached the file, so a reader of the log sees it all.
					await log.close();
				} catch (error) {
					this.#onLogError(error as Error);
				}
			}

			this.#screen = undefined;
			this.#finalScreen = this.screen();
		} finally {
			// Whatever failed above (and surfaces as a rejection), the exit must still be heard:
			// an orchestrator waiting for it would otherwise hold the slot forever.
			for (const subscription of this.#subscriptions.splice(0)) subscription.dispose();
			this.#terminal.dispose();
			this.#log.destroy();
			this.#events?.destroy();
			this.#outputListeners.clear();
			this.#itemListeners.clear();
			this.#exit = exit;
			// The final flush: panes show the screen as the agent left it.
			this.#publishScreen();
			this.#screenListeners.clear();
			this.#resolveExited(exit);
			const listeners = [...this.#exitListeners];
			this.#exitListeners.clear();
			for (const listener of listeners) listener(exit);
		}
	}
}

/**
 * The agent's environment: ours, the profile's defaults where we have no value of our own, the
 * launch's, and its token; never the variables of a multiplexer we run inside.
 */
function agentEnvironment(launch: AgentLaunch, token: string): Record<string, string> {
	const env: Record<string, string> = {};
	for (const [name, value] of Object.entries(process.env))
		if (value !== undefined && !withheldVariables.includes(name)) env[name] = value;
	for (const [name, value] of Object.entries(launch.defaultEnv ?? {})) env[name] ??= value;
	return {...env, ...launch.env, TERM: terminalName, [agentTokenVariable]: token};
}

/** The `AgentLauncher` port on node-pty and @xterm/headless. */
export class PtyAgentLauncher implements AgentLauncher {
	readonly #options: Required<PtyAgentLauncherOptions>;

	constructor(options: PtyAgentLauncherOptions = {}) {
		this.#options = {
			scrollback: options.scrollback ?? defaultScrollback,
			maxPendingBytes: options.maxPendingBytes ?? defaultMaxPendingBytes,
			unwatchedChars: options.unwatchedChars ?? defaultUnwatchedChars,
		};
	}

	launch(launch: AgentLaunch): AgentProcess {
		const file = resolveCommand(launch.command, launch.cwd, {...process.env, ...launch.env});
		if (file === undefined) throw new CommandNotFound(launch.command);
		return new PtyAgent(launch, file, this.#options);
	}
}
