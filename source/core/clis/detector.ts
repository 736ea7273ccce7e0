/**
 * What an agent CLI's output means (PRODUCT.md §13). Each CLI has a module of its own beside this
 * one (claude.ts, codex.ts, gemini.ts, aider.ts, generic.ts), chosen by profile, tested on output
 * captured from the real CLI. Pure: lines in, meaning out; the pty adapter feeds them and the
 * orchestrator acts on what they say.
 */

/** What an attempt cost, as its CLI reported it (PRODUCT.md §3 `usage`). Fields it did not give are absent. */
export interface Usage {
	readonly model?: string;
	readonly inputTokens?: number;
	readonly outputTokens?: number;
	readonly cacheReadTokens?: number;
	readonly cacheWriteTokens?: number;
	readonly costUsd?: number;
	/** The cost is ours (a price table), not the CLI's own figure. */
	readonly costEstimated?: boolean;
	readonly sessionId?: string;
}

/**
 * One thing a structured CLI said, in a shape common to every CLI: the pane's transcript is drawn
 * from these, and the attempt's end is judged on them.
 */
export type TranscriptItem =
	/** The session began: its model and id, when the CLI says them. */
	| {readonly kind: 'session'; readonly model?: string; readonly sessionId?: string}
	/**
	 * The agent's own words to the user; `delta`: a piece of a message that goes on in the next
	 * item (gemini streams its words so), shown on the same line.
	 */
	| {readonly kind: 'message'; readonly text: string; readonly delta?: boolean}
	/** Its reasoning, where the CLI shows it. */
	| {readonly kind: 'thinking'; readonly text: string}
	/** A tool call: its name and what it acts on (the command line, the file, the pattern). */
	| {readonly kind: 'tool'; readonly name: string; readonly detail: string}
	/** What a tool call gave back; `error` when the tool failed. */
	| {readonly kind: 'tool-result'; readonly text: string; readonly error: boolean}
	/** The CLI is waiting to retry a failed API call (not a stall). */
	| {readonly kind: 'api-retry'; readonly message: string}
	/** An error the CLI reported (it may go on, or a `result` may follow). */
	| {readonly kind: 'error'; readonly message: string}
	/** Tokens and cost so far or in total (the latest figures win, field by field). */
	| {readonly kind: 'usage'; readonly usage: Usage}
	/**
	 * The CLI's own final word. `ok` only when it says the work succeeded (claude: `result` with
	 * `is_error: false`; codex: `turn.completed`); failures carry the CLI's message.
	 */
	| {
			readonly kind: 'result';
			readonly ok: boolean;
			readonly message: string;
			readonly usage?: Usage;
	  }
	/** A usage or rate limit was hit; `resetsAt` when the CLI gave one. */
	| {readonly kind: 'limit'; readonly message: string; readonly resetsAt?: Date};

/** What a CLI's plain output (its screen, its last lines) says, found at any time in an attempt. */
export type Finding =
	/** A question is on the screen, waiting for a person (permission, trust, `[y/N]`, a menu). */
	| {readonly kind: 'waiting'; readonly message: string}
	/** A usage or rate limit; `resetsAt` when the CLI printed one. */
	| {readonly kind: 'limit'; readonly message: string; readonly resetsAt?: Date}
	/** The API is overloaded or failing (5xx, 529, timeouts) after the CLI's own retries. */
	| {readonly kind: 'api-error'; readonly message: string}
	/** Not logged in, no key, a bad key, a broken CLI config: the CLI cannot work at all. */
	| {readonly kind: 'auth'; readonly message: string}
	/** The folder is not trusted, or the CLI refuses to run here without a flag. */
	| {readonly kind: 'untrusted'; readonly message: string}
	/** The CLI is retrying a connection it cannot make (no network). */
	| {readonly kind: 'offline'; readonly message: string};

export interface CliDetector {
	/** `claude`, `codex`, `gemini`, `aider`, or `generic` for a custom command. */
	readonly name: string;
	/**
	 * Whether these arguments put the CLI in its structured mode (claude `--output-format
	 * stream-json`, codex `exec --json`): only then are its lines read as events, and only then
	 * does completion need its final event. Absent: the CLI has no structured mode.
	 */
	structured?(args: readonly string[]): boolean;
	/**
	 * One line of structured output → what it says (often nothing: `[]`). Undefined when the
	 * line is not one of the CLI's events: it is shown as the CLI printed it.
	 */
	parse?(line: string, now: Date): readonly TranscriptItem[] | undefined;
	/**
	 * Plain text lines, oldest first (the screen as shown, or the last lines printed, ANSI
	 * stripped): what they say, if anything. The most decisive finding wins (a limit over a
	 * question). Only the CLI's own wording counts, never words a task's output could hold.
	 */
	detect(lines: readonly string[], now: Date): Finding | undefined;
	/**
	 * These arguments changed to resume conversation `sessionId` instead of starting a new one
	 * (PRODUCT.md §14); undefined where the CLI (or these arguments) cannot.
	 */
	resumeArgs?(args: readonly string[], sessionId: string): readonly string[] | undefined;
}

const months = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** A printed time that has passed by less than this is "now"; one further back is tomorrow's. */
const justPassedMs = 60 * 60_000;

/**
 * A printed date (no year) further back than this is next year's (`Jan 2` seen on Dec 31st); one
 * nearer has passed, and means now, not a year's wait.
 */
const staleDatedMs = 183 * 24 * 60 * 60_000;

export interface ClockTime {
	readonly hour: number;
	readonly minute: number;
	/** `am`/`pm` when the CLI printed a 12-hour clock. */
	readonly meridiem?: 'am' | 'pm';
	/** `Dec`, `December` … when the CLI printed a date. */
	readonly month?: string;
	readonly day?: number;
	readonly year?: number;
	/** An IANA zone (`UTC`, `Europe/Paris`) when printed; else the machine's local time. */
	readonly timeZone?: string;
}

/**
 * When a printed reset time (`resets 6:23pm (UTC)`, `try again at Dec 2nd, 2026 6:39 PM.`) falls,
 * seen at `now`. Printed times are to the minute: one that has just passed means now, not
 * tomorrow. Undefined for a time that cannot be read (an unknown zone, 25:00).
 */
export function resetTime(time: ClockTime, now: Date): Date | undefined {
	let hour = time.hour;
	if (time.meridiem !== undefined) {
		if (hour < 1 || hour > 12) return undefined;
		hour = (hour % 12) + (time.meridiem === 'pm' ? 12 : 0);
	}

	if (hour > 23 || time.minute > 59) return undefined;
	const nowThere = wallClock(now, time.timeZone);
	if (nowThere === undefined) return undefined;
	const monthIndex =
		time.month === undefined ? undefined : months.indexOf(time.month.slice(0, 3).toLowerCase());
	if (monthIndex === -1) return undefined;
	const dated = monthIndex !== undefined && time.day !== undefined;
	const year = time.year ?? nowThere.year;
	const at = (days: number): Date | undefined =>
		fromWallClock(
			{
				year,
				month: dated ? monthIndex : nowThere.month,
				day: (dated ? (time.day ?? 1) : nowThere.day) + days,
				hour,
				minute: time.minute,
			},
			time.timeZone,
		);
	let reset = at(0);
	if (reset === undefined) return undefined;
	const behind = now.getTime() - reset.getTime();
	if (behind > 0 && behind <= justPassedMs) return now;
	if (behind > justPassedMs && !dated) reset = at(1);
	else if (behind > staleDatedMs && time.year === undefined) {
		// `Jan 2` seen on Dec 31st is next year's.
		reset = fromWallClock(
			{year: year + 1, month: monthIndex ?? 0, day: time.day ?? 1, hour, minute: time.minute},
			time.timeZone,
		);
	} else if (behind > 0) {
		// A date that has passed (a message left on the screen, a year printed): the limit is over.
		return now;
	}

	return reset;
}

interface Wall {
	readonly year: number;
	/** 0-based, as Date has it. */
	readonly month: number;
	readonly day: number;
	readonly hour: number;
	readonly minute: number;
}

/** The date and time on a clock in `timeZone` (local when undefined) at `instant`. */
function wallClock(instant: Date, timeZone: string | undefined): Wall | undefined {
	if (timeZone === undefined)
		return {
			year: instant.getFullYear(),
			month: instant.getMonth(),
			day: instant.getDate(),
			hour: instant.getHours(),
			minute: instant.getMinutes(),
		};
	let parts: Intl.DateTimeFormatPart[];
	try {
		parts = new Intl.DateTimeFormat('en-US', {
			timeZone,
			hourCycle: 'h23',
			year: 'numeric',
			month: 'numeric',
			day: 'numeric',
			hour: 'numeric',
			minute: 'numeric',
		}).formatToParts(instant);
	} catch {
		// Not a zone this runtime knows: the reset time cannot be placed.
		return undefined;
	}

	const part = (type: string) => Number(parts.find((p) => p.type === type)?.value);
	return {
		year: part('year'),
		month: part('month') - 1,
		day: part('day'),
		hour: part('hour'),
		minute: part('minute'),
	};
}

/** The instant a clock in `timeZone` shows `wall` (the first, at a DST overlap). */
function fromWallClock(wall: Wall, timeZone: string | undefined): Date | undefined {
	if (timeZone === undefined)
		return new Date(wall.year, wall.month, wall.day, wall.hour, wall.minute);
	const guess = Date.UTC(wall.year, wall.month, wall.day, wall.hour, wall.minute);
	// Two passes find the zone's offset at that moment, across a DST change too.
	let instant = guess;
	for (let pass = 0; pass < 2; pass++) {
		const shown = wallClock(new Date(instant), timeZone);
		if (shown === undefined) return undefined;
		const shownUtc = Date.UTC(shown.year, shown.month, shown.day, shown.hour, shown.minute);
		instant += guess - shownUtc;
	}

	return new Date(instant);
}

/** The first of `lines` (searched newest first) that `pattern` matches, and the match. */
export function lastMatch(
	lines: readonly string[],
	pattern: RegExp,
): {readonly line: string; readonly match: RegExpExecArray} | undefined {
	for (let i = lines.length - 1; i >= 0; i--) {
		const line = lines[i] ?? '';
		const match = pattern.exec(line);
		if (match !== null) return {line: line.trim().slice(0, 300), match};
	}

	return undefined;
}
