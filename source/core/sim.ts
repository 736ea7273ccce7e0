/**
 * The simulated agent (PRODUCT.md §8): what a task's `sim` field asks for, and the text it prints.
 * Pure, so the plan and every frame can be checked without a process; `commands/simulate.ts` owns
 * the timers, signals and stdout.
 */
import type {Task} from './task.js';

export const simOutputs = ['lines', 'spew', 'tui'] as const;
export type SimOutput = (typeof simOutputs)[number];

export interface SimPlan {
	readonly taskId: string;
	/** How long the work runs before the final line; with `hang` it goes on after that. */
	readonly ms: number;
	readonly exit: number;
	readonly output: SimOutput;
	readonly memoryMbPerSec: number;
	/** The memory grows in a child process, not in the agent's own: the watchdog must see the tree. */
	readonly memoryInChild: boolean;
	readonly hang: boolean;
	readonly ignoreSigterm: boolean;
	/** A question printed before the work, waiting for a line on stdin: `y` goes on, else exit 1. */
	readonly ask?: string;
	/** Files written (relative to the working folder) before it exits, so merges can be exercised. */
	readonly writes: Readonly<Record<string, string>>;
	/** `writes` appends to the files instead of replacing them. */
	readonly append: boolean;
	/** What it says it spent, in the documented `JETPACK_USAGE` line before it exits. */
	readonly usage?: Readonly<Record<string, unknown>>;
}

/** A 30-minute task takes 30 s: real agents are not what a demo waits for. */
export const defaultSimSpeed = 60;

/** How often each output mode prints; a hang goes slower so it reads as stuck. */
export const simIntervals = {lines: 200, tui: 80, hang: 1000, memorySlice: 100} as const;

const simFields: ReadonlySet<string> = new Set([
	'ms',
	'exit',
	'output',
	'memoryMbPerSec',
	'memoryInChild',
	'hang',
	'ignoreSigterm',
	'ask',
	'writes',
	'append',
	'usage',
]);

/**
 * JETPACK_SIM_SPEED as given (unset or empty: the default). The message names the variable, for
 * the command to raise as a usage error.
 */
export function parseSimSpeed(raw: string | undefined): number | {readonly error: string} {
	if (raw === undefined || raw.trim() === '') return defaultSimSpeed;
	const speed = Number(raw);
	if (!Number.isFinite(speed) || speed <= 0) {
		return {
			error: `JETPACK_SIM_SPEED must be a positive number (how many times faster than estimatedMinutes the simulated agent works), not ${JSON.stringify(raw)}`,
		};
	}

	return speed;
}

/**
 * The plan for a task's `sim` value (undefined when the task has none). Without `ms` the work lasts
 * `estimatedMinutes` divided by `speed`. The error names the field, what it must be and what it got.
 */
export function parseSim(
	value: unknown,
	task: Pick<Task, 'id' | 'estimatedMinutes'>,
	speed: number = defaultSimSpeed,
): SimPlan | {readonly error: string} {
	const scaled = Math.round((task.estimatedMinutes * 60_000) / speed);
	const plan: SimPlan = {
		taskId: task.id,
		ms: scaled,
		exit: 0,
		output: 'lines',
		memoryMbPerSec: 0,
		memoryInChild: false,
		hang: false,
		ignoreSigterm: false,
		writes: {},
		append: false,
	};
	if (value === undefined) return plan;
	if (typeof value !== 'object' || value === null || Array.isArray(value)) {
		return {
			error: `sim must be an object such as {"ms": 1200, "exit": 0, "output": "lines"}, not ${describe(value)}`,
		};
	}

	const fields = value as Record<string, unknown>;
	// A misspelt field (say "exitCode") silently ignored would make a test pass for the wrong reason.
	const stray = Object.keys(fields).find((key) => !simFields.has(key));
	if (stray !== undefined) {
		return {
			error: `sim.${stray} is not a sim field; the fields are ${[...simFields].join(', ')}`,
		};
	}

	const {
		ms,
		exit,
		output,
		memoryMbPerSec,
		memoryInChild,
		hang,
		ignoreSigterm,
		ask,
		writes,
		append,
		usage,
	} = fields;
	if (ms !== undefined && !isNonNegative(ms))
		return {error: `sim.ms must be a number of milliseconds, 0 or more, not ${describe(ms)}`};
	if (exit !== undefined && !(Number.isInteger(exit) && Number(exit) >= 0 && Number(exit) <= 255))
		return {
			error: `sim.exit must be an exit code, an integer from 0 to 255, not ${describe(exit)}`,
		};
	if (output !== undefined && !simOutputs.includes(output as SimOutput)) {
		return {
			error: `sim.output must be ${simOutputs.map((name) => `"${name}"`).join(', ')}, not ${describe(output)}`,
		};
	}

	if (memoryMbPerSec !== undefined && !isNonNegative(memoryMbPerSec)) {
		return {
			error: `sim.memoryMbPerSec must be a number of megabytes per second, 0 or more, not ${describe(memoryMbPerSec)}`,
		};
	}

	if (memoryInChild !== undefined && typeof memoryInChild !== 'boolean')
		return {error: `sim.memoryInChild must be true or false, not ${describe(memoryInChild)}`};
	if (hang !== undefined && typeof hang !== 'boolean')
		return {error: `sim.hang must be true or false, not ${describe(hang)}`};
	if (ignoreSigterm !== undefined && typeof ignoreSigterm !== 'boolean')
		return {error: `sim.ignoreSigterm must be true or false, not ${describe(ignoreSigterm)}`};
	if (ask !== undefined && (typeof ask !== 'string' || ask.trim() === ''))
		return {
			error: `sim.ask must be the question to print, like "Proceed? [y/N]", not ${describe(ask)}`,
		};
	const files = writesOf(writes);
	if (typeof files === 'string') return {error: files};
	if (append !== undefined && typeof append !== 'boolean')
		return {error: `sim.append must be true or false, not ${describe(append)}`};
	if (usage !== undefined && (typeof usage !== 'object' || usage === null || Array.isArray(usage)))
		return {
			error: `sim.usage must be an object like {"costUsd": 0.5, "inputTokens": 1000}, not ${describe(usage)}`,
		};
	return {
		taskId: task.id,
		ms: ms === undefined ? scaled : Number(ms),
		exit: exit === undefined ? 0 : Number(exit),
		output: (output as SimOutput | undefined) ?? 'lines',
		memoryMbPerSec: memoryMbPerSec === undefined ? 0 : Number(memoryMbPerSec),
		memoryInChild: memoryInChild ?? false,
		hang: hang ?? false,
		ignoreSigterm: ignoreSigterm ?? false,
		...(ask === undefined ? {} : {ask}),
		writes: files,
		append: append ?? false,
		...(usage === undefined ? {} : {usage: usage as Record<string, unknown>}),
	};
}

/** `sim.writes` as files to write, or what is wrong with it: relative paths inside the folder. */
function writesOf(value: unknown): Readonly<Record<string, string>> | string {
	if (value === undefined) return {};
	if (typeof value !== 'object' || value === null || Array.isArray(value))
		return `sim.writes must be an object of file paths and their text, like {"src/a.txt": "hello"}, not ${describe(value)}`;
	for (const [file, text] of Object.entries(value)) {
		if (typeof text !== 'string')
			return `sim.writes[${JSON.stringify(file)}] must be the file's text, not ${describe(text)}`;
		if (file === '' || file.startsWith('/') || file.split(/[\\/]/).includes('..'))
			return `sim.writes: ${JSON.stringify(file)} must be a path inside the working folder, with no ".."`;
	}

	return value as Record<string, string>;
}

function isNonNegative(value: unknown): value is number {
	return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

function describe(value: unknown): string {
	const text = JSON.stringify(value) ?? String(value);
	return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/** What a coding agent says it is doing; cycled through so long runs still look alive. */
const activities = [
	'Reading src/store/task-store.ts',
	'Reading src/core/graph.ts',
	'Searching for "claimTask" in src/',
	'Thinking about the dependency order',
	'Editing src/core/scheduler.ts',
	'Editing src/core/scheduler.test.ts',
	'Running npm run typecheck',
	'Running tests (vitest run test/core)',
	'Reading the failing assertion in scheduler.test.ts',
	'Editing src/core/scheduler.ts',
	'Running tests (vitest run test/core)',
	'Running npm run lint',
	'Reviewing the diff',
	'Writing the summary',
] as const;

export function activity(step: number): string {
	return activities[Math.abs(Math.trunc(step)) % activities.length] ?? activities[0];
}

function percent(progress: number): string {
	return `${Math.floor(clamp(progress) * 100)}%`.padStart(4);
}

function clamp(progress: number): number {
	return Number.isFinite(progress) ? Math.min(1, Math.max(0, progress)) : 0;
}

/** The `lines` output: one line per step, e.g. `[ 42%] Editing src/core/scheduler.ts…`. */
export function progressLine(step: number, progress: number): string {
	return `[${percent(progress)}] ${activity(step)}…\n`;
}

/** What a hung agent keeps printing: alive, never finishing. */
export function hangLine(step: number): string {
	const waited = step + 1;
	return `[ 99%] Waiting for the test runner to respond (${waited} s)…\n`;
}

/** The last line: success, or an error an agent might print before exiting non-zero. */
export function finalLine(plan: Pick<SimPlan, 'exit' | 'taskId'>): string {
	return plan.exit === 0
		? `done: ${plan.taskId} completed (simulated)\n`
		: `Error: tests failed (simulated)\n`;
}

const esc = '\u001B[';

/**
 * One line of the `spew` output: several colours (16, 256 and true colour), bold and underline, so
 * a terminal emulator has real work per line, then a reset.
 */
export function spewLine(n: number): string {
	const hue = n % 256;
	const red = (n * 7) % 256;
	const green = (n * 13) % 256;
	const blue = (n * 29) % 256;
	return (
		`${esc}2m${String(n).padStart(8, '0')}${esc}0m ` +
		`${esc}38;5;${hue}m${activity(n).padEnd(52)}${esc}0m ` +
		`${esc}1;3${n % 8}mcompiled${esc}0m ` +
		`${esc}38;2;${red};${green};${blue}m${'█'.repeat(1 + (n % 16))}${esc}0m ` +
		`${esc}4mok${esc}24m\n`
	);
}

export interface TuiView {
	readonly taskId: string;
	readonly cols: number;
	readonly rows: number;
	readonly elapsedMs: number;
	/** 0 to 1. */
	readonly progress: number;
	/** Shown at the foot instead of the key hint, such as the final line. */
	readonly footer?: string;
}

type Piece = readonly [style: string, text: string];

const spinner = '⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏';

/** One step of the activity log every this many milliseconds of the `tui` output. */
const tuiStepMs = 700;

/**
 * A full-screen frame drawn in place, as an Ink app redraws: home, then every row addressed and
 * cleared, so a correctly emulated screen shows the title exactly once however many frames came
 * before. Every row fits `cols` (only single-width characters are used) and there are `rows` rows.
 */
export function tuiFrame(view: TuiView): string {
	const cols = Math.max(1, Math.trunc(view.cols));
	const rows = Math.max(1, Math.trunc(view.rows));
	const progress = clamp(view.progress);
	const step = Math.floor(view.elapsedMs / tuiStepMs);
	const lines: Array<readonly Piece[]> = Array.from({length: rows}, () => []);
	const seconds = `${(view.elapsedMs / 1000).toFixed(1)} s`;
	const title = ` simulated agent ${view.taskId} `;
	lines[0] = [
		['1;97;44', title],
		['2', ' '.repeat(Math.max(1, cols - title.length - seconds.length - 1))],
		['2', seconds],
	];
	const frame = spinner[Math.floor(view.elapsedMs / simIntervals.tui) % spinner.length] ?? '*';
	const place = (row: number, pieces: readonly Piece[]) => {
		if (row < rows) lines[row] = pieces;
	};

	place(2, [
		['36', progress >= 1 ? '✓' : frame],
		['', ` ${progress >= 1 ? 'Finished' : activity(step)}`],
	]);
	const barWidth = Math.max(0, cols - 9);
	const filled = Math.round(barWidth * progress);
	place(3, [
		['', ' '],
		['32', '█'.repeat(filled)],
		['2', '░'.repeat(barWidth - filled)],
		['1', ` ${percent(progress)}`],
	]);
	// The log sits between the bar and the foot; the newest steps are kept when it is short.
	const logFirst = 5;
	const logLast = rows - 3;
	const shown = Math.max(0, logLast - logFirst + 1);
	const from = Math.max(0, step - shown);
	for (let index = from; index < step; index++) {
		place(logFirst + index - from, [
			['32', ' ✓'],
			['2', ` ${activity(index)}`],
		]);
	}

	if (rows >= 3)
		place(rows - 2, [['2', ` ${view.footer ?? 'esc to interrupt · simulated, no AI involved'}`]]);

	let out = `${esc}H`;
	for (const [index, pieces] of lines.entries())
		out += `${esc}${index + 1};1H${esc}2K${fit(pieces, cols)}`;
	// The cursor rests on the empty last row, where a shell prompt would go after exit.
	return out + `${esc}${rows};1H`;
}

/** The pieces cut to `width` visible characters, each styled and reset. */
function fit(pieces: readonly Piece[], width: number): string {
	let room = width;
	let out = '';
	for (const [style, text] of pieces) {
		if (room <= 0) break;
		const visible = text.slice(0, room);
		room -= visible.length;
		out += style === '' ? visible : `${esc}${style}m${visible}${esc}0m`;
	}

	return out;
}

/** Before the first frame: clear once and hide the cursor, as Ink does. */
export const tuiStart = `${esc}2J${esc}?25l`;
/** After the last frame. */
export const tuiEnd = `${esc}?25h`;
/** Before a frame drawn at a new size: the old frame may be wider than the screen now is. */
export const tuiClear = `${esc}2J`;
