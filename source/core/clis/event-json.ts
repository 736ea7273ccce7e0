/**
 * Reading a structured CLI's JSON events, shared by the detectors: typed views of untyped values,
 * and the bounds a transcript keeps tool details and results within.
 */

export type Json = Record<string, unknown>;

/** A tool's output is shown this long at most: the transcript is a view, the log has the rest. */
const resultLines = 20;
const resultChars = 2000;
const detailChars = 200;

export const isObject = (value: unknown): value is Json =>
	typeof value === 'object' && value !== null && !Array.isArray(value);
export const text = (value: unknown): string | undefined =>
	typeof value === 'string' ? value : undefined;
export const count = (value: unknown): number | undefined =>
	typeof value === 'number' && Number.isFinite(value) ? value : undefined;

/** The first line of `value`, its spaces collapsed, cut to `max` characters. */
export function oneLine(value: string, max = detailChars): string {
	const line = value.trim().split('\n')[0]?.replace(/\s+/g, ' ').trim() ?? '';
	return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** The first ~20 lines / 2,000 characters of a tool's output, with `…` when there was more. */
export function bounded(value: string): string {
	const trimmed = value.replace(/\n+$/, '');
	let shown = trimmed.split('\n').slice(0, resultLines).join('\n');
	if (shown.length > resultChars) shown = shown.slice(0, resultChars);
	return shown.length < trimmed.length ? `${shown}\n…` : shown;
}

/**
 * One line of a CLI's output as one of its JSON events: an object with a string `type`, else
 * undefined (a line the CLI, or its log on stderr, printed as text).
 */
export function jsonEvent(line: string): Json | undefined {
	const trimmed = line.trim();
	if (!trimmed.startsWith('{')) return undefined;
	let value: unknown;
	try {
		value = JSON.parse(trimmed);
	} catch {
		return undefined;
	}

	return isObject(value) && typeof value['type'] === 'string' ? value : undefined;
}
