/**
 * The diff of a task's work (PRODUCT.md §12: the tasks view's `enter` on a task in review), as
 * pure functions: the diff text cut into a bounded document of lines and files, and a reducer for
 * what the keys do to the view (scroll, jump between files, the accept and reject prompts). The
 * hook (hooks/use-diff-view.ts) fetches the diff and calls the run; the component draws.
 */
import {stripAnsi} from './ansi-segments.js';

/** Lines of a diff kept in memory; the rest is counted and said, never held. */
export const maxDiffLines = 20_000;
/** Characters kept of one line (escape sequences included): a minified file is one huge line. */
export const maxDiffLineLength = 4096;

export interface DiffFile {
	/** The file's path (the new one, for a rename). */
	readonly path: string;
	/** The index of its `diff --git` line. */
	readonly line: number;
}

export interface DiffDocument {
	/** The lines as git printed them, colours included; at most `maxDiffLines`. */
	readonly lines: readonly string[];
	readonly files: readonly DiffFile[];
	/** Lines of the diff left out after the last kept one (0 when it is whole). */
	readonly cut: number;
}

/** A copy of `line` that shares no memory with the string it was sliced from. */
function detached(line: string): string {
	return line.split('').join('');
}

/** The path a `diff --git a/x b/x` (or `diff --cc x`) header names, if `plain` is one. */
export function diffHeaderPath(plain: string): string | undefined {
	if (plain.startsWith('diff --cc ') || plain.startsWith('diff --combined '))
		return plain.slice(plain.indexOf(' ', 7) + 1);
	if (!plain.startsWith('diff --git ')) return undefined;
	const rest = plain.slice('diff --git '.length);
	// Paths with spaces or odd characters come quoted: "a/x y" "b/x y".
	const quoted = /"b\/((?:[^"\\]|\\.)*)"$/.exec(rest);
	if (quoted !== null) return quoted[1];
	const at = rest.lastIndexOf(' b/');
	return at === -1 ? rest : rest.slice(at + 3);
}

/**
 * `text` (a diff as git prints it) as a document of at most `maxLines` lines, each at most
 * `maxLineLength` characters; the lines beyond are only counted, so a huge diff costs what its kept
 * part does.
 */
export function parseDiff(
	text: string,
	{
		maxLines = maxDiffLines,
		maxLineLength = maxDiffLineLength,
	}: {readonly maxLines?: number; readonly maxLineLength?: number} = {},
): DiffDocument {
	const lines: string[] = [];
	const files: DiffFile[] = [];
	let at = 0;
	let capped = false;
	while (at < text.length && lines.length < maxLines) {
		const end = text.indexOf('\n', at);
		const stop = end === -1 ? text.length : end;
		if (stop - at > maxLineLength) capped = true;
		let line = text.slice(at, Math.min(stop, at + maxLineLength));
		if (line.endsWith('\r')) line = line.slice(0, -1);
		if (line.includes('diff --')) {
			const path = diffHeaderPath(stripAnsi(line));
			if (path !== undefined) files.push({path, line: lines.length});
		}

		lines.push(line);
		at = stop + 1;
	}

	let cut = 0;
	while (at < text.length) {
		cut++;
		const end = text.indexOf('\n', at);
		at = end === -1 ? text.length : end + 1;
	}

	// V8 keeps a slice as a view of the whole string: when some of it was left out, the kept lines
	// are copied out, so the rest can go.
	const kept = cut > 0 || capped ? lines.map(detached) : lines;
	return {lines: kept, files, cut};
}

/** Lines the view scrolls through: the diff's, and one saying what was cut. */
export function diffLineCount(doc: DiffDocument): number {
	return doc.lines.length + (doc.cut > 0 ? 1 : 0);
}

/** The file that line `top` is in: the last one starting at or above it, -1 before the first. */
export function fileAt(files: readonly DiffFile[], top: number): number {
	let low = 0;
	let high = files.length - 1;
	let found = -1;
	while (low <= high) {
		const middle = (low + high) >> 1;
		if ((files[middle]?.line ?? 0) <= top) {
			found = middle;
			low = middle + 1;
		} else high = middle - 1;
	}

	return found;
}

export type DiffLoad =
	| {readonly kind: 'loading'}
	| {readonly kind: 'failed'; readonly message: string}
	| {readonly kind: 'ready'; readonly doc: DiffDocument};

/** What has the view's keyboard instead of its scroll keys. */
export type DiffPrompt =
	| {readonly kind: 'accept'}
	/** `problem`: why the last reason typed was not taken. */
	| {readonly kind: 'reject'; readonly problem?: string};

export interface DiffViewState {
	readonly load: DiffLoad;
	/** The first line shown. */
	readonly top: number;
	/** The file the view is in (what `n` and `p` move from); -1 before the first file. */
	readonly file: number;
	readonly prompt: DiffPrompt | undefined;
	/** An accept or reject sent to the run and not answered yet. */
	readonly busy: 'accept' | 'reject' | undefined;
}

export type DiffMove = 'down' | 'up' | 'pageDown' | 'pageUp' | 'top' | 'bottom';

export type DiffViewAction =
	| {readonly type: 'loaded'; readonly doc: DiffDocument}
	| {readonly type: 'failed'; readonly message: string}
	/** `rows`: how many diff lines the view shows now. */
	| {readonly type: 'scroll'; readonly move: DiffMove; readonly rows: number}
	| {readonly type: 'nextFile'; readonly rows: number}
	| {readonly type: 'previousFile'; readonly rows: number}
	| {readonly type: 'ask'; readonly prompt: DiffPrompt['kind']}
	| {readonly type: 'rejectProblem'; readonly problem: string}
	| {readonly type: 'cancel'}
	| {readonly type: 'send'; readonly what: 'accept' | 'reject'}
	| {readonly type: 'answered'};

export const initialDiffView: DiffViewState = {
	load: {kind: 'loading'},
	top: 0,
	file: -1,
	prompt: undefined,
	busy: undefined,
};

/** The last line `top` may be: the bottom of the diff at the bottom of the view. */
export function maxTop(doc: DiffDocument, rows: number): number {
	return Math.max(0, diffLineCount(doc) - Math.max(1, rows));
}

function scrolled(top: number, move: DiffMove, rows: number, last: number): number {
	const page = Math.max(1, rows - 1);
	switch (move) {
		case 'down': {
			return top + 1;
		}

		case 'up': {
			return top - 1;
		}

		case 'pageDown': {
			return top + page;
		}

		case 'pageUp': {
			return top - page;
		}

		case 'top': {
			return 0;
		}

		case 'bottom': {
			return last;
		}
	}
}

/** `file`'s first line at the top, or as near as the end of the diff allows. */
function atFile(state: DiffViewState, doc: DiffDocument, file: number, rows: number) {
	const top = Math.min(doc.files[file]?.line ?? 0, maxTop(doc, rows));
	return top === state.top && file === state.file ? state : {...state, top, file};
}

/** The view's next state; the same object when the action changes nothing. */
export function diffViewReducer(state: DiffViewState, action: DiffViewAction): DiffViewState {
	switch (action.type) {
		case 'loaded': {
			return {
				...state,
				load: {kind: 'ready', doc: action.doc},
				top: 0,
				file: fileAt(action.doc.files, 0),
			};
		}

		case 'failed': {
			return {...state, load: {kind: 'failed', message: action.message}};
		}

		case 'scroll': {
			if (state.load.kind !== 'ready') return state;
			const {doc} = state.load;
			const last = maxTop(doc, action.rows);
			const top = Math.max(0, Math.min(scrolled(state.top, action.move, action.rows, last), last));
			// At the end of the diff the top may stay above the file `n` went to: that file stays.
			return top === state.top ? state : {...state, top, file: fileAt(doc.files, top)};
		}

		case 'nextFile': {
			if (state.load.kind !== 'ready') return state;
			const {doc} = state.load;
			const next = state.file + 1;
			return next >= doc.files.length ? state : atFile(state, doc, next, action.rows);
		}

		case 'previousFile': {
			if (state.load.kind !== 'ready') return state;
			const {doc} = state.load;
			if (state.file < 0) return state;
			// In the middle of a file, `p` goes to its start first, as a pager's "previous" does.
			const start = doc.files[state.file]?.line ?? 0;
			const previous = state.top > start ? state.file : state.file - 1;
			if (previous < 0) {
				const top = 0;
				return top === state.top ? state : {...state, top, file: fileAt(doc.files, top)};
			}

			return atFile(state, doc, previous, action.rows);
		}

		case 'ask': {
			return {...state, prompt: {kind: action.prompt}};
		}

		case 'rejectProblem': {
			return {...state, prompt: {kind: 'reject', problem: action.problem}};
		}

		case 'cancel': {
			return state.prompt === undefined ? state : {...state, prompt: undefined};
		}

		case 'send': {
			return {...state, prompt: undefined, busy: action.what};
		}

		case 'answered': {
			return state.busy === undefined ? state : {...state, busy: undefined};
		}
	}
}
