/**
 * A custom command (and the simulated agent): nothing is known of its wording, so only a question
 * at the bottom of its screen counts — `[y/N]`, "Press Enter to continue", a password or
 * passphrase prompt (a `git push` asking for credentials). Its exit code decides the rest.
 */
import type {CliDetector, Finding} from './detector.js';

const questions: readonly RegExp[] = [
	/[[(](y(es)?\/n(o)?)[\])]\s*[:?]?\s*$/i,
	/\bpress (enter|return|any key)\b.*$/i,
	/^(username|password) for '[^']+':\s*$/i,
	/\benter passphrase for\b.*:\s*$/i,
	/^\[sudo\] password for [^:]+:\s*$/,
	/\bpassword:\s*$/i,
];

/** The last line that is not blank: where a prompt waits, with the cursor after it. */
export function lastLine(lines: readonly string[]): string | undefined {
	for (let i = lines.length - 1; i >= 0; i--) {
		const line = (lines[i] ?? '').trim();
		if (line !== '') return line;
	}

	return undefined;
}

/** A question on the last line, in the words every terminal program uses. */
export function askedQuestion(lines: readonly string[]): Finding | undefined {
	const line = lastLine(lines);
	if (line === undefined || !questions.some((pattern) => pattern.test(line))) return undefined;
	return {kind: 'waiting', message: line.slice(0, 300)};
}

export const genericDetector: CliDetector = {
	name: 'generic',
	detect: (lines) => askedQuestion(lines),
};
