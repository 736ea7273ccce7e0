/**
 * `.jetpack/learnings.md` (PRODUCT.md §16): what agents and people learned that every later task
 * should know, as a Markdown list, one entry per top-level item, newest last. `learn` appends
 * entries; the most recent ones go into every prompt. The file is the person's too: a title or
 * text before the first item is theirs and is left out, and lines under an item belong to it.
 */

/** Entries a prompt carries, newest ones, and the characters they may take together. */
export const learningsInPrompt = {entries: 10, chars: 3000, entryChars: 500} as const;

/** The bytes of the end of the file that are read: far more than a prompt carries. */
export const learningsTailBytes = 64 * 1024;

/** The heading `learn` writes at the top of a new file. */
export const learningsHeading =
	'# Learnings\n\nWhat later tasks should know; the most recent entries go into every agent prompt.\n\n';

/** One entry as `learn` appends it: `- 2026-01-31: TEXT`, later lines indented under it. */
export function learningEntry(text: string, now: Date): string {
	const [first = '', ...rest] = text.trim().split(/\r?\n/);
	const lines = [`- ${now.toISOString().slice(0, 10)}: ${first}`];
	for (const line of rest) lines.push(line.trim() === '' ? '' : `  ${line}`);
	return `${lines.join('\n')}\n`;
}

const item = /^[-*+] |^\d+[.)] /;

/**
 * The entries of the file, oldest first, each as one string (its later lines joined with `\n`).
 * What comes before the first item is not an entry: a title, or (reading the end of a long file)
 * the tail of an entry cut off.
 */
export function parseLearnings(text: string): string[] {
	const entries: string[][] = [];
	for (const line of text.split(/\r?\n/)) {
		if (item.test(line)) entries.push([line.replace(item, '').trim()]);
		else if (entries.length > 0 && line.trim() !== '') entries.at(-1)?.push(line.trim());
	}

	return entries.map((lines) => lines.join('\n')).filter((entry) => entry !== '');
}

/** The newest entries that fit in a prompt, oldest of them first; each cut to its bound. */
export function recentLearnings(entries: readonly string[]): string[] {
	const {entries: count, chars, entryChars} = learningsInPrompt;
	const chosen: string[] = [];
	let used = 0;
	for (let index = entries.length - 1; index >= 0 && chosen.length < count; index--) {
		const entry = cut(entries[index] ?? '', entryChars);
		if (used + entry.length > chars) break;
		used += entry.length;
		chosen.push(entry);
	}

	return chosen.reverse();
}

/** `text` cut to `limit` characters, with an ellipsis saying so. */
export function cut(text: string, limit: number): string {
	return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}
