/**
 * Reads `.jetpack/config.json`; a missing file means the defaults.
 */
import {readFile} from 'node:fs/promises';
import path from 'node:path';
import {defaultConfig, parseConfig, type Config} from '../core/config.js';
import {ConfigError} from '../core/errors.js';

export function configPath(dir: string): string {
	return path.join(dir, '.jetpack', 'config.json');
}

export async function loadConfig(dir: string): Promise<Config> {
	const file = configPath(dir);
	const shown = path.join('.jetpack', 'config.json');
	let text: string;
	try {
		text = await readFile(file, 'utf8');
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return defaultConfig;
		throw new ConfigError(`Cannot read ${shown}: ${(error as Error).message}.`);
	}

	let value: unknown;
	try {
		value = JSON.parse(text.replace(/^\uFEFF/, ''));
	} catch (error) {
		throw new ConfigError(
			`${shown} is not valid JSON (${(error as Error).message}); fix it or delete it to use the defaults.`,
		);
	}

	return parseConfig(value, shown);
}
