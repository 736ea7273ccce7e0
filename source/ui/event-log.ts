/**
 * The log view's events: a bounded ring (a run of 8 hours emits more than a screen needs), the
 * filter the user types (`task:bd-1 agent:sim-2 level:warn timeout`), and the window of lines shown
 * over the matching events. Pure apart from the ring itself; the view renders what these give.
 */
import type {Level, StampedEvent} from '../core/orchestrator.js';

export interface LogEntry {
	/** Count of events pushed before this one: grows forever, so a scroll position survives eviction. */
	readonly seq: number;
	readonly stamped: StampedEvent;
	/** The event as one line of plain text. */
	readonly line: string;
	/** The same, lower-cased once for the text filter. */
	readonly search: string;
}

export const keptEntries = 2000;

export class EventLog {
	readonly capacity: number;
	readonly #describe: (event: StampedEvent) => string;
	readonly #ring: LogEntry[] = [];
	/** Where the oldest entry sits in the ring once it is full. */
	#head = 0;
	#pushed = 0;
	#last: StampedEvent | undefined;
	readonly #listeners = new Set<() => void>();

	constructor(describe: (event: StampedEvent) => string, capacity = keptEntries) {
		this.#describe = describe;
		this.capacity = Math.max(1, capacity);
	}

	/** Entries kept. */
	get size(): number {
		return this.#ring.length;
	}

	/** Events ever pushed: changes with every push, so it doubles as the log's version. */
	get pushed(): number {
		return this.#pushed;
	}

	/** The `i`th entry kept, 0 the oldest. */
	at(i: number): LogEntry | undefined {
		if (i < 0 || i >= this.#ring.length) return undefined;
		return this.#ring[(this.#head + i) % this.#ring.length];
	}

	push(stamped: StampedEvent): void {
		// The same event twice in a row is one event seen twice (a catch-up racing a listener).
		if (stamped === this.#last) return;
		this.#last = stamped;
		const line = this.#describe(stamped);
		const entry = {seq: this.#pushed++, stamped, line, search: line.toLowerCase()};
		if (this.#ring.length < this.capacity) this.#ring.push(entry);
		else {
			this.#ring[this.#head] = entry;
			this.#head = (this.#head + 1) % this.capacity;
		}

		for (const listener of this.#listeners) listener();
	}

	/**
	 * Takes the events of `recent` (a run's last events, oldest first) that came after the last one
	 * pushed; all of them when that one is no longer among them.
	 */
	catchUp(recent: readonly StampedEvent[]): void {
		const last = this.#last === undefined ? -1 : recent.lastIndexOf(this.#last);
		for (let i = last + 1; i < recent.length; i++) this.push(recent[i] as StampedEvent);
	}

	subscribe(listener: () => void): () => void {
		this.#listeners.add(listener);
		return () => this.#listeners.delete(listener);
	}
}

export const levels: readonly Level[] = ['info', 'warn', 'error'];
const levelRank: Record<Level, number> = {info: 0, warn: 1, error: 2};

/** `f` in the view: all → warnings and errors → errors → all. */
export function nextLevel(level: Level): Level {
	return levels[(levelRank[level] + 1) % levels.length] as Level;
}

export interface LogQuery {
	readonly tasks: readonly string[];
	readonly agents: readonly string[];
	readonly level?: Level;
	/** Lower-cased words the line must contain. */
	readonly words: readonly string[];
}

/** `task:bd-1 agent:sim-2 level:warn words…`; every term must hold. */
export function parseQuery(query: string): LogQuery {
	const tasks: string[] = [];
	const agents: string[] = [];
	const words: string[] = [];
	let level: Level | undefined;
	for (const term of query.trim().split(/\s+/)) {
		if (term === '') continue;
		const [, key, value] = /^(task|agent|level):(.+)$/i.exec(term) ?? [];
		const lower = value?.toLowerCase();
		if (key?.toLowerCase() === 'task' && lower !== undefined) tasks.push(lower);
		else if (key?.toLowerCase() === 'agent' && lower !== undefined) agents.push(lower);
		else if (key?.toLowerCase() === 'level' && (levels as readonly string[]).includes(lower ?? ''))
			level = lower as Level;
		else words.push(term.toLowerCase());
	}

	return {tasks, agents, level, words};
}

function eventTasks(stamped: StampedEvent): readonly string[] {
	const {event} = stamped;
	if ('task' in event) return [event.task];
	if (event.type === 'tasks.unassignable') return event.tasks;
	return [];
}

function eventAgents(stamped: StampedEvent): readonly string[] {
	const {event} = stamped;
	if ('agent' in event && typeof event.agent === 'string') return [event.agent];
	// A pause names the profile, which is what an agent's name starts with.
	if ('profile' in event) return [event.profile];
	return [];
}

export interface LogFilter {
	readonly minLevel: Level;
	readonly query: string;
}

export const noFilter: LogFilter = {minLevel: 'info', query: ''};

export function matcher(filter: LogFilter): (entry: LogEntry) => boolean {
	const query = parseQuery(filter.query);
	const minimum = Math.max(levelRank[filter.minLevel], levelRank[query.level ?? 'info']);
	const named = (values: readonly string[], wanted: readonly string[]) =>
		wanted.length === 0 || values.some((value) => wanted.includes(value.toLowerCase()));
	return (entry) =>
		levelRank[entry.stamped.level] >= minimum &&
		named(eventTasks(entry.stamped), query.tasks) &&
		(query.agents.length === 0 ||
			eventAgents(entry.stamped).some((agent) => {
				const lower = agent.toLowerCase();
				return query.agents.some((wanted) => lower === wanted || lower.startsWith(`${wanted}-`));
			})) &&
		query.words.every((word) => entry.search.includes(word));
}

/** The kept entries that pass the filter, oldest first. */
export function matching(log: EventLog, filter: LogFilter): LogEntry[] {
	const passes = matcher(filter);
	const out: LogEntry[] = [];
	for (let i = 0; i < log.size; i++) {
		const entry = log.at(i) as LogEntry;
		if (passes(entry)) out.push(entry);
	}

	return out;
}

/** Either the newest lines, or a fixed place in the log that new events do not move. */
export interface LogScroll {
	readonly following: boolean;
	/** When not following: the seq of the entry at the top (or the first kept after it). */
	readonly top: number;
}

export const following: LogScroll = {following: true, top: 0};

/** The first entry at or after `seq`. */
function lowerBound(entries: readonly LogEntry[], seq: number): number {
	let low = 0;
	let high = entries.length;
	while (low < high) {
		const middle = (low + high) >> 1;
		if ((entries[middle] as LogEntry).seq < seq) low = middle + 1;
		else high = middle;
	}

	return low;
}

export interface LogWindow {
	/** Index into the matching entries of the first line shown. */
	readonly start: number;
	readonly end: number;
	/** Matching entries after the window. */
	readonly newer: number;
}

export function logWindow(
	entries: readonly LogEntry[],
	scroll: LogScroll,
	rows: number,
): LogWindow {
	const last = Math.max(0, entries.length - Math.max(1, rows));
	const start = scroll.following ? last : Math.min(lowerBound(entries, scroll.top), last);
	const end = Math.min(entries.length, start + Math.max(1, rows));
	return {start, end, newer: entries.length - end};
}

/** Up (negative) stops following; down to the last line follows again. */
export function scrollBy(
	entries: readonly LogEntry[],
	scroll: LogScroll,
	rows: number,
	delta: number,
): LogScroll {
	const {start} = logWindow(entries, scroll, rows);
	const last = Math.max(0, entries.length - Math.max(1, rows));
	const next = Math.max(0, start + delta);
	if (delta > 0 && next >= last) return following;
	if (delta > 0 && scroll.following) return following;
	return {following: false, top: entries[next]?.seq ?? 0};
}

export function oldest(entries: readonly LogEntry[]): LogScroll {
	return {following: false, top: entries[0]?.seq ?? 0};
}
