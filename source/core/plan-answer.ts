/**
 * A planning agent's final answer, read from its CLI's output (PRODUCT.md §16): the structured
 * CLIs' events through their detectors (claude's `result`, codex's last message before
 * `turn.completed`, gemini's streamed message), any other command's plain stdout. Pure and
 * bounded: lines in, the answer or the reason there is none out.
 */
import type {CliDetector, TranscriptItem} from './clis/detector.js';
import type {PlanAnswer} from './plan.js';
import {builtInTemplates, type Profile} from './profiles.js';

/** An answer longer than this is not a plan: it is cut, and then fails to parse. */
const maxAnswerChars = 1024 * 1024;
/** Plain lines kept for an error message. */
const keptLines = 20;

/**
 * The arguments a profile plans with: read-only where the CLI allows it (claude: only its reading
 * tools; codex: a read-only sandbox; gemini: its plan approval mode), in its structured mode. A
 * custom command plans with its own arguments, `{prompt}` being the planning prompt.
 */
export function planArgs(profile: Profile): readonly string[] {
	const builtIn = Object.values(builtInTemplates).some(
		(template) => template.command === profile.command,
	);
	switch (profile.cli) {
		case 'claude': {
			return [
				'-p',
				'{prompt}',
				'--output-format',
				'stream-json',
				'--verbose',
				'--tools',
				'Read,Glob,Grep',
			];
		}

		case 'codex': {
			return [
				'exec',
				'--json',
				'--sandbox',
				'read-only',
				'--skip-git-repo-check',
				'--',
				'{prompt}',
			];
		}

		case 'gemini': {
			return [
				'--skip-trust',
				'--approval-mode',
				'plan',
				'--output-format',
				'stream-json',
				'-p',
				'{prompt}',
			];
		}

		default: {
			return builtIn && profile.command === 'aider'
				? ['--yes-always', '--no-auto-commits', '--dry-run', '--message', '{prompt}']
				: profile.args;
		}
	}
}

/** Feeds a planning CLI's output in, line by line; `finish` says what it answered. */
export class AnswerCollector {
	readonly #detector: CliDetector;
	readonly #structured: boolean;
	/** The message being written (gemini streams it in pieces). */
	#message = '';
	#lastMessage = '';
	#result: Extract<TranscriptItem, {kind: 'result'}> | undefined;
	#error: string | undefined;
	#limit: string | undefined;
	#plain = '';
	readonly #tail: string[] = [];

	constructor(detector: CliDetector, args: readonly string[]) {
		this.#detector = detector;
		this.#structured = detector.structured?.(args) === true && detector.parse !== undefined;
	}

	/** One line of stdout, without its newline. */
	line(line: string, now: Date): readonly TranscriptItem[] {
		if (!this.#structured) {
			this.#keep(line);
			if (this.#plain.length < maxAnswerChars) this.#plain += `${line}\n`;
			return [];
		}

		const items = this.#detector.parse?.(line, now);
		// What is not one of its events (a warning, a crash) is kept for the message.
		if (items === undefined) this.#keep(line);
		for (const item of items ?? []) this.#take(item);
		return items ?? [];
	}

	/** One line of stderr: kept for the message when the CLI fails. */
	errorLine(line: string): void {
		this.#keep(line);
	}

	#keep(line: string): void {
		const plain = line.trim();
		if (plain === '') return;
		this.#tail.push(plain.slice(0, 500));
		if (this.#tail.length > keptLines) this.#tail.shift();
	}

	#take(item: TranscriptItem): void {
		switch (item.kind) {
			case 'message': {
				if (this.#message.length < maxAnswerChars) this.#message += item.text;
				if (item.delta !== true) this.#endMessage();
				break;
			}

			case 'tool':
			case 'tool-result': {
				this.#endMessage();
				break;
			}

			case 'error': {
				this.#error = item.message;
				break;
			}

			case 'limit': {
				this.#limit = item.message;
				break;
			}

			case 'result': {
				this.#endMessage();
				this.#result = item;
				break;
			}

			default:
		}
	}

	#endMessage(): void {
		if (this.#message.trim() !== '') this.#lastMessage = this.#message;
		this.#message = '';
	}

	/** What the CLI answered, once it has exited with `code`. */
	finish(code: number | null, signal: string | null, now: Date): PlanAnswer {
		this.#endMessage();
		const finding = this.#detector.detect(this.#tail, now);
		const why = (fallback: string) =>
			this.#limit ??
			(finding !== undefined && finding.kind !== 'waiting' ? finding.message : undefined) ??
			this.#error ??
			(this.#tail.at(-1) === undefined ? fallback : `${fallback}: ${this.#tail.at(-1)}`);
		if (!this.#structured) {
			if (code === 0 && this.#plain.trim() !== '') return {ok: true, text: this.#plain};
			return {
				ok: false,
				message: why(
					code === 0 ? 'it printed nothing' : `it exited with ${signal ?? `code ${code}`}`,
				),
			};
		}

		const result = this.#result;
		if (result === undefined)
			return {
				ok: false,
				message: why(
					code === 0
						? 'it ended without a result'
						: `it exited with ${signal ?? `code ${code}`} and no result`,
				),
			};
		if (!result.ok)
			return {ok: false, message: this.#limit ?? (result.message || why('it failed'))};
		// claude's result carries the final text; codex and gemini end with their last message.
		const text =
			result.message !== '' && result.message !== 'success' ? result.message : this.#lastMessage;
		return text.trim() === '' ? {ok: false, message: 'it answered with no text'} : {ok: true, text};
	}
}
