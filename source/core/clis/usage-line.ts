/**
 * The one line any agent may print to say what it spent (PRODUCT.md §14), for custom agents whose
 * CLI reports nothing structured (and the simulated agent):
 *
 *     JETPACK_USAGE {"model": "my-model", "inputTokens": 1200, "outputTokens": 300, "costUsd": 0.042}
 *
 * Fields as in an attempt's `usage`; later lines add to nothing, they replace (each is the total
 * so far). A line that does not parse is ordinary output.
 */
import type {Usage} from './detector.js';
import {count, isObject, text} from './event-json.js';

export const usageLinePrefix = 'JETPACK_USAGE ';

export function parseUsageLine(line: string): Usage | undefined {
	const at = line.indexOf(usageLinePrefix);
	if (at === -1) return undefined;
	let value: unknown;
	try {
		value = JSON.parse(line.slice(at + usageLinePrefix.length));
	} catch {
		return undefined;
	}

	if (!isObject(value)) return undefined;
	const usage: Record<string, unknown> = {};
	for (const key of [
		'inputTokens',
		'outputTokens',
		'cacheReadTokens',
		'cacheWriteTokens',
		'costUsd',
	])
		if (count(value[key]) !== undefined && (value[key] as number) >= 0) usage[key] = value[key];
	for (const key of ['model', 'sessionId'])
		if (text(value[key]) !== undefined) usage[key] = value[key];
	return Object.keys(usage).length === 0 ? undefined : (usage as Usage);
}
