/**
 * The model a CLI will use when its events do not name one (codex), so its tokens can be priced
 * (PRODUCT.md §14): the profile's own `-m`/`--model`/`-c model=…`, else codex's config.toml.
 */
import {readFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type {Profile} from '../core/profiles.js';

/** A model named in the arguments: `-m X`, `--model X`, `--model=X`, `-c model="X"`. */
export function modelInArgs(args: readonly string[]): string | undefined {
	for (const [index, arg] of args.entries()) {
		if ((arg === '-m' || arg === '--model') && args[index + 1] !== undefined)
			return args[index + 1];
		if (arg.startsWith('--model=')) return arg.slice('--model='.length);
		const config = arg === '-c' || arg === '--config' ? args[index + 1] : undefined;
		const set = /^model\s*=\s*"?([^"]+)"?$/.exec(config ?? '');
		if (set?.[1] !== undefined) return set[1];
	}

	return undefined;
}

/** The top-level `model = "…"` of a TOML file (before any table), if it has one. */
export function modelInToml(text: string): string | undefined {
	for (const line of text.split('\n')) {
		if (line.trim().startsWith('[')) return undefined;
		const match = /^\s*model\s*=\s*"([^"]+)"/.exec(line);
		if (match?.[1] !== undefined) return match[1];
	}

	return undefined;
}

/** The model a profile's CLI uses where its events do not say; undefined where we cannot tell. */
export function modelOfProfile(profile: Profile, env: NodeJS.ProcessEnv): string | undefined {
	if (profile.cli !== 'codex') return undefined;
	const named = modelInArgs(profile.args);
	if (named !== undefined) return named;
	const home = env['CODEX_HOME'] ?? path.join(os.homedir(), '.codex');
	try {
		return modelInToml(readFileSync(path.join(home, 'config.toml'), 'utf8'));
	} catch {
		// No config (or unreadable): the model is codex's own default, which we do not guess.
		return undefined;
	}
}
