/**
 * `jetpack-tui simulate ID`: the built-in simulated agent (PRODUCT.md §8). It reads the task and
 * behaves as its `sim` field says, so runs, demos and tests need no AI and no network. The plan and
 * the text come from `core/sim.ts`; this file owns time, signals, memory and stdout.
 */
import {appendFile, mkdir, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {createInterface} from 'node:readline';
import {spawn} from 'node:child_process';
import {Writable} from 'node:stream';
import {performance} from 'node:perf_hooks';
import {UsageError, type ExitCode} from '../core/errors.js';
import {usageLinePrefix} from '../core/clis/usage-line.js';
import {
	finalLine,
	hangLine,
	parseSim,
	parseSimSpeed,
	progressLine,
	simIntervals,
	spewLine,
	tuiClear,
	tuiEnd,
	tuiFrame,
	tuiStart,
	type SimPlan,
} from '../core/sim.js';
import type {CommandContext, CommandResult, Output} from './context.js';
import type {Invocation} from './registry.js';

export async function runSimulate(context: CommandContext, {args}: Invocation): CommandResult {
	const id = args[0] ?? '';
	const speed = parseSimSpeed(process.env['JETPACK_SIM_SPEED']);
	if (typeof speed !== 'number') throw new UsageError(`${speed.error}.`);
	const tasks = await context.store.read();
	const task = tasks.get(id);
	if (task === undefined) {
		throw new UsageError(
			`There is no task ${JSON.stringify(id)}; \`jetpack-tui task list\` shows the ids.`,
		);
	}

	const plan = parseSim(task.extra['sim'], task, speed);
	if ('error' in plan)
		throw new UsageError(
			`Task ${id} has a "sim" field the simulated agent cannot follow: ${plan.error}.`,
		);
	// The simulated agent exits as the task says (any code 0-255, and 143 after SIGTERM), beyond
	// the CLI's own codes; cli.tsx hands the number to process.exitCode unchanged.
	return (await simulate(plan, context.stdout)) as ExitCode;
}

const signalCodes = {SIGINT: 130, SIGTERM: 143} as const;
type StopSignal = keyof typeof signalCodes;

/** Why the run ended early: a signal, or stdout gone (the reader closed the pipe). */
type Stop = {readonly signal: StopSignal} | {readonly error: Error};

async function simulate(plan: SimPlan, output: Output): Promise<number> {
	// `ms` is how long the agent runs, counted from its process's start (performance.now() is
	// measured from there), as a real agent's run time would be, start-up included. A start-up
	// slower than `ms` (a loaded machine) still shows one step of the work: each loop below runs
	// its first step whatever the time.
	const elapsed = () => performance.now();
	const stopper = new AbortController();
	let stop: Stop | undefined;
	const halt = (reason: Stop) => {
		stop ??= reason;
		stopper.abort();
	};

	const out = new Sink(output, stopper.signal, (error) => halt({error}));
	const onSignal = (signal: StopSignal) => {
		if (plan.ignoreSigterm) out.post(`ignoring ${signal}\n`);
		else halt({signal});
	};

	const handlers = {
		SIGINT: () => onSignal('SIGINT'),
		SIGTERM: () => onSignal('SIGTERM'),
	};
	process.on('SIGINT', handlers.SIGINT);
	process.on('SIGTERM', handlers.SIGTERM);
	const memory =
		plan.memoryMbPerSec <= 0
			? undefined
			: plan.memoryInChild
				? startEatingInChild(plan.memoryMbPerSec)
				: startEating(plan.memoryMbPerSec, elapsed);
	try {
		if (plan.ask !== undefined) {
			await out.write(`${plan.ask} `);
			const answer = await readAnswer(stopper.signal);
			if (stop === undefined && answer?.trim().toLowerCase() !== 'y') {
				await out.write('Aborted: no.\n');
				return 1;
			}
		}

		const work = {plan, out, elapsed, signal: stopper.signal};
		if (plan.output === 'tui') await runTui(work);
		else if (plan.output === 'spew') await runSpew(work);
		else await runLines(work);
		if (stop === undefined) {
			await writeFiles(plan);
			if (plan.usage !== undefined)
				await out.write(`${usageLinePrefix}${JSON.stringify(plan.usage)}\n`);
			// The tui's last frame already shows it; a line below would scroll the frame.
			if (plan.output !== 'tui') await out.write(finalLine(plan));
			return plan.exit;
		}

		if ('signal' in stop) {
			out.post(`\nInterrupted by ${stop.signal}.\n`);
			return signalCodes[stop.signal];
		}

		process.stderr.write(`jetpack-tui: simulate: stdout failed (${stop.error.message}).\n`);
		return 1;
	} finally {
		memory?.stop();
		process.off('SIGINT', handlers.SIGINT);
		process.off('SIGTERM', handlers.SIGTERM);
		out.close();
	}
}

/** The task's `sim.writes`, relative to the working folder (a worktree, in worktree mode). */
async function writeFiles(plan: SimPlan): Promise<void> {
	for (const [file, text] of Object.entries(plan.writes)) {
		const target = path.resolve(file);
		await mkdir(path.dirname(target), {recursive: true});
		if (plan.append) await appendFile(target, text);
		else await writeFile(target, text);
	}
}

/** One line typed on stdin (a person answering in the pane); undefined if stdin ends or we stop. */
async function readAnswer(signal: AbortSignal): Promise<string | undefined> {
	if (signal.aborted) return undefined;
	const lines = createInterface({input: process.stdin, terminal: false});
	try {
		return await new Promise<string | undefined>((resolve) => {
			lines.once('line', resolve);
			lines.once('close', () => resolve(undefined));
			signal.addEventListener('abort', () => resolve(undefined), {once: true});
		});
	} finally {
		lines.close();
		process.stdin.pause();
	}
}

interface Work {
	readonly plan: SimPlan;
	readonly out: Sink;
	readonly elapsed: () => number;
	readonly signal: AbortSignal;
}

async function runLines({plan, out, elapsed, signal}: Work): Promise<void> {
	for (let step = 0; !signal.aborted && (step === 0 || elapsed() < plan.ms); step++) {
		await out.write(progressLine(step, plan.ms === 0 ? 1 : elapsed() / plan.ms));
		await sleep(Math.min(simIntervals.lines, plan.ms - elapsed()), signal);
	}

	await hangOn(plan, signal, async (step) => out.write(hangLine(step)));
}

async function runSpew({plan, out, elapsed, signal}: Work): Promise<void> {
	let n = 0;
	while (!signal.aborted && (n === 0 || elapsed() < plan.ms)) {
		// A batch per write keeps the per-call cost down; the sink waits for 'drain' when full.
		let batch = '';
		for (let index = 0; index < 64; index++) batch += spewLine(n++);
		if (await out.write(batch)) await immediate();
	}

	await hangOn(plan, signal, async (step) => out.write(hangLine(step)));
}

async function runTui({plan, out, elapsed, signal}: Work): Promise<void> {
	const screen = new ScreenSize();
	const frame = (progress: number, footer?: string) =>
		(screen.takeResized() ? tuiClear : '') +
		tuiFrame({taskId: plan.taskId, ...screen.size(), elapsedMs: elapsed(), progress, footer});
	try {
		await out.write(tuiStart);
		for (let first = true; !signal.aborted && (first || elapsed() < plan.ms); first = false) {
			await out.write(frame(plan.ms === 0 ? 1 : elapsed() / plan.ms));
			await sleep(Math.min(simIntervals.tui, plan.ms - elapsed()), signal);
		}

		await hangOn(plan, signal, async () => out.write(frame(0.99, 'waiting for the test runner…')));
		if (!signal.aborted) await out.write(frame(1, finalLine(plan).trimEnd()));
	} finally {
		screen.close();
		out.post(tuiEnd);
	}
}

/** With `hang`, once the work is "done" it goes on printing slowly until a signal ends it. */
async function hangOn(
	plan: SimPlan,
	signal: AbortSignal,
	print: (step: number) => Promise<unknown>,
): Promise<void> {
	if (!plan.hang) return;
	for (let step = 0; !signal.aborted; step++) {
		await print(step);
		await sleep(simIntervals.hang, signal);
	}
}

/**
 * Writes that respect backpressure: `write` resolves at once while the stream takes more, and
 * after 'drain' (or a stop) when it is full, so a slow reader never makes an unbounded buffer.
 */
class Sink {
	readonly #output: Output;
	/** Set when the output is a real stream, whose `write` reports when it is full. */
	readonly #stream: Writable | undefined;
	readonly #signal: AbortSignal;
	readonly #onError: (error: Error) => void;

	constructor(output: Output, signal: AbortSignal, onError: (error: Error) => void) {
		this.#output = output;
		this.#stream = output instanceof Writable ? output : undefined;
		this.#signal = signal;
		this.#onError = onError;
		this.#stream?.on('error', this.#onError);
	}

	/** Whether the stream could take more without waiting. */
	async write(text: string): Promise<boolean> {
		if (this.#broken()) return false;
		const stream = this.#stream;
		if (stream === undefined) {
			this.#output.write(text);
			return true;
		}

		if (stream.write(text)) return true;
		await new Promise<void>((resolve) => {
			const done = () => {
				stream.off('drain', done);
				this.#signal.removeEventListener('abort', done);
				resolve();
			};

			stream.once('drain', done);
			this.#signal.addEventListener('abort', done, {once: true});
		});
		return false;
	}

	/** A write that does not wait: a few bytes from a signal handler or on the way out. */
	post(text: string): void {
		if (this.#broken()) return;
		if (this.#stream === undefined) this.#output.write(text);
		else this.#stream.write(text);
	}

	close(): void {
		// Left attached, so a late EPIPE while the last bytes flush cannot crash the process.
		this.#stream?.off('error', this.#onError);
		this.#stream?.on('error', ignoreLateError);
	}

	#broken(): boolean {
		return this.#stream !== undefined && (this.#stream.destroyed || this.#stream.errored !== null);
	}
}

function ignoreLateError(): void {
	// The run has returned its exit code; a reader that left meanwhile changes nothing.
}

/** The terminal size, re-read on 'resize' (80×24 when stdout is not a terminal). */
class ScreenSize {
	#resized = false;
	readonly #onResize = () => {
		this.#resized = true;
	};

	constructor() {
		process.stdout.on('resize', this.#onResize);
	}

	size(): {cols: number; rows: number} {
		return {cols: process.stdout.columns || 80, rows: process.stdout.rows || 24};
	}

	takeResized(): boolean {
		const resized = this.#resized;
		this.#resized = false;
		return resized;
	}

	close(): void {
		process.stdout.off('resize', this.#onResize);
	}
}

/**
 * `mbPerSec` megabytes a second in ~10 slices, every 4 KiB page written so the RSS really grows
 * (a fresh buffer is zero pages the kernel has not handed out yet). The slices are kept, as a leak
 * keeps them.
 */
function startEating(mbPerSec: number, elapsed: () => number): {stop(): void} {
	const kept: Buffer[] = [];
	let eaten = 0;
	const timer = setInterval(() => {
		const due = Math.floor((mbPerSec * 1024 * 1024 * elapsed()) / 1000) - eaten;
		if (due <= 0) return;
		const slice = Buffer.alloc(due);
		for (let page = 0; page < slice.length; page += 4096) slice[page] = 1;
		kept.push(slice);
		eaten += due;
	}, simIntervals.memorySlice);
	return {
		stop() {
			clearInterval(timer);
			kept.length = 0;
		},
	};
}

/**
 * The same leak in a child process, as an agent's tool or language server would leak. The child
 * ends when the agent does (its IPC channel closes), and a stop of the process group takes it too.
 */
function startEatingInChild(mbPerSec: number): {stop(): void} {
	const script = `const kept = []; let eaten = 0; const start = Date.now();
process.on('disconnect', () => process.exit(0));
setInterval(() => {
	const due = Math.floor((${mbPerSec} * 1048576 * (Date.now() - start)) / 1000) - eaten;
	if (due <= 0) return;
	const slice = Buffer.alloc(due);
	for (let page = 0; page < slice.length; page += 4096) slice[page] = 1;
	kept.push(slice);
	eaten += due;
}, ${simIntervals.memorySlice});`;
	const child = spawn(process.execPath, ['-e', script], {
		stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
	});
	return {
		stop() {
			child.kill('SIGKILL');
		},
	};
}

/** Resolves after `ms`, or at once when the run is stopped. */
async function sleep(ms: number, signal: AbortSignal): Promise<void> {
	if (signal.aborted) return;
	await new Promise<void>((resolve) => {
		const done = () => {
			clearTimeout(timer);
			signal.removeEventListener('abort', done);
			resolve();
		};

		const timer = setTimeout(done, Math.max(0, ms));
		signal.addEventListener('abort', done, {once: true});
	});
}

/** Lets timers and signals in between batches written as fast as the stream takes them. */
async function immediate(): Promise<void> {
	await new Promise<void>((resolve) => setImmediate(resolve));
}
