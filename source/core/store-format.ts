/**
 * Reading and writing the bytes of `.beads/tasks.jsonl` (PRODUCT.md §3), with no file access:
 * the adapter hands bytes in and takes bytes out. Tells *damage* (what a crash or a full disk
 * leaves: the store may be restored from backup) from a person's *mistake* (reported by line, the
 * file left alone).
 */
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

const conflictMarker = /^(?:<{7}|={7}|>{7}|\|{7})(?: |$)/;
const utf8 = new TextDecoder('utf-8', {fatal: true, ignoreBOM: false});

export function parseStore(bytes: Uint8Array): StoreContents {
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

	const lines = text.split('\n');
	const endsWithNewline = text.endsWith('\n');
	if (endsWithNewline) lines.pop();

	const table = new Map<string, Task>();
	const problems: LineProblem[] = [];
	let cutShort: number | undefined;
	for (let index = 0; index < lines.length; index++) {
		const raw = lines[index] ?? '';
		const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
		const lineNumber = index + 1;
		// A task line starts with "{"; only other lines need the slower looks.
		const first = line.charCodeAt(0);
		if (first !== 0x7b && !/\S/.test(line)) continue;
		if (first !== 0x7b && conflictMarker.test(line)) {
			return {
				kind: 'mistake',
				conflict: true,
				problems: [{line: lineNumber, message: 'holds a git merge conflict marker'}],
			};
		}

		let value: unknown;
		try {
			value = JSON.parse(line);
		} catch (error) {
			if (index === lines.length - 1 && !endsWithNewline) {
				cutShort = lineNumber;
				continue;
			}

			problems.push({line: lineNumber, message: `is not valid JSON: ${(error as Error).message}`});
			continue;
		}

		const checked = checkTask(value);
		if (!checked.ok) {
			for (const {field, message} of checked.problems)
				problems.push({line: lineNumber, field, message});
			continue;
		}

		const {task} = checked;
		if (table.has(task.id)) {
			problems.push({
				line: lineNumber,
				field: 'id',
				message: `repeats ${JSON.stringify(task.id)} from line ${lineOf(lines, task.id)}; ids must be unique`,
			});
		} else table.set(task.id, task);
	}

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

/** The first line holding the task `id`; only looked for when an id repeats. */
function lineOf(lines: readonly string[], id: string): number {
	for (const [index, line] of lines.entries()) {
		try {
			if ((JSON.parse(line) as {id?: unknown}).id === id) return index + 1;
		} catch {
			// Not JSON: reported on its own.
		}
	}

	return 0;
}

/** The whole file: one line per task, sorted by id, `\n` after every line (an empty store is empty). */
export function serializeStore(table: TaskTable): string {
	if (table.size === 0) return '';
	return sortedTasks(table).map(taskToJsonLine).join('\n') + '\n';
}

export function describeProblem(file: string, problem: LineProblem): string {
	const field = problem.field === undefined ? '' : ` field "${problem.field}"`;
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
