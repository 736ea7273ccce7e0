/**
 * A structured CLI's events as a pane shows them (PRODUCT.md §13): the agent's messages, each
 * tool call with what it acts on, results, retries and errors, coloured, one item at a time, as
 * terminal text. The pane's emulator scrolls it like any output; the log keeps it without colour.
 */
import type {TranscriptItem, Usage} from '../core/clis/detector.js';
import {painter} from './format.js';

const paint = painter(true);
/** A tool result is a glance at what came back, not all of it: the log has the raw events. */
const resultLines = 4;
const thinkingLines = 2;
const lineChars = 400;

/**
 * One agent's transcript, an event at a time. CLIs say a failure more than once (claude: an
 * error message, then its limit, then its result, all in the same words): a failure already
 * shown in those words is not shown again.
 */
export class Transcript {
	#lastFailure = '';
	/** A message streamed in pieces is under way: its line is not ended yet. */
	#inMessage = false;

	/** Terminal text for `items`: lines ended by `\r\n`, empty when nothing is worth a line. */
	render(items: readonly TranscriptItem[]): string {
		let text = '';
		for (const item of items) {
			if (item.kind === 'message' && item.delta === true) {
				const piece = item.text
					.split(/\r?\n/)
					.map((part) => clean(part))
					.join('\r\n  ');
				text += this.#inMessage ? piece : `${paint('bold', '●')} ${piece}`;
				this.#inMessage = true;
				continue;
			}

			if (this.#inMessage && item.kind !== 'usage') {
				text += '\r\n';
				this.#inMessage = false;
			}

			const failure = failureWords(item);
			if (failure !== undefined) {
				if (failure === this.#lastFailure) continue;
				this.#lastFailure = failure;
			}

			for (const line of itemLines(item)) text += `${line}\r\n`;
		}

		return text;
	}
}

/** The words of an item that reports a failure, to compare with the last one shown. */
function failureWords(item: TranscriptItem): string | undefined {
	if (item.kind === 'error' || item.kind === 'limit') return oneLine(item.message);
	if (item.kind === 'result' && !item.ok) return oneLine(item.message);
	return undefined;
}

function itemLines(item: TranscriptItem): string[] {
	switch (item.kind) {
		case 'session': {
			const said = [
				item.model,
				item.sessionId === undefined ? undefined : `session ${item.sessionId}`,
			]
				.filter((part) => part !== undefined)
				.join(' · ');
			return said === '' ? [] : [paint('dim', `○ ${said}`)];
		}

		case 'message': {
			return block(item.text, Number.POSITIVE_INFINITY).map((line, index) =>
				index === 0 ? `${paint('bold', '●')} ${line}` : `  ${line}`,
			);
		}

		case 'thinking': {
			return block(item.text, thinkingLines).map((line) => paint('dim', `✻ ${line}`));
		}

		case 'tool': {
			const detail = oneLine(item.detail);
			return [`${paint('cyan', `▸ ${item.name}`)}${detail === '' ? '' : ` ${detail}`}`];
		}

		case 'tool-result': {
			const lines = block(item.text, resultLines);
			if (lines.length === 0) lines.push(item.error ? 'failed' : '(no output)');
			return lines.map((line, index) => {
				const text = `${index === 0 ? '  ⎿ ' : '    '}${line}`;
				return item.error ? paint('red', text) : paint('dim', text);
			});
		}

		case 'api-retry': {
			return [paint('yellow', `↻ waiting for the API: ${oneLine(item.message)}`)];
		}

		case 'error': {
			return [paint('red', `✗ ${oneLine(item.message)}`)];
		}

		case 'usage': {
			return [];
		}

		case 'result': {
			const figures = usageText(item.usage);
			if (item.ok) return [paint('green', `✓ done${figures === '' ? '' : ` · ${figures}`}`)];
			return [paint('red', `✗ ${oneLine(item.message) || 'failed'}`)];
		}

		case 'limit': {
			const at = item.resetsAt === undefined ? '' : `, resets ${clockTime(item.resetsAt)}`;
			return [paint('yellow', `⏸ ${oneLine(item.message)}${at}`)];
		}
	}
}

/** Tokens and cost, as short as a pane title wants them: `12.3k tokens · $0.042`. */
export function usageText(usage: Usage | undefined): string {
	if (usage === undefined) return '';
	const tokens =
		(usage.inputTokens ?? 0) +
		(usage.outputTokens ?? 0) +
		(usage.cacheReadTokens ?? 0) +
		(usage.cacheWriteTokens ?? 0);
	const parts: string[] = [];
	if (tokens > 0) parts.push(`${compact(tokens)} tokens`);
	if (usage.costUsd !== undefined)
		parts.push(
			`${usage.costEstimated === true ? '~' : ''}$${usage.costUsd.toFixed(usage.costUsd < 1 ? 3 : 2)}`,
		);
	return parts.join(' · ');
}

function compact(n: number): string {
	if (n < 1000) return String(n);
	if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0)}k`;
	return `${(n / 1_000_000).toFixed(1)}M`;
}

/** `03:00`, in the machine's local time. */
export function clockTime(date: Date): string {
	return `${String(date.getHours()).padStart(2, '0')}:${String(date.getMinutes()).padStart(2, '0')}`;
}

/** Up to `max` non-blank lines of `text`, each bounded and free of control characters; a cut says so. */
function block(text: string, max: number): string[] {
	const lines = text
		.split(/\r?\n/)
		.map((line) => clean(line).trimEnd())
		.filter((line) => line.trim() !== '');
	if (lines.length <= max) return lines;
	return [...lines.slice(0, max), `… ${lines.length - max} more lines`];
}

function oneLine(text: string): string {
	return clean(text.replaceAll(/\s*\r?\n\s*/g, ' ')).trim();
}

/** Text from a model is shown, never obeyed: no escape sequence reaches the pane's terminal. */
function clean(line: string): string {
	// eslint-disable-next-line no-control-regex
	const safe = line.replaceAll(/[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g, '');
	return safe.length > lineChars ? `${safe.slice(0, lineChars)}…` : safe;
}
