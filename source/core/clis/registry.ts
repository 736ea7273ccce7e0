/** The detector of each agent CLI by name (PRODUCT.md §13); a custom command gets the generic one. */
import type {CliDetector} from './detector.js';
import {aiderDetector} from './aider.js';
import {claude} from './claude.js';
import {codex} from './codex.js';
import {gemini} from './gemini.js';
import {genericDetector} from './generic.js';

const detectors: ReadonlyMap<string, CliDetector> = new Map(
	[claude, codex, gemini, aiderDetector, genericDetector].map((detector) => [
		detector.name,
		detector,
	]),
);

/** The CLIs that have a detector of their own, for the config's `cli` key. */
export const knownClis: readonly string[] = [...detectors.keys()];

export function detectorFor(cli: string): CliDetector {
	return detectors.get(cli) ?? genericDetector;
}

/** The CLI a command runs, by its file name (`/usr/local/bin/claude` → `claude`), else generic. */
export function cliOfCommand(command: string): string {
	const name = command.split('/').at(-1) ?? command;
	return detectors.has(name) ? name : 'generic';
}
