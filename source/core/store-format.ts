/**
 * Reading and writing the bytes of `.beads/tasks.jsonl` (PRODUCT.md §3), with no file access:
 * the adapter hands bytes in and takes bytes out. Tells *damage* (what a crash or a full disk
 * leaves: the store may be restored from backup) from a person's *mistake* (reported by line, the
 * file left alone).
 */
import {StoreError} from './errors.js';
import {checkTask, sortedTasks, taskToJsonLine, type Task, type TaskTable} from './task.js';

export interface LineProblem {
	/** 1-based line number in the file. */
	readonly line: number;
	readonly field?: string;
	readonly message: string;
}

export type StoreContents =
	| {readonly kind: 'ok'; readonly table: TaskTable; readonly text: string}
	| {
			readonly kind: 'damaged';
			readonly reason: string;
			/** Tasks on the lines that could still be read, to tell the user what a restore may roll back. */
			readonly readable: TaskTable;
	  }
	| {
			readonly kind: 'mistake';
			readonly problems: readonly LineProblem[];
			readonly conflict: boolean;
	  };

/**
 * The longest task line read or written. A line this long is a mistake (text pasted into the wrong
 * field, an attachment inlined): every write rewrites it, and every backup keeps it.
 */
export const maxLineBytes = 1024 * 1024;

const conflictMarker = /^(?:<{7}|={7}|>{7}|\|{7})(?: |$)/;
const utf8 = new TextDecoder('utf-8', {fatal: true, ignoreBOM: false});

/**
 * `known` maps lines read before (as they were in the file) to their tasks: a line found there is
 * not parsed or checked again, so re-reading a file that changed in a few lines costs little more
 * than splitting it.
 */
export function parseStore(bytes: Uint8Array, known?: ReadonlyMap<string, Task>): StoreContents {
	const empty: TaskTable = new Map();
	if (bytes.length === 0) return {kind: 'damaged', reason: 'the file is empty', readable: empty};
	if (bytes.includes(0))
		return {kind: 'damaged', reason: 'the file holds binary (NUL) bytes', readable: empty};

	let text: string;
	try {
		// The decoder drops a leading BOM; CR before LF is removed per line below.
		text = utf8.decode(bytes);
	} catch {
		return badEncoding(bytes);
	}

	if (text.trim() === '')
		return {kind: 'damaged', reason: 'the file holds only blank lines', readable: empty};

	// The tasks go into the table once all are read: filling a Map while the parser makes objects
	// as fast as it can costs the garbage collector more than filling it afterwards.
	const tasks: Task[] = [];
	const taskLines: number[] = [];
	const problems: LineProblem[] = [];
	let cutShort: number | undefined;
	// Line by line rather than split: each line's string is garbage as soon as it is read, rather
	// than all of them held until the last is.
	let lineNumber = 0;
	for (let start = 0; start < text.length;) {
		const newline = text.indexOf('\n', start);
		const end = newline === -1 ? text.length : newline;
		const line = text.slice(
			start,
			end > start && text.charCodeAt(end - 1) === 0x0d ? end - 1 : end,
		);
		start = end + 1;
		lineNumber++;
		// A task line starts with "{"; only other lines need the slower looks.
		const opening = line.charCodeAt(0);
		if (opening !== 0x7b && !/\S/.test(line)) continue;
		if (opening !== 0x7b && conflictMarker.test(line)) {
			return {
				kind: 'mistake',
				conflict: true,
				problems: [{line: lineNumber, message: 'holds a git merge conflict marker'}],
			};
		}

		const seen = known?.get(line);
		const task = seen ?? checkLine(line, lineNumber, problems, newline === -1);
		if (task === 'cut short') {
			cutShort = lineNumber;
			continue;
		}

		if (task === undefined) continue;
		tasks.push(task);
		taskLines.push(lineNumber);
	}

	const table = tableOf(tasks, taskLines, problems);

	// A person's mistakes come first even when the last line is also cut short: restoring a backup
	// would set aside what they are working on.
	if (problems.length > 0) {
		if (cutShort !== undefined)
			problems.push({line: cutShort, message: 'was cut short (no newline, not valid JSON)'});
		return {kind: 'mistake', conflict: false, problems};
	}

	if (cutShort !== undefined)
		return {kind: 'damaged', reason: `the last line (${cutShort}) was cut short`, readable: table};
	return {kind: 'ok', table, text};
}

/**
 * The tasks by id. A repeated id is a problem on the line that repeats it, named with the line it
 * was first on, in line order among the problems already found.
 */
function tableOf(tasks: readonly Task[], lines: readonly number[], problems: LineProblem[]) {
	const table = new Map<string, Task>();
	/** The line each id is first on: made at the first repeat, which is rare. */
	let firstLine: Map<string, number> | undefined;
	const repeats: LineProblem[] = [];
	for (let at = 0; at < tasks.length; at++) {
		const {id} = tasks[at] as Task;
		// One lookup, not two: a repeat replaces the task its id first had, but a table with
		// problems is never handed out.
		const size = table.size;
		table.set(id, tasks[at] as Task);
		if (table.size > size) {
			firstLine?.set(id, lines[at] as number);
			continue;
		}

		if (firstLine === undefined) {
			firstLine = new Map();
			for (let before = at - 1; before >= 0; before--)
				firstLine.set((tasks[before] as Task).id, lines[before] as number);
		}

		repeats.push({
			line: lines[at] as number,
			field: 'id',
			message: `repeats ${JSON.stringify(id)} from line ${firstLine.get(id)}; ids must be unique`,
		});
	}

	if (repeats.length > 0) {
		for (const repeat of repeats) problems.push(repeat);
		// Stable: a line has either schema problems or a repeated id, never both.
		problems.sort((a, b) => a.line - b.line);
	}

	return table;
}

/**
 * The task on one line, or undefined with its problems added; 'cut short' for a last line with no
 * newline that is not JSON (damage, not a mistake).
 */
function checkLine(
	line: string,
	lineNumber: number,
	problems: LineProblem[],
	isUnfinished: boolean,
): Task | 'cut short' | undefined {
	// A UTF-8 character is at most three bytes per UTF-16 unit: only long lines need counting.
	if (line.length > maxLineBytes / 3 && Buffer.byteLength(line) > maxLineBytes) {
		problems.push({line: lineNumber, message: tooLong(Buffer.byteLength(line))});
		return undefined;
	}

	let value: unknown;
	try {
		value = JSON.parse(line);
	} catch (error) {
		if (isUnfinished) return 'cut short';
		problems.push({line: lineNumber, message: notJson(line, error)});
		return undefined;
	}

	const checked = checkTask(value);
	if (checked.ok) return checked.task;
	for (const {field, message} of checked.problems)
		problems.push({line: lineNumber, field, message});
	return undefined;
}

/** The parser's words repeat the line and end "is not valid JSON": say where, once, for a person. */
function notJson(line: string, error: unknown): string {
	const at = /at position (\d+)/.exec((error as Error).message)?.[1];
	const where =
		at === undefined
			? ''
			: ` at character ${Number(at) + 1} (${JSON.stringify(line.slice(Number(at), Number(at) + 20))})`;
	return `is not valid JSON${where}; each line is one task written as a JSON object, like {"id": "bd-a1b2", "title": "Write the API"}`;
}

function tooLong(bytes: number): string {
	return `is ${(bytes / 1024 / 1024).toFixed(1)} MiB long, over 1 MiB, the most a task line may be; move the long text to a file and refer to it`;
}

/**
 * Each task's line, kept while the task object lives: tasks are immutable, and a transaction
 * changes a few of them, so the rest need not be serialised again. Kept as strings (V8 holds
 * ASCII in a byte a character), which cost the heap less than a buffer per line and the allocator
 * nothing.
 */
const lineCache = new WeakMap<Task, string>();
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The line a task is stored as; throws a StoreError for one over `maxLineBytes`. */
export function storedLine(task: Task): string {
	let line = lineCache.get(task);
	if (line === undefined) {
		line = taskToJsonLine(task);
		// A UTF-8 character is at most three bytes per UTF-16 unit: only long lines need counting.
		if (line.length > maxLineBytes / 3 && Buffer.byteLength(line) > maxLineBytes) {
			throw new StoreError(
				`task ${task.id} would be a line over 1 MiB (${(Buffer.byteLength(line) / 1024 / 1024).toFixed(1)} MiB); nothing was written. Move the long text to a file and refer to it.`,
			);
		}

		lineCache.set(task, line);
	}

	return line;
}

/**
 * The whole file as bytes: one line per task, sorted by id, `\n` after every line. Written into
 * `into` when it is large enough (the store keeps its buffers: a new one the size of the file for
 * every transaction is what the allocator fragments on), else into a new buffer; the bytes are a
 * view of the buffer they were written into.
 */
export function serializeStoreBytes(table: TaskTable, into?: Uint8Array): Uint8Array {
	const lines = sortedTasks(table).map(storedLine);
	// Exact for ASCII; a line of wider characters makes the buffer grow below.
	let estimate = 0;
	for (const line of lines) estimate += line.length + 1;
	// A buffer far larger than the file (many tasks deleted) is let go.
	let out =
		into !== undefined && into.length >= estimate && into.length <= estimate * 4 + 65_536
			? into
			: new Uint8Array(Math.ceil(estimate * 1.25) + 1024);
	let at = 0;
	for (const line of lines) {
		const {read, written} = encoder.encodeInto(line, out.subarray(at));
		if (read === line.length && at + written < out.length) at += written;
		else {
			// Wider characters than estimated: a larger buffer, and the line again.
			const larger = new Uint8Array(Math.max(out.length * 2, at + line.length * 3 + 1024));
			larger.set(out.subarray(0, at));
			out = larger;
			at += encoder.encodeInto(line, out.subarray(at)).written;
		}

		out[at++] = 0x0a;
	}

	return out.subarray(0, at);
}

/** The whole file: one line per task, sorted by id, `\n` after every line (an empty store is empty). */
export function serializeStore(table: TaskTable): string {
	return decoder.decode(serializeStoreBytes(table));
}

export function describeProblem(file: string, problem: LineProblem): string {
	const field =
		problem.field === undefined || problem.field === '(line)' ? '' : ` field "${problem.field}"`;
	return `${file} line ${problem.line}:${field} ${problem.message}`;
}

/**
 * Bytes that are not UTF-8 on a line a person could have edited are a mistake on that line; on a
 * last line with no newline they are what a write cut off mid-character leaves: damage.
 */
function badEncoding(bytes: Uint8Array): StoreContents {
	let start = 0;
	for (let line = 1; start < bytes.length; line++) {
		const newline = bytes.indexOf(0x0a, start);
		const end = newline === -1 ? bytes.length : newline;
		try {
			utf8.decode(bytes.subarray(start, end));
		} catch {
			if (newline === -1) {
				const readable = parseStore(bytes.subarray(0, start));
				return {
					kind: 'damaged',
					reason: `the last line (${line}) was cut short`,
					readable: readable.kind === 'ok' ? readable.table : new Map(),
				};
			}

			return {
				kind: 'mistake',
				conflict: false,
				problems: [{line, message: 'holds bytes that are not UTF-8 text; save the file as UTF-8'}],
			};
		}

		start = end + 1;
	}

	return {kind: 'mistake', conflict: false, problems: [{line: 1, message: 'is not UTF-8 text'}]};
}
